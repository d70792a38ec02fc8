"""Real Chromium against the real servers (action server, Rasa, web) on a freshly seeded CRM.

Every test gets `tabs`: browser contexts (one per person: customer, agent) whose
console errors and uncaught exceptions fail the test, and `shots`, which saves
a numbered screenshot per step into tests/artifacts/browser/<test name>/.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from bot.handoff.agents import AgentDirectory
from bot.settings import PROJECT_ROOT
from bot.stack import Stack
from tests.servers import running_stack, seeded_crm

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium spends its time on refused connections (ENVIRONMENT.md).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts" / "browser"
AGENT_USERNAME, AGENT_NAME, AGENT_PASSWORD = "ana", "Ana Silva", "a-long-browser-test-password"
DESKTOP = {"width": 1280, "height": 800}

# Bot replies take a second or two; a CI machine may be slower.
expect.set_options(timeout=20_000)

# Console messages that are the API working as designed, not bugs: Chromium logs every
# fetch answered with an error status. A wrong password is a 401.
EXPECTED_CONSOLE_ERRORS = [
    re.compile(r"status of 401 .*\(/console/api/login\)$"),
]


@pytest.fixture(scope="session")
def crm_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("browser-crm") / "crm.sqlite3"
    database = seeded_crm(path)
    AgentDirectory(database).create(AGENT_USERNAME, AGENT_NAME, AGENT_PASSWORD)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def stack(crm_path: Path) -> Iterator[Stack]:
    with running_stack(crm_path) as servers:
        yield servers


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: run scripts/ensure-chromium.sh "
            "(`make test-browser` does). Never `playwright install`: it downloads a browser."
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Shots:
    """Numbered screenshots of one test: tests/artifacts/browser/<test>/<NN-step>.png."""

    def __init__(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, step: str, full_page: bool = False) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


class Tabs:
    """Browser contexts of one test (separate cookies and storage, like separate people)."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: List[BrowserContext] = []
        self.people: List[str] = []
        self.errors: List[str] = []
        self.expected_errors = list(EXPECTED_CONSOLE_ERRORS)

    def open(self, path: str = "/", who: str = "customer", viewport: Optional[Dict[str, int]] = None,
             **options: Any) -> Page:
        context = self.browser.new_context(base_url=self.base_url, viewport=viewport or DESKTOP, **options)
        self.contexts.append(context)
        self.people.append(who)
        page = context.new_page()
        page.on("console", lambda message: self._console(who, message))
        page.on("pageerror", lambda error: self.errors.append(f"{who}: uncaught {error}"))
        page.goto(path)
        return page

    def _console(self, who: str, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"{message.text} ({re.sub(r'^https?://[^/]+', '', message.location.get('url') or '')})"
        if not any(pattern.search(text) for pattern in self.expected_errors):
            self.errors.append(f"{who}: {text}")

    def allow_console_error(self, pattern: str) -> None:
        """A console error this test causes on purpose (e.g. a 409 it provokes)."""
        self.expected_errors.append(re.compile(pattern))

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remembers each phase's outcome on the test, so fixtures can tell a failed test."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def tabs(browser: Browser, stack: Stack, request: pytest.FixtureRequest) -> Iterator[Tabs]:
    opened = Tabs(browser, stack.web_url)
    yield opened
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        # What every page showed when the test failed.
        folder = ARTIFACTS / request.node.name
        folder.mkdir(parents=True, exist_ok=True)
        for number, (who, context) in enumerate(zip(opened.people, opened.contexts, strict=True)):
            for page in context.pages:
                page.screenshot(path=str(folder / f"failed-{number}-{who}.png"), full_page=True)
    opened.close()
    assert not opened.errors, "browser console errors:\n" + "\n".join(opened.errors)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(ARTIFACTS / request.node.name)


# Customer actions in the widget -------------------------------------------------------


def open_chat(page: Page) -> None:
    page.get_by_test_id("chat-launcher").click()
    expect(page.get_by_test_id("chat-panel")).to_be_visible()
    expect(page.get_by_test_id("chat-status")).to_be_empty()  # connected


def say(page: Page, text: str) -> None:
    """Type a message and send it with Enter, as a customer does."""
    page.get_by_test_id("chat-input").fill(text)
    page.get_by_test_id("chat-input").press("Enter")
    expect(page.get_by_test_id("msg-user").last).to_contain_text(text.split("\n")[0][:40])


def bot_says(page: Page, text: str) -> None:
    expect(page.get_by_test_id("msg-bot").last).to_contain_text(text)
