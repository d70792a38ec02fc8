"""Every intent, response and custom action of the domain is exercised somewhere.

Rasa's validator only knows stories and rules; responses that actions utter and
actions that forms call are invisible to it. This test looks at rules, test
stories, held-out NLU data and the action server's code together.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Set

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def _text(*globs: str) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for pattern in globs for path in sorted(ROOT.glob(pattern)))


def _names(text: str, prefix: str) -> Set[str]:
    return set(re.findall(rf"\b({prefix}[a-z_]+)\b", text))


def test_every_response_is_uttered_by_a_rule_a_story_an_action_or_the_channels() -> None:
    used = _names(_text("data/rules/*.yml", "tests/stories/*.yml", "actions/*.py", "bot/channels/*.py"), "utter_")
    # utter_ask_<slot> are asked by forms; utter_default by Rasa's core fallback.
    implicit = {name for name in DOMAIN["responses"] if name.startswith("utter_ask_")} | {"utter_default"}
    unused = set(DOMAIN["responses"]) - used - implicit
    assert not unused, f"responses nobody utters: {sorted(unused)}"


def test_every_intent_has_a_test_story_or_held_out_examples() -> None:
    tested = set(re.findall(r"intent: ([a-z_]+)", _text("tests/stories/*.yml", "tests/nlu/holdout/*.yml")))
    missing = set(DOMAIN["intents"]) - tested
    assert not missing, f"intents without tests: {sorted(missing)}"


def test_every_custom_action_is_implemented_by_the_action_server() -> None:
    code = _text("actions/*.py")
    implemented = set(re.findall(r'return "((?:action|validate)_[a-z_]+)"', code))
    declared = {name for name in DOMAIN["actions"] if name.startswith(("action_", "validate_"))}
    assert declared <= implemented, f"declared but not implemented: {sorted(declared - implemented)}"


def test_every_rule_and_story_flow_has_an_end_to_end_test() -> None:
    """Each action a rule can run also appears in a `rasa test` story."""
    rule_actions = set(re.findall(r"action: ((?:action|utter)_[a-z_]+)", _text("data/rules/*.yml")))
    story_actions = set(re.findall(r"action: ((?:action|utter)_[a-z_]+)", _text("tests/stories/*.yml")))
    missing = rule_actions - story_actions
    assert not missing, f"rule actions no test story runs: {sorted(missing)}"
