"""Signed customer tokens: how a logged-in visitor's identity reaches the bot.

The shop's website signs `{"sub": <customer id>, "exp": ...}` with the server secret
(HMAC-SHA256, a standard JWT) and passes it in the chat's metadata as
`customer_token`; `action_session_start` verifies it. Anyone without the secret
cannot forge one, and an expired or tampered token is simply ignored.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Mapping, Optional

import jwt

logger = logging.getLogger(__name__)

TOKEN_METADATA_KEY = "customer_token"
ALGORITHM = "HS256"


def issue_customer_token(customer_id: int, secret: str, ttl_minutes: int = 720) -> str:
    """A token saying "this visitor is customer `customer_id`" for `ttl_minutes`."""
    now = int(time.time())
    payload = {"sub": str(customer_id), "iat": now, "exp": now + ttl_minutes * 60}
    return jwt.encode(payload, secret, algorithm=ALGORITHM)


def verify_customer_token(token: Any, secret: str) -> Optional[int]:
    """The customer id in a valid token, or None for anything else."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        payload = jwt.decode(
            token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
        )
        return int(payload["sub"])
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        logger.info("Rejected a customer token: %s", error.__class__.__name__)
        return None


def token_from_metadata(metadata: Any) -> Optional[str]:
    """The customer token carried in channel metadata, if any."""
    if isinstance(metadata, Mapping):
        token = metadata.get(TOKEN_METADATA_KEY)
        return token if isinstance(token, str) else None
    return None
