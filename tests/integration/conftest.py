"""The real action server and Rasa server, started once per test session on a seeded CRM."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from bot.stack import Stack
from tests.servers import running_stack, seeded_crm


class Chat:
    """A customer talking to the assistant over the REST channel."""

    def __init__(self, stack: Stack, sender: str, metadata: Optional[Dict[str, Any]] = None) -> None:
        self.stack = stack
        self.sender = sender
        self.metadata = metadata or {}

    def say(self, text: str) -> List[Dict[str, Any]]:
        reply = requests.post(
            f"{self.stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text, "metadata": self.metadata},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()

    def text(self, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message))

    def tracker(self) -> Dict[str, Any]:
        reply = requests.get(
            f"{self.stack.rasa_url}/conversations/{self.sender}/tracker",
            params={"token": self.stack.api_token},
            timeout=10,
        )
        reply.raise_for_status()
        return reply.json()


@pytest.fixture(scope="session")
def crm_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crm") / "crm.sqlite3"
    database = seeded_crm(path)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def stack(crm_path: Path) -> Iterator[Stack]:
    with running_stack(crm_path) as servers:
        yield servers


@pytest.fixture
def chat(stack: Stack, request: pytest.FixtureRequest) -> Chat:
    # The test's name, readable in the logs; long parameters are cut and a digest keeps it unique.
    name = request.node.name
    return Chat(stack, f"it-{name[:80]}-{hashlib.sha1(name.encode()).hexdigest()[:10]}")
