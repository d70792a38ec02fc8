"""The date component adds `date` entities to parsed messages, next to what is already there."""

from __future__ import annotations

from datetime import date

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.date_entity_extractor import DateEntityExtractor, utc_today

MONDAY = date(2026, 11, 23)


def test_dates_become_entities_with_range_values() -> None:
    extractor = DateEntityExtractor({}, today=lambda: MONDAY)
    earlier = {"entity": "order_number", "value": "ORD-104233", "start": 0, "end": 10}
    message = Message(data={TEXT: "ORD-104233 from last week, or was it in October?", ENTITIES: [earlier]})
    extractor.process([message])
    entities = message.get(ENTITIES)
    assert entities[0] == earlier
    assert [(e["entity"], e["value"], e["start"], e["end"], e["extractor"]) for e in entities[1:]] == [
        ("date", "2026-11-16/2026-11-22", 16, 25, "DateEntityExtractor"),
        ("date", "2026-10-01/2026-10-31", 40, 47, "DateEntityExtractor"),
    ]


def test_messages_without_dates_are_left_alone() -> None:
    extractor = DateEntityExtractor({}, today=lambda: MONDAY)
    message = Message(data={TEXT: "may i return it?"})
    extractor.process([message])
    assert message.get(ENTITIES) is None


def test_numeric_order_is_configurable_and_today_defaults_to_utc() -> None:
    american = DateEntityExtractor({"day_first": False}, today=lambda: MONDAY)
    message = Message(data={TEXT: "on 12/10"})
    american.process([message])
    assert message.get(ENTITIES)[0]["value"] == "2025-12-10/2025-12-10"
    assert DateEntityExtractor({}).today is utc_today
    assert DateEntityExtractor.get_default_config() == {"day_first": True}
