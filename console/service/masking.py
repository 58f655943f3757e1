"""Which environment variables hold credentials, and their masked form in API answers."""

from __future__ import annotations

import re
from typing import Mapping

MASK = "****"
# AWS's own credential variables and the names people give secrets (API_KEY, DB_PASSWORD, ...).
_SECRET_NAME = re.compile(
    r"SECRET|TOKEN|PASSW|PWD|CREDENTIAL|PRIVATE|SESSION|AUTH|SIGNATURE|COOKIE|API_?KEY|ACCESS_?KEY|"
    r"(^|_)KEY($|_)|DSN|CONN(ECTION)?_?STR",
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def masked_environment(variables: Mapping[str, str]) -> dict[str, str]:
    """The variables with every credential-like value replaced by ****."""
    return {k: (MASK if is_secret_name(k) and v else v) for k, v in variables.items()}
