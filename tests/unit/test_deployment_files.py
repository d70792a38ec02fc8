"""The deployment files (docker-compose.yml, deploy/) pass the checks of `make lint-deploy`,
and those checks catch the mistakes they are for.

Nothing here needs Docker or a cluster. `docker compose config`, `kubectl kustomize`,
`nginx -t` and yamllint run when they are installed; the nginx load balancer is also
exercised for real (round robin, websocket upgrade) when nginx is installed.
"""

from __future__ import annotations

import asyncio
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

from bot import deployment
from bot.settings import PROJECT_ROOT


@pytest.mark.parametrize("check", list(deployment.CHECKS.values()), ids=list(deployment.CHECKS))
def test_the_deployment_files_pass(check: Callable[[Path], List[str]]) -> None:
    assert check(PROJECT_ROOT) == []


@pytest.mark.parametrize("tool", deployment.TOOLS, ids=lambda tool: tool.__name__)
def test_the_installed_tools_accept_the_deployment_files(tool: Callable[[Path], deployment.ToolResult]) -> None:
    result = tool(PROJECT_ROOT)
    if not result.ran:
        pytest.skip(f"{result.name}: not installed")
    assert result.problems == []


def test_yamllint_accepts_the_deployment_files() -> None:
    yamllint = Path(shutil.which("yamllint") or PROJECT_ROOT / ".venv" / "bin" / "yamllint")
    if not yamllint.exists():
        pytest.skip("yamllint not installed")
    files = [str(path) for path in deployment.yaml_files(PROJECT_ROOT)]
    completed = subprocess.run([str(yamllint), "--strict", *files], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout


def test_every_compose_variable_is_documented_and_secrets_are_placeholders() -> None:
    documented = deployment.env_example(PROJECT_ROOT)
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert deployment.variables_in(text) <= set(documented)
    # What the lead's production files read reaches the Rasa servers (checked per service too).
    assert deployment.production_variables(PROJECT_ROOT) <= set(documented)
    assert all(v.startswith("change-me") for k, v in documented.items() if k.endswith(("PASSWORD", "SECRET", "TOKEN")))


@pytest.mark.parametrize(
    "text, names",
    [
        ("a: ${A}\nb: ${B:-x}\nc: ${C:?missing}", {"A", "B", "C"}),
        ("test: pg_isready -U $${POSTGRES_USER}", set()),
        ("# ${IN_A_COMMENT}\nd: 1  # ${ALSO_A_COMMENT}", set()),
    ],
)
def test_variables_are_found_where_compose_reads_them(text: str, names: set) -> None:
    assert deployment.variables_in(text) == names


@pytest.mark.parametrize(
    "path, ignored",
    [("bot/crm/models.py", False), ("models/assistant.tar.gz", False), ("models/recommender/LATEST", True),
     (".venv/bin/python", True), ("bot/__pycache__/cli.cpython-310.pyc", True), ("bot/web/static/vendor/x.js", True)],
)
def test_dockerignore_keeps_the_model_and_drops_the_rest(path: str, ignored: bool) -> None:
    patterns = deployment.dockerignore_patterns(PROJECT_ROOT)
    assert deployment.is_dockerignored(path, patterns) is ignored


# ---------------------------------------------------------------- the checks catch mistakes


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the checks read, to break on purpose."""
    for name in ("docker-compose.yml", ".env.example", ".dockerignore", ".yamllint", "requirements.lock",
                 "support.yml", "config.yml", "domain.yml", "alembic.ini", "package.json", "package-lock.json"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    for folder in ("deploy", "bot", "actions", "data", "migrations"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "models").mkdir()
    return tmp_path


MISTAKES = [
    ("docker-compose.yml", "${LOG_LEVEL:-INFO}", "${LOG_LEVL:-INFO}", "${LOG_LEVL} is not in .env.example"),
    ("docker-compose.yml", "    POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}\n    REDIS_HOST",
     "    REDIS_HOST", "service rasa-1: the production endpoints/credentials need POSTGRES_PASSWORD"),
    ("docker-compose.yml", "dockerfile: deploy/docker/actions.Dockerfile", "dockerfile: deploy/docker/action.Dockerfile",
     "Dockerfile deploy/docker/action.Dockerfile does not exist"),
    ("docker-compose.yml", "target: server", "target: sever", "has no stage 'sever'"),
    ("docker-compose.yml", "./deploy/nginx/nginx.conf:", "./deploy/nginx/ngnix.conf:", "mounted path ./deploy/nginx/ngnix.conf"),
    ("docker-compose.yml", "      rasa-1:\n        condition: service_healthy", "      rasa-3:\n        condition: service_healthy",
     "depends on unknown service 'rasa-3'"),
    (".env.example", "RASA_API_TOKEN=change-me-rasa-api-token", "RASA_API_TOKEN=s3cr3t", "RASA_API_TOKEN must be a change-me"),
    ("deploy/docker/web.Dockerfile", "COPY support.yml alembic.ini ./", "COPY support.yml alembic.ini settings.ini ./",
     "COPY source 'settings.ini' does not exist"),
    ("deploy/docker/web.Dockerfile", "FROM python:3.10-slim-bookworm", "FROM python:latest", "is not pinned"),
    ("deploy/docker/requirements-web.txt", "aio-pika", "aio-pika\nflask", "not in requirements.lock: flask"),
    ("deploy/k8s/web.yaml", "key: CUSTOMER_TOKEN_SECRET", "key: CUSTOMER_TOKEN", "northwind-secrets has no key 'CUSTOMER_TOKEN'"),
    ("deploy/k8s/web.yaml", "    matchLabels:\n      app.kubernetes.io/name: northwind-web",
     "    matchLabels:\n      app.kubernetes.io/name: northwind-www", "selector.matchLabels must be among"),
    ("deploy/k8s/web.yaml", "              path: /health\n              port: http", "              path: /health\n              port: web",
     "uses port 'web', which it does not name"),
    ("deploy/k8s/ingress.yaml", "name: northwind-web", "name: northwind-website", "unknown Service 'northwind-website'"),
    ("deploy/k8s/ingress.yaml", "number: 5005", "number: 5055", "Service rasa has no port 5055"),
    ("deploy/k8s/migrate-job.yaml", "restartPolicy: Never", "restartPolicy: Always", "restartPolicy Never or OnFailure"),
    ("deploy/k8s/migrate-job.yaml", "web:0.1.0", "web:latest", "is not pinned to a tag"),
    ("deploy/k8s/kustomization.yaml", "  - ingress.yaml", "  - ingres.yaml", "resource ingres.yaml does not exist"),
    ("deploy/helm/rasa-values.yaml", "fullnameOverride: rasa\n", "fullnameOverride: rasa-oss\n", "fullnameOverride must be 'rasa'"),
    ("deploy/helm/rasa-values.yaml", "  - name: RABBITMQ_PASSWORD\n", "  - name: RABBITMQ_PASS\n",
     "need RABBITMQ_PASSWORD"),
    ("deploy/helm/rasa-values.yaml", "  - $(RASA_API_TOKEN)", "  - $(RASA_TOKEN)", "args use $(RASA_TOKEN)"),
    ("deploy/helm/rasa-action-server-values.yaml", "claimName: northwind-models", "claimName: models",
     "PersistentVolumeClaim 'models', not in deploy/k8s"),
    ("deploy/nginx/nginx.conf", "server web:8000", "server webserver:8000", "upstream server webserver is not a compose service"),
    ("deploy/k8s/event-consumer.yaml", '"events", "consume"', '"events", "eat"', "`python -m bot events eat` is not a CLI command"),
]


@pytest.mark.parametrize("path, old, new, expected", MISTAKES, ids=[m[3][:40] for m in MISTAKES])
def test_a_mistake_is_reported(project: Path, path: str, old: str, new: str, expected: str) -> None:
    target = project / path
    text = target.read_text()
    assert old in text, f"the mistake needs {old!r} in {path}"
    target.write_text(text.replace(old, new, 1))

    problems = [problem for check in deployment.CHECKS.values() for problem in check(project)]

    assert any(expected in problem for problem in problems), problems


def test_broken_yaml_is_reported(project: Path) -> None:
    (project / "deploy" / "k8s" / "web.yaml").write_text("kind: Deployment\nmetadata: {name: x\n")
    assert any("web.yaml" in problem for problem in deployment.check_yaml_syntax(project))


# ---------------------------------------------------------------- nginx, for real


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeServers:
    """Stand-ins for rasa-1, rasa-2 and web: every answer names its server; /socket.io/ is a websocket echo."""

    def __init__(self, names: List[str]) -> None:
        self.ports: Dict[str, int] = {name: _free_port() for name in names}
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        from aiohttp import WSMsgType, web

        asyncio.set_event_loop(self.loop)
        runners = []

        def app_for(name: str) -> web.Application:
            async def websocket(request: web.Request) -> web.StreamResponse:
                ws = web.WebSocketResponse()
                await ws.prepare(request)
                async for message in ws:
                    if message.type == WSMsgType.TEXT:
                        await ws.send_str(f"{name}:{message.data}")
                return ws

            async def anything(request: web.Request) -> web.Response:
                return web.Response(text=f"{name} {request.path}")

            app = web.Application()
            app.router.add_get("/socket.io/", websocket)
            app.router.add_route("*", "/{tail:.*}", anything)
            return app

        async def start() -> None:
            for name, port in self.ports.items():
                runner = web.AppRunner(app_for(name))
                await runner.setup()
                await web.TCPSite(runner, "127.0.0.1", port).start()
                runners.append(runner)

        self.loop.run_until_complete(start())
        self.ready.set()
        self.loop.run_forever()
        for runner in runners:
            self.loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> FakeServers:
        self.thread.start()
        self.ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture
def balancer(tmp_path: Path) -> Iterator[Dict[str, int]]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx not installed")
    with FakeServers(["rasa-1", "rasa-2", "web"]) as fakes:
        public, api = _free_port(), _free_port()
        hosts = {f"{host}:{port}": f"127.0.0.1:{fakes.ports[host]}" for host, port in deployment.nginx_upstream_servers()}
        config = tmp_path / "nginx.conf"
        config.write_text(deployment.testable_nginx_config(PROJECT_ROOT, tmp_path, hosts, {80: public, 8080: api}))
        process = subprocess.Popen(
            [nginx, "-c", str(config), "-p", str(tmp_path), "-g", f"daemon off; pid {tmp_path}/nginx.pid;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{public}/nginx-health", timeout=1)
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"nginx did not start: {process.stderr.read() if process.stderr else ''}")
                    time.sleep(0.1)
            yield {"public": public, "api": api}
        finally:
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _get(url: str, data: bytes | None = None) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=5) as answer:
        return str(answer.read().decode())


def test_nginx_routes_channels_round_robin_and_pages_to_the_web_server(balancer: Dict[str, int]) -> None:
    base = f"http://127.0.0.1:{balancer['public']}"

    servers = [_get(f"{base}/webhooks/rest/webhook", b"{}").split()[0] for _ in range(4)]
    assert sorted(servers) == ["rasa-1", "rasa-1", "rasa-2", "rasa-2"]
    assert _get(f"{base}/").startswith("web /")
    assert _get(f"{base}/console/api/queue").startswith("web /console/")
    # The HTTP API only on the private port.
    assert _get(f"{base}/model/parse").startswith("web ")
    assert _get(f"http://127.0.0.1:{balancer['api']}/model/parse").split()[0] in ("rasa-1", "rasa-2")


def test_nginx_upgrades_socket_io_to_a_websocket_on_a_rasa_server(balancer: Dict[str, int]) -> None:
    import aiohttp

    async def chat() -> List[str]:
        async with aiohttp.ClientSession() as session:
            replies = []
            for _ in range(2):
                url = f"ws://127.0.0.1:{balancer['public']}/socket.io/?EIO=4&transport=websocket"
                async with session.ws_connect(url) as ws:
                    await ws.send_str("hello")
                    replies.append((await ws.receive(timeout=5)).data)
            return replies

    replies = asyncio.run(chat())
    assert sorted(replies) == ["rasa-1:hello", "rasa-2:hello"]
