"""Product recommendations: "recommend me something", "something like X", "tell me more about X".

Answers are product cards (`{"product_cards": [...]}`, see bot/web/static/widget.js)
with a short text before them; each card has "Tell me more" and "More like this".
A verified customer gets recommendations from their own orders; anyone else gets
what is popular, within the category and price they asked for.
"""

from __future__ import annotations

import asyncio
import json
import logging
from abc import ABC, abstractmethod
from decimal import Decimal
from functools import lru_cache
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import settings, verified_customer_id
from actions.replies import money
from bot.crm.errors import CrmError
from bot.recommend import recommender as notices
from bot.recommend.data import ProductInfo
from bot.recommend.errors import ProductNotFound, RecommenderError
from bot.recommend.queries import card_position, entity_values, product_phrase, read_query
from bot.recommend.recommender import Recommendation, Recommendations
from bot.recommend.service import RecommenderService

logger = logging.getLogger(__name__)
CARDS = 5


@lru_cache(maxsize=1)
def recommender_service() -> RecommenderService:
    """Loaded once per action server; picks up a newer model when `recommend train` writes one."""
    return RecommenderService()


def _payload(intent: str, sku: str) -> str:
    return f"/{intent}{json.dumps({'sku': sku})}"


def card(item: Any, reason: str) -> Dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "price": money(Decimal(item.price), settings().currency_symbol),
        "image": item.image or f"/products/{item.sku}.svg",
        "reason": reason,
        "buttons": [
            {"title": "Tell me more", "payload": _payload("ask_product_details", item.sku)},
            {"title": "More like this", "payload": _payload("find_similar_products", item.sku)},
        ],
    }


def notice_text(result: Recommendations, category: Optional[str]) -> str:
    symbol = settings().currency_symbol
    cheapest = money(result.cheapest, symbol) if result.cheapest is not None else None
    dearest = money(result.most_expensive, symbol) if result.most_expensive is not None else None
    return {
        notices.EMPTY_CATALOGUE: "Our shop has no products to recommend right now.",
        notices.NEGATIVE_PRICE: "Prices can't be negative: what's your budget?",
        notices.PRICE_RANGE_INVERTED: "That price range is upside down: what's the most you'd like to spend?",
        notices.PRICE_BELOW_CHEAPEST: f"Nothing in our shop costs that little; our cheapest items start at {cheapest}.",
        notices.PRICE_ABOVE_MOST_EXPENSIVE: f"Nothing costs that much; our most expensive item is {dearest}.",
        notices.UNKNOWN_CATEGORY: f"We don't have a {category} section, but here are some popular picks.",
        notices.NOTHING_MATCHES: "I couldn't find anything in stock that matches all of that. Could you loosen the budget or the category?",
    }.get(result.notice or "", "")


def show(dispatcher: CollectingDispatcher, intro: str, items: List[Recommendation]) -> List[EventType]:
    """The intro and the cards; remembers their SKUs so "the second one" can be resolved."""
    shown = items[:CARDS]
    dispatcher.utter_message(text=intro)
    dispatcher.utter_message(json_message={"product_cards": [card(item, item.reason) for item in shown]})
    return [SlotSet("shown_products", [item.sku for item in shown])]


def _product_mentioned(tracker: Tracker) -> Optional[str]:
    """The sku from a card button, a product the customer names, one of the cards just shown
    ("the second one"), else the product talked about just before."""
    entities = tracker.latest_message.get("entities", [])
    skus = entity_values(entities, "sku")
    if skus:
        return str(skus[0])
    products = entity_values(entities, "product")
    if products:
        return str(products[0])
    text = tracker.latest_message.get("text") or ""
    position = card_position(text)
    if position is not None:
        shown = tracker.get_slot("shown_products") or []
        return str(shown[position]) if -len(shown) <= position < len(shown) else None
    # A name the NLU did not recognise ("like the flux capacitor"): looked up, so an unknown
    # product gets "couldn't find" rather than the product talked about before.
    return product_phrase(text) or tracker.get_slot("product")


