import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def process_message(record):
    """Raise to mark this message as failed; SQS will redeliver it."""
    body = json.loads(record['body'])
    if not isinstance(body, dict) or 'orderId' not in body:
        raise ValueError("message has no orderId")
    if body.get('quantity', 1) <= 0:
        raise ValueError(f"order {body['orderId']} has a non-positive quantity")
    logger.info("Processed order %s", body['orderId'])


def lambda_handler(event, context):
    # Needs ReportBatchItemFailures on the event source mapping: only the messages listed
    # here go back to the queue, the rest are deleted.
    failures = []
    failed_groups = set()
    for record in event['Records']:
        # FIFO queues: after a message fails, the rest of its group is returned unprocessed too,
        # or Lambda would delete them and the group's order would break.
        group = record['attributes'].get('MessageGroupId')
        if group is not None and group in failed_groups:
            failures.append({'itemIdentifier': record['messageId']})
            continue
        try:
            process_message(record)
        except Exception as exc:
            logger.error("Message %s failed: %s", record['messageId'], exc)
            failures.append({'itemIdentifier': record['messageId']})
            if group is not None:
                failed_groups.add(group)
    return {'batchItemFailures': failures}
