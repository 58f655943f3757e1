import logging
from datetime import datetime, timedelta, timezone

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# How old a report may get before the nightly job flags it.
RETENTION = timedelta(days=30)


def lambda_handler(event, context):
    if event.get('source') != 'aws.events' or event.get('detail-type') != 'Scheduled Event':
        raise ValueError("Expected an EventBridge 'Scheduled Event' from aws.events")
    # The scheduled time, not the clock, so a delayed or replayed run does the same work.
    scheduled = datetime.fromisoformat(event['time'].replace('Z', '+00:00'))
    rule = event['resources'][0].rsplit('/', 1)[-1] if event.get('resources') else 'unknown'
    cutoff = scheduled - RETENTION
    logger.info("Rule %s fired for %s; cleaning up reports older than %s",
                rule, scheduled.isoformat(), cutoff.date().isoformat())
    return {
        'rule': rule,
        'scheduledTime': scheduled.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
        'cutoffDate': cutoff.date().isoformat(),
        'account': event.get('account'),
        'region': event.get('region'),
        'runAt': datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'),
    }
