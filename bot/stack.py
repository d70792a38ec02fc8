"""Start the real servers (action server, Rasa, web) as subprocesses on free ports.

Used by the integration tests and the benchmarks, so both exercise exactly what
`make run` starts: the same commands, the same model, a CRM database of their choosing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List, Optional

from bot.settings import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float, process: Optional[subprocess.Popen] = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def plain_rasa_server(folder: Path, model: Optional[Path] = None, timeout: float = 180) -> Iterator[str]:
    """`rasa run` in `folder` on `model` (default: the folder's newest model); its URL while it runs.

    For the benchmarks' references (the plain-Rasa baseline, Rasa's starter assistant):
    one server started the way Rasa's docs start it, with no action server and no stack.
    """
    port = free_port()
    # "rasa run --model" first: benchmarks/cpu_per_message.py finds Rasa servers by it.
    command = [sys.executable, "-m", "rasa", "run", *(["--model", str(model)] if model else []), "--port", str(port)]
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/", timeout, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Stack:
    """The assistant's servers for one test session or benchmark run."""

    database_url: str
    model: Path = PROJECT_ROOT / "models" / "assistant.tar.gz"
    api_token: str = "stack-test-token"
    token_secret: str = "stack-test-secret-of-at-least-32-bytes"
    extra_env: Dict[str, str] = field(default_factory=dict)
    # An SQLite tracker store (as `make run` uses) survives Rasa restarts; None: in memory.
    tracker_db: Optional[Path] = None
    # "production": deploy/endpoints.production.yml and deploy/credentials.production.yml
    # (PostgreSQL tracker store, Redis lock store and socket.io relay, RabbitMQ events),
    # configured by the environment variables in `extra_env`.
    profile: str = "embedded"
    rasa_servers: Dict[str, int] = field(default_factory=dict)
    log_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="stack-logs-")))
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self) -> Dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "CRM_DATABASE_URL": self.database_url,
            "CUSTOMER_TOKEN_SECRET": self.token_secret,
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "RASA_PORT": str(self.rasa_port),
            "RASA_SERVER_URL": self.rasa_url,
            "ACTION_SERVER_URL": f"{self.action_url}/webhook",
            **self.extra_env,
        }

    def _spawn(self, name: str, command: List[str]) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def start_actions(self, timeout: float = 60) -> None:
        process = self._spawn(
            "actions",
            [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
        )
        wait_for_http(f"{self.action_url}/health", timeout, process)

    def url_of(self, name: str) -> str:
        return f"http://127.0.0.1:{self.rasa_servers[name]}"

    def start_rasa(self, timeout: float = 180, name: str = "rasa", port: Optional[int] = None) -> None:
        """Start (or restart) the Rasa server `name`; the first one listens on `rasa_port`."""
        port = port or self.rasa_servers.get(name) or (self.rasa_port if name == "rasa" else free_port())
        self.rasa_servers[name] = port
        if self.profile == "production":
            endpoints = PROJECT_ROOT / "deploy" / "endpoints.production.yml"
            credentials = PROJECT_ROOT / "deploy" / "credentials.production.yml"
        else:
            endpoints = self.log_dir / "endpoints.yml"
            config = f'action_endpoint:\n  url: "{self.action_url}/webhook"\n'
            if self.tracker_db is not None:
                config += f"tracker_store:\n  type: bot.tracker_store.CachedSQLTrackerStore\n  dialect: sqlite\n  db: {self.tracker_db}\n"
            endpoints.write_text(config)
            credentials = PROJECT_ROOT / "credentials.yml"
        process = self._spawn(
            name,
            [
                str(VENV_BIN / "rasa"), "run", "--model", str(self.model), "--port", str(port),
                "--enable-api", "--auth-token", self.api_token, "--cors", "*",
                "--credentials", str(credentials), "--endpoints", str(endpoints),
            ],
        )
        wait_for_http(f"http://127.0.0.1:{port}/", timeout, process)

    def start_consumer(self, timeout: float = 60) -> None:
        """Start the event consumer on RABBITMQ_QUEUE; returns once it consumes."""
        queue = self.env().get("RABBITMQ_QUEUE", "rasa_events")
        process = self._spawn("consumer", [sys.executable, "-m", "bot", "events", "consume", "--queue", queue])
        deadline = time.monotonic() + timeout
        from bot.events.consumer import READY_MESSAGE

        while READY_MESSAGE not in self.logs("consumer"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the event consumer did not start:\n{self.logs('consumer')[-3000:]}")
            time.sleep(0.2)

    def start_web(self, timeout: float = 60) -> None:
        process = self._spawn("web", [sys.executable, "-m", "bot", "web", "--port", str(self.web_port)])
        wait_for_http(f"{self.web_url}/health", timeout, process)

    def start(self, web: bool = False) -> Stack:
        self.start_actions()
        self.start_rasa()
        if web:
            self.start_web()
        return self

    def kill_process(self, name: str) -> None:
        """SIGKILL, as a crash would: no chance to clean up."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_process(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_process(name)

    def logs(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


def production_environment(database: str, queue: str = "rasa_events") -> Dict[str, str]:
    """Environment of deploy/*.production.yml for the local PostgreSQL, Redis and RabbitMQ.

    Tests and benchmarks pass their own `queue`, so that events they publish never pile up
    in (or get consumed from) the queue of another run.
    """
    return {
        "POSTGRES_HOST": "127.0.0.1", "POSTGRES_PORT": "5432", "POSTGRES_DB": database,
        "POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "",
        "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379", "SOCKETIO_REDIS_URL": "redis://127.0.0.1:6379/2",
        "RABBITMQ_HOST": "127.0.0.1", "RABBITMQ_PORT": "5672", "RABBITMQ_USER": "guest", "RABBITMQ_PASSWORD": "guest",
        "RABBITMQ_QUEUE": queue,
    }


def delete_rabbitmq_queue(queue: str, url: str = "amqp://guest:guest@127.0.0.1:5672/") -> None:
    """Remove a run's own event queue (and whatever is left in it)."""
    import asyncio

    import aio_pika

    async def delete() -> None:
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(queue)

    asyncio.run(delete())


class TemporaryPostgresDatabase:
    """A fresh PostgreSQL database on the local server, dropped on exit."""

    def __init__(self, prefix: str = "nw_tmp") -> None:
        import uuid

        self.name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:5432/{self.name}"

    def __enter__(self) -> TemporaryPostgresDatabase:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        # No pooled connection: one kept from CREATE would be dead at DROP after a server
        # restart (`python -m bot bench faults` restarts PostgreSQL in between).
        self._admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import text

        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._admin.dispose()


def start_seeded_stack(profile: str, servers: int, work: Path, cleanup: ExitStack,
                       prefix: str = "nw_bench", web: bool = False) -> Stack:
    """A stack on a freshly seeded CRM: the action server, `servers` Rasa servers ("rasa",
    "rasa2", ...) and, with `web`, the web server. In production it gets its own PostgreSQL
    database and RabbitMQ queue (removed by `cleanup`, after the stack stops) and the consumer.
    """
    from bot.crm.database import Database
    from bot.crm.seed import seed_demo_data

    env = {"RECOMMENDER_MODEL_DIR": str(work / "recommender")}
    if profile == "production":
        postgres = cleanup.enter_context(TemporaryPostgresDatabase(prefix))
        url = postgres.url
        queue = f"{postgres.name}_events"  # its own queue: no backlog, no competing consumer
        env.update(production_environment(postgres.name, queue))
        cleanup.callback(delete_rabbitmq_queue, queue)
    else:
        url = f"sqlite:///{work / 'crm.sqlite3'}"
    database = Database(url)
    seed_demo_data(database)
    database.dispose()
    stack = Stack(database_url=url, tracker_db=work / "tracker.sqlite3", profile=profile, extra_env=env)
    cleanup.callback(stack.stop)
    stack.start_actions()
    for index in range(servers):
        stack.start_rasa(name=f"rasa{index + 1}" if index else "rasa")
    if web:
        stack.start_web()
    if profile == "production":
        stack.start_consumer()
    return stack
