"""What the bot says when it did not understand: why, and the offer of a person."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionExplainFallback(Action):
    def name(self) -> str:
        return "action_explain_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        message = tracker.latest_message or {}
        language = message.get("language") or {}
        text = message.get("text") or ""
        if language.get("supported") is False:
            dispatcher.utter_message(response="utter_english_only")
        elif not any(ch.isalnum() for ch in text):
            dispatcher.utter_message(response="utter_empty_message")
        else:
            dispatcher.utter_message(response="utter_please_rephrase")
        return []
