"""Logging: structured lines, with personal data masked.

Emails and phone numbers are masked in every record that passes a handler with
`PiiMaskingFilter`, so order lookups can be logged without leaking who asked.
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Optional

_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_PHONE = re.compile(r"(?<![\w-])(\+?\(?\d[\d\s().-]{6,}\d)(?![\w-])")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def mask_pii(text: str) -> str:
    """'maria.garcia@example.com, +1 555 123 4567' -> 'm***@example.com, ***4567'."""
    text = _EMAIL.sub(r"\1***@\2", text)
    return _PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    candidate = match.group(1)
    digits = re.sub(r"\D", "", candidate)
    if len(digits) < 9 or _DATE.match(candidate):
        return candidate
    return "***" + digits[-4:]


class PiiMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here
            return True
        masked = mask_pii(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def install_pii_filter(logger: Optional[logging.Logger] = None) -> None:
    """Attach the masking filter to every handler of `logger` (default: root)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, PiiMaskingFilter) for f in handler.filters):
            handler.addFilter(PiiMaskingFilter())


def configure_logging(level: Optional[str] = None) -> None:
    """JSON lines on stderr at LOG_LEVEL (default INFO), personal data masked."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel((level or os.environ.get("LOG_LEVEL", "INFO")).upper())
    install_pii_filter(root)
