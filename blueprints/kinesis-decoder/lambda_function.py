import base64
import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    decoded = []
    failures = []
    for record in event['Records']:
        kinesis = record['kinesis']
        try:
            payload = json.loads(base64.b64decode(kinesis['data'], validate=True).decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as exc:
            # With ReportBatchItemFailures, Lambda retries from the lowest reported sequence number.
            logger.error("Record %s is not base64 JSON: %s", kinesis['sequenceNumber'], exc)
            failures.append({'itemIdentifier': kinesis['sequenceNumber']})
            continue
        logger.info("Partition %s, sequence %s: %s",
                    kinesis['partitionKey'], kinesis['sequenceNumber'], json.dumps(payload))
        decoded.append(payload)
    print(f"Decoded {len(decoded)} of {len(event['Records'])} records")
    return {'batchItemFailures': failures}
