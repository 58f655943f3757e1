"""SuggestAccountName: proposes free usernames close to one that was taken."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

TAKEN_USERNAMES = {"taken", "admin", "root", "jdoe"}


def lambda_handler(event, context):
    username = str(event.get("username", "user")).strip().lower() or "user"
    candidates = [f"{username}{n}" for n in range(1, 10)] + [f"{username}_new", f"the_{username}"]
    suggestions = [name for name in candidates if name not in TAKEN_USERNAMES][:3]
    logger.info("%s is taken (%s); suggesting %s", username, event.get("error"), suggestions)
    return {
        "requested": username,
        "reason": event.get("error"),
        "suggestions": suggestions,
    }
