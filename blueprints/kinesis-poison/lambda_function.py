import base64
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


class PoisonRecordError(Exception):
    pass


def lambda_handler(event, context):
    # No partial batch response: one bad record fails the whole batch, and Lambda retries the
    # batch (blocking its shard) until it succeeds, the retries run out, or the records expire.
    for record in event['Records']:
        kinesis = record['kinesis']
        reading = json.loads(base64.b64decode(kinesis['data']))
        if 'temperature' not in reading:
            raise PoisonRecordError(f"reading without a temperature: {json.dumps(reading)}")
        logger.info("%s: %.1f °C", reading['sensorId'], reading['temperature'])
    print(f"Stored {len(event['Records'])} readings")
    return {'stored': len(event['Records'])}
