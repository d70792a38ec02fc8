"""What a channel accepts from the outside world, before Rasa sees it.

Messages become strings of bounded length, metadata a small JSON object, sender
ids short strings. Anything else is replaced by a harmless default instead of
reaching Rasa's internals (where a string as metadata, for example, raises).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Optional

MAX_MESSAGE_CHARS = 10_000
MAX_SENDER_CHARS = 128
MAX_METADATA_BYTES = 16_384


def _valid_unicode(value: str) -> str:
    """Lone surrogates (JSON allows "\\ud800") become U+FFFD: they cannot be encoded as UTF-8,
    so spaCy, the tokenizers and the databases would raise on them."""
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _without_controls(value: str) -> str:
    # NUL and other C0 controls (except tab and newlines) are never meant.
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value) if isinstance(value, (int, float)) else ""
    return _valid_unicode(_without_controls(value))[:MAX_MESSAGE_CHARS]


def clean_sender(value: Any) -> Optional[str]:
    """The conversation id, or None (a 400) for anything but a non-blank string of at most
    MAX_SENDER_CHARS characters.

    The sender is the key of a conversation and its verified identity, so nothing may
    quietly turn two senders into one: numbers are refused rather than turned into text
    (123 and "123"), and long ids rather than cut (two ids sharing their first 128
    characters).
    """
    if not isinstance(value, str):
        return None
    # The sender is the tracker's key: PostgreSQL refuses NUL in it, UTF-8 lone surrogates.
    value = _valid_unicode(_without_controls(value)).strip()
    return value if 0 < len(value) <= MAX_SENDER_CHARS else None


def clean_metadata(value: Any) -> Dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    try:
        if len(json.dumps(value)) > MAX_METADATA_BYTES:
            return {}
    except (TypeError, ValueError):
        return {}
    return value
