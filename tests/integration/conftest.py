"""The real action server and Rasa server, started once per test session on a seeded CRM."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from bot.crm.database import Database
from bot.crm.seed import seed_demo_data
from bot.stack import Stack
from bot.training import MODEL_PATH


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
    database = Database(f"sqlite:///{path}")
    seed_demo_data(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def stack(crm_path: Path) -> Iterator[Stack]:
    if not MODEL_PATH.exists():
        pytest.fail("No trained model: run `make train` first (make test does).")
    servers = Stack(
        database_url=f"sqlite:///{crm_path}",
        tracker_db=crm_path.parent / "tracker.sqlite3",
        # No saved recommender model there: the action server fits one on this CRM.
        extra_env={"RECOMMENDER_MODEL_DIR": str(crm_path.parent / "recommender")},
    )
    try:
        servers.start(web=True)
    except Exception:
        for name in ("actions", "rasa", "web"):
            print(f"--- {name} log ---\n{servers.logs(name)[-4000:]}")
        servers.stop()
        raise
    yield servers
    servers.stop()


@pytest.fixture
def chat(stack: Stack, request: pytest.FixtureRequest) -> Chat:
    # The test's name, readable in the logs; long parameters are cut and a digest keeps it unique.
    name = request.node.name
    return Chat(stack, f"it-{name[:80]}-{hashlib.sha1(name.encode()).hexdigest()[:10]}")