class _ProductAction(Action, ABC):
    """Runs the blocking recommender calls in a worker thread and maps their errors to replies."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        try:
            return await asyncio.get_running_loop().run_in_executor(None, self.answer, dispatcher, tracker)
        except ProductNotFound as error:
            dispatcher.utter_message(
                text=f"I couldn't find \"{error.reference or 'that'}\" in our shop. "
                "Could you give me the product's name as it appears on its page?"
            )
        except (CrmError, RecommenderError):
            logger.exception("Recommendations unavailable")
            dispatcher.utter_message(response="utter_crm_unavailable")
        return []

    @abstractmethod
    def name(self) -> str:
        """Subclasses name themselves; abstract, so the action server skips this class."""

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        """Reply (blocking calls allowed: this runs in a worker thread)."""


class ActionRecommendProducts(_ProductAction):
    def name(self) -> str:
        return "action_recommend_products"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        service = recommender_service()
        customer_id = verified_customer_id(tracker)
        message = tracker.latest_message
        query = read_query(message.get("text") or "", message.get("entities", []))
        symbol = settings().currency_symbol
        if query.mode == "complements":
            if customer_id is None:
                intro = ("Once I know who you are (tell me your email and one of your order numbers), I can "
                         "suggest what goes with your last order. Meanwhile, these are popular:")
                result = service.recommend(None, CARDS)
            else:
                result = service.complements(customer_id, CARDS)
                intro = ("You have no orders yet, so here is what's popular:" if result.notice == notices.NO_ORDERS
                         else "These go well with your last order:")
        else:
            result = service.recommend(customer_id, CARDS, query.category, query.max_price, query.min_price)
            if result.notice == notices.UNKNOWN_CATEGORY:
                # No such section: say so, and show what fits the rest of the request.
                unknown = notice_text(result, query.category)
                result = service.recommend(customer_id, CARDS, None, query.max_price, query.min_price)
                if result:
                    return show(dispatcher, unknown, result)
            wishes = [f"in {query.category}"] if query.category else []
            if query.min_price is not None and query.max_price is not None:
                wishes.append(f"between {money(query.min_price, symbol)} and {money(query.max_price, symbol)}")
            elif query.max_price is not None:
                wishes.append(f"under {money(query.max_price, symbol)}")
            elif query.min_price is not None:
                wishes.append(f"over {money(query.min_price, symbol)}")
            what = "gift ideas" if query.gift else "picks"
            intro = f"Here are a few {what}" + (f" {' '.join(wishes)}" if wishes else "") + (
                " chosen from your orders:" if customer_id is not None and result.notice != notices.NO_HISTORY else ":"
            )
        if not result:
            dispatcher.utter_message(text=notice_text(result, query.category) or "I couldn't find anything to recommend right now.")
            return []
        return show(dispatcher, intro, result)


class ActionFindSimilarProducts(_ProductAction):
    def name(self) -> str:
        return "action_find_similar_products"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        mentioned = _product_mentioned(tracker)
        if not mentioned:
            dispatcher.utter_message(text="Which product do you have in mind? Tell me its name and I'll find similar ones.")
            return []
        service = recommender_service()
        anchor = service.find(mentioned)
        result = service.similar_to(anchor.sku, CARDS, verified_customer_id(tracker))
        if not result:
            dispatcher.utter_message(text=f"I couldn't find anything in stock similar to {anchor.name} right now.")
            return [SlotSet("product", anchor.name)]
        return [SlotSet("product", anchor.name), *show(dispatcher, f"If you like {anchor.name}, you might like these:", result)]


class ActionProductDetails(_ProductAction):
    def name(self) -> str:
        return "action_product_details"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
        mentioned = _product_mentioned(tracker)
        if not mentioned:
            dispatcher.utter_message(text="Which product would you like to know more about?")
            return []
        product: ProductInfo = recommender_service().find(mentioned)
        symbol = settings().currency_symbol
        availability = "in stock" if product.stock > 0 else "out of stock at the moment"
        description = " ".join(product.description.split())
        dispatcher.utter_message(
            text=f"**{product.name}** ({product.category}) costs {money(product.price, symbol)} and is {availability}. {description}".strip()
        )
        dispatcher.utter_message(json_message={"product_cards": [card(product, availability.capitalize())]})
        return [SlotSet("product", product.name)]
