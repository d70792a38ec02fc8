"""How often the assistant recognises messages it should not try to answer.

Parses, with the trained model (models/assistant.tar.gz):
- the out-of-scope examples of the held-out NLU files (written for this shop);
- Banking77's 3,080 test questions (../shared/datasets/banking77/test.csv): real
  customer-support messages of a bank, none of which a shop assistant handles;
- the in-scope held-out messages, to show what recognising out-of-scope costs.
A message counts as recognised when its intent is `out_of_scope` or `nlu_fallback`.

    python benchmarks/out_of_scope.py
"""

from __future__ import annotations

import asyncio
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
OUT_OF_SCOPE = {"out_of_scope", "nlu_fallback"}


def holdout_examples() -> List[Tuple[str, str]]:
    examples = []
    for path in sorted((PROJECT_ROOT / "tests" / "nlu" / "holdout").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in block["examples"].splitlines():
                text = line.strip()[2:] if line.strip().startswith("- ") else ""
                if text:
                    # Drop the entity annotations: "[ORD-1](order_number)" -> "ORD-1".
                    examples.append((re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), text), block["intent"]))
    return examples


async def intents(texts: List[str]) -> List[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(PROJECT_ROOT / "models" / "assistant.tar.gz"))
    return [(await agent.parse_message(text))["intent"]["name"] for text in texts]


def rate(predicted: List[str]) -> float:
    return round(sum(p in OUT_OF_SCOPE for p in predicted) / max(len(predicted), 1), 4)


def main() -> None:
    holdout = holdout_examples()
    banking = [row["text"] for row in csv.DictReader((PROJECT_ROOT.parent / "shared" / "datasets" / "banking77" / "test.csv").open())]
    texts = [t for t, _ in holdout] + banking
    predicted = asyncio.run(intents(texts))
    held, bank = predicted[: len(holdout)], predicted[len(holdout):]
    oos_pred = [p for p, (_, gold) in zip(held, holdout, strict=True) if gold == "out_of_scope"]
    in_scope = [p for p, (_, gold) in zip(held, holdout, strict=True) if gold != "out_of_scope"]
    forced: Dict[str, int] = dict(Counter(p for p in bank if p not in OUT_OF_SCOPE).most_common(6))
    print(json.dumps({
        "benchmark": "out_of_scope_recognition",
        "holdout_out_of_scope": {"messages": len(oos_pred), "recognised": rate(oos_pred)},
        "banking77_test_questions": {"messages": len(bank), "recognised": rate(bank),
                                     "most_often_taken_for": forced},
        "holdout_in_scope_wrongly_called_out_of_scope": {"messages": len(in_scope), "rate": rate(in_scope)},
    }, indent=2))


if __name__ == "__main__":
    main()
