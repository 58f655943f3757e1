"""GET /orders/{orderId} behind a REST API: payload format 1.0 in, a proxy response out."""

import json
import os

ORDERS = {
    "1001": {"orderId": "1001", "item": "coffee beans", "quantity": 2, "price": 18.5},
    "1002": {"orderId": "1002", "item": "grinder", "quantity": 1, "price": 74.0},
}


def lambda_handler(event, context):
    order_id = event["pathParameters"]["orderId"]
    order = ORDERS.get(order_id)
    if order is None:
        return {
            "statusCode": 404,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"message": f"No order {order_id}"}),
        }
    # The REST API passes query strings both ways; ?fields=item&fields=price keeps only those.
    fields = (event.get("multiValueQueryStringParameters") or {}).get("fields")
    if fields:
        order = {key: value for key, value in order.items() if key in fields or key == "orderId"}
    print(f"order {order_id} read in stage {event['requestContext']['stage']}")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Order-Source": ["local", os.environ.get("STAGE", "dev")]},
        "body": json.dumps({"order": order, "currency": os.environ["CURRENCY"]}),
    }
