import base64
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# An in-memory store so the routes have something to act on; it lives as long as the
# execution environment (warm invocations see earlier writes, a cold start resets it).
ITEMS = {"1": {"id": "1", "name": "widget"}}


def respond(status, body):
    return {
        'statusCode': status,
        'headers': {
            'Content-Type': 'application/json',
            'Access-Control-Allow-Origin': '*',
        },
        'body': json.dumps(body),
        'isBase64Encoded': False,
    }


def parse_body(event):
    body = event.get('body')
    if body is None:
        return None
    if event.get('isBase64Encoded'):
        body = base64.b64decode(body).decode('utf-8')
    return json.loads(body)


def lambda_handler(event, context):
    method = event.get('httpMethod', 'GET')
    path = event.get('path', '/')
    logger.info("%s %s", method, path)
    parts = [p for p in path.split('/') if p]

    if method == 'OPTIONS':
        return respond(204, {})
    try:
        if parts and parts[0] == 'items':
            if len(parts) == 1 and method == 'GET':
                return respond(200, {'items': list(ITEMS.values())})
            if len(parts) == 1 and method == 'POST':
                item = parse_body(event) or {}
                item_id = str(len(ITEMS) + 1)
                ITEMS[item_id] = {'id': item_id, **item}
                return respond(201, ITEMS[item_id])
            if len(parts) == 2 and method == 'GET':
                item = ITEMS.get(parts[1])
                if item is None:
                    return respond(404, {'message': f"Item {parts[1]} not found"})
                return respond(200, item)
            if len(parts) == 2 and method == 'DELETE':
                ITEMS.pop(parts[1], None)
                return respond(204, {})
        # Any other path echoes the request, which is what the sample event exercises.
        if method in ('GET', 'POST', 'PUT'):
            return respond(200, {
                'message': 'Hello from Lambda!',
                'method': method,
                'path': path,
                'query': event.get('queryStringParameters') or {},
                'pathParameters': event.get('pathParameters') or {},
                'body': parse_body(event),
                'sourceIp': (event.get('requestContext') or {}).get('identity', {}).get('sourceIp'),
            })
        return respond(405, {'message': f"Method {method} not allowed on {path}"})
    except json.JSONDecodeError as exc:
        return respond(400, {'message': f"Request body is not valid JSON: {exc}"})
