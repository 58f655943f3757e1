import json
import logging
import urllib.parse

logger = logging.getLogger()
logger.setLevel(logging.INFO)

print('Loading function')


def lambda_handler(event, context):
    #print("Received event: " + json.dumps(event, indent=2))
    objects = []
    for record in event['Records']:
        bucket = record['s3']['bucket']['name']
        # Object keys arrive URL-encoded, with spaces as '+'.
        key = urllib.parse.unquote_plus(record['s3']['object']['key'], encoding='utf-8')
        size = record['s3']['object'].get('size', 0)
        logger.info("%s: s3://%s/%s (%d bytes)", record['eventName'], bucket, key, size)
        objects.append({
            'bucket': bucket,
            'key': key,
            'size': size,
            'eventName': record['eventName'],
            'eventTime': record['eventTime'],
        })
    summary = {
        'processed': len(objects),
        'totalBytes': sum(o['size'] for o in objects),
        'objects': objects,
    }
    print("Summary: " + json.dumps(summary))
    return summary
