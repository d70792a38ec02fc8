"""The one place that reads configuration.

Deployment-specific values come from environment variables (documented in README.md);
business rules come from `support.yml`. Everything else in the package asks here.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Mapping

import yaml

from bot.handoff.escalation import EscalationConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "crm.sqlite3"
DEV_TOKEN_SECRET = "dev-only-secret-change-me-in-production-please"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderRules:
    history_length: int = 5
    cancellable_statuses: List[str] = field(default_factory=lambda: ["placed", "paid"])
    return_window_days: int = 30
    transit_days: Dict[str, int] = field(default_factory=dict)
    default_transit_days: int = 5
    tracking_urls: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityRules:
    max_verification_attempts: int = 3
    token_ttl_minutes: int = 720


@dataclass(frozen=True)
class HandoffRules:
    minutes_per_conversation: int = 6
    session_idle_minutes: int = 60
    session_max_minutes: int = 720


@dataclass(frozen=True)
class Settings:
    database_url: str
    token_secret: str
    shop_name: str = "Northwind Goods"
    currency_symbol: str = "$"
    support_hours: str = ""
    orders: OrderRules = field(default_factory=OrderRules)
    identity: IdentityRules = field(default_factory=IdentityRules)
    escalation: EscalationConfig = field(default_factory=EscalationConfig)
    handoff: HandoffRules = field(default_factory=HandoffRules)
    # Where the console reaches the Rasa server (to deliver agent messages).
    rasa_url: str = "http://localhost:5005"

    @property
    def uses_dev_secret(self) -> bool:
        return self.token_secret == DEV_TOKEN_SECRET

    @property
    def bridge_token(self) -> str:
        """Shared by the console and the Rasa server's handoff endpoint, derived from the secret."""
        return hmac.new(self.token_secret.encode(), b"handoff-bridge", hashlib.sha256).hexdigest()


def _load_yaml(path: Path) -> Mapping[str, Any]:
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def load_settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """Build settings from `support.yml` (or `SUPPORT_CONFIG`) and the environment."""
    config_path = Path(environ.get("SUPPORT_CONFIG", PROJECT_ROOT / "support.yml"))
    config = _load_yaml(config_path)
    shop = config.get("shop", {})
    secret = environ.get("CUSTOMER_TOKEN_SECRET") or DEV_TOKEN_SECRET
    return Settings(
        database_url=environ.get("CRM_DATABASE_URL") or default_database_url(),
        token_secret=secret,
        shop_name=shop.get("name", Settings.shop_name),
        currency_symbol=shop.get("currency_symbol", Settings.currency_symbol),
        support_hours=shop.get("support_hours", ""),
        orders=OrderRules(**config.get("orders", {})),
        identity=IdentityRules(**config.get("identity", {})),
        escalation=EscalationConfig(**config.get("escalation", {})),
        handoff=HandoffRules(**config.get("handoff", {})),
        rasa_url=environ.get("RASA_SERVER_URL") or f"http://localhost:{environ.get('RASA_PORT', '5005')}",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return load_settings()


def warn_if_insecure(settings: Settings) -> None:
    """Called by the servers that verify or issue customer tokens."""
    if settings.uses_dev_secret:
        logger.warning(
            "CUSTOMER_TOKEN_SECRET is not set: using the development secret. "
            "Set it in production, or anyone can forge a customer token."
        )


def rabbitmq_url(environ: Mapping[str, str] = os.environ) -> str:
    """RABBITMQ_URL, or one built from RABBITMQ_HOST/PORT/USER/PASSWORD (local guest defaults)."""
    if environ.get("RABBITMQ_URL"):
        return environ["RABBITMQ_URL"]
    user = environ.get("RABBITMQ_USER", "guest")
    password = environ.get("RABBITMQ_PASSWORD", "guest")
    host = environ.get("RABBITMQ_HOST", "127.0.0.1")
    port = environ.get("RABBITMQ_PORT", "5672")
    return f"amqp://{user}:{password}@{host}:{port}/"
