"""GET /greet behind an HTTP API: payload format 2.0 in; a plain dict out becomes a 200 JSON response."""

import os


def lambda_handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    visits = 0
    for cookie in event.get("cookies", []):
        key, _, value = cookie.partition("=")
        if key == "visits" and value.isdigit():
            visits = int(value)
    if event["requestContext"]["http"]["method"] != "GET":
        return {"statusCode": 405, "body": "only GET"}
    if visits:
        # A structured answer: status, headers and cookies of our own.
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "cookies": [f"visits={visits + 1}; Path=/"],
            "body": f'{{"message": "{os.environ["GREETING"]}, {name}!", "visits": {visits + 1}}}',
        }
    return {"message": f"{os.environ['GREETING']}, {name}!"}
