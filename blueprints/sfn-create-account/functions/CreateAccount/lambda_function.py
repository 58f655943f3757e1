"""CreateAccount: writes a customer's account, or raises AccountAlreadyExistsException for a taken username."""

import logging
import re

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# Stands in for the accounts table: these usernames are already registered.
TAKEN_USERNAMES = {"taken", "admin", "root", "jdoe"}

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")


class AccountAlreadyExistsException(Exception): pass


def create_account(event, context):
    username = str(event.get("username", "")).strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise ValueError(f"Invalid username: {username!r}")
    if username in TAKEN_USERNAMES:
        logger.info("Username %s is already registered", username)
        raise AccountAlreadyExistsException('Account is in use!')
    logger.info("Creating account for %s", username)
    return {
        "username": username,
        "email": event.get("email", f"{username}@example.com"),
        "status": "CREATED",
    }


# The state machine's functions use the default handler name; the seed calls it create_account.
lambda_handler = create_account
