"""SendWelcomeEmail: composes the welcome message for a new account (it prints it rather than sending it)."""

import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)


def lambda_handler(event, context):
    to = event.get("email") or f"{event.get('username', 'user')}@example.com"
    message = {
        "to": to,
        "subject": f"Welcome, {event.get('username', 'new user')}!",
        "body": "Your account is ready.",
    }
    logger.info("Sending welcome email to %s", to)
    return {"username": event.get("username"), "email": message, "status": "SENT"}
