"""Sanic app: the demo shop page with the chat widget, product pictures, demo log-in,
and the agent console (`bot/web/console.py`).

The widget talks to the Rasa server's socket.io channel directly; this server
serves pages, the console API, and the few endpoints the demo page needs.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, Optional

from sanic import Sanic, response
from sanic.request import Request
from sqlalchemy import select

from bot.crm.database import Database, get_database
from bot.crm.errors import CrmUnavailable
from bot.crm.models import Customer, Product
from bot.crm.store import CrmStore
from bot.handoff.agents import AgentDirectory
from bot.handoff.tickets import TicketDesk
from bot.identity import issue_customer_token
from bot.settings import Settings, get_settings, warn_if_insecure
from bot.web.console import create_console_blueprint
from bot.web.placeholders import product_svg

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def create_app(
    settings: Optional[Settings] = None,
    database: Optional[Database] = None,
    name: str = "northwind_web",
) -> Sanic:
    settings = settings or get_settings()
    warn_if_insecure(settings)
    database = database or get_database(settings.database_url)
    demo_login = _flag("DEMO_LOGIN_ENABLED", True)
    app = Sanic(name, configure_logging=False)
    app.config.FALLBACK_ERROR_FORMAT = "json"

    app.static("/static", str(STATIC), name="static")
    app.blueprint(
        create_console_blueprint(
            settings,
            TicketDesk(database, settings.handoff.minutes_per_conversation),
            AgentDirectory(database, settings.handoff),
            CrmStore(database, settings.orders),
        )
    )

    @app.get("/")
    async def index(_: Request) -> response.HTTPResponse:
        return await response.file(str(STATIC / "index.html"))

    @app.get("/health")
    async def health(_: Request) -> response.HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/api/config")
    async def config(request: Request) -> response.HTTPResponse:
        host = request.host.split(":")[0] or "localhost"
        socket_url = os.environ.get("RASA_PUBLIC_URL") or f"{request.scheme}://{host}:{os.environ.get('RASA_PORT', '5005')}"
        return response.json(
            {"socket_url": socket_url, "shop_name": settings.shop_name, "demo_login": demo_login}
        )

    @app.get("/api/demo/customers")
    async def demo_customers(_: Request) -> response.HTTPResponse:
        if not demo_login:
            return response.json({"error": "demo log-in is disabled"}, status=404)
        try:
            with database.session() as session:
                rows = session.execute(
                    select(Customer.id, Customer.name, Customer.email).order_by(Customer.id).limit(3)
                ).all()
        except CrmUnavailable:
            return response.json({"error": "CRM unavailable"}, status=503)
        return response.json([{"id": r.id, "name": r.name, "email": r.email} for r in rows])

    @app.post("/api/demo/login")
    async def demo_token(request: Request) -> response.HTTPResponse:
        """Signs a token for one of the demo customers, as a shop's own log-in would."""
        if not demo_login:
            return response.json({"error": "demo log-in is disabled"}, status=404)
        body: Dict[str, Any] = request.json if isinstance(request.json, dict) else {}
        customer_id = body.get("customer_id")
        if not isinstance(customer_id, int) or not 1 <= customer_id <= 3:
            return response.json({"error": "customer_id must be one of the demo customers (1-3)"}, status=400)
        token = issue_customer_token(customer_id, settings.token_secret, settings.identity.token_ttl_minutes)
        return response.json({"token": token})

    @app.get("/products/<sku:str>")
    async def product_image(_: Request, sku: str) -> response.HTTPResponse:
        sku = sku[:-4] if sku.endswith(".svg") else sku
        try:
            with database.session() as session:
                product = session.execute(select(Product).where(Product.sku == sku[:64])).scalar_one_or_none()
                found = (product.sku, product.name, product.category) if product else None
        except CrmUnavailable:
            found = None
        if found is None:
            return response.text("not found", status=404)
        return response.text(
            product_svg(*found),
            content_type="image/svg+xml",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return app


def serve(host: str = "0.0.0.0", port: int = 8000) -> None:
    create_app().run(host=host, port=port, access_log=False)
