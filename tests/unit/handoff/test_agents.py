"""Agent accounts: hashed passwords, sessions that expire."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.crm.database import Database
from bot.crm.models import Agent
from bot.handoff.agents import AgentDirectory, AgentError, check_password, hash_password
from bot.settings import HandoffRules

NOW = datetime(2026, 11, 23, 12, 0)


@pytest.fixture
def directory(sqlite_database: Database) -> AgentDirectory:
    sqlite_database.create_schema()
    return AgentDirectory(sqlite_database, HandoffRules(session_idle_minutes=60, session_max_minutes=120))


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    assert first != second and first.startswith("scrypt$")
    assert check_password("correct horse battery", first) and not check_password("wrong", first)
    assert not check_password("x", "garbage")


def test_accounts_are_created_once_with_valid_names_and_passwords(directory: AgentDirectory) -> None:
    agent = directory.create("Ana.Silva", "Ana Silva", "a-long-password")
    assert (agent.username, agent.display_name) == ("ana.silva", "Ana Silva")
    with directory.database.session() as session:
        stored = session.get(Agent, agent.id).password_hash
    assert "a-long-password" not in stored
    with pytest.raises(AgentError):
        directory.create("ana.silva", "Other", "a-long-password")
    with pytest.raises(AgentError):
        directory.create("bad name!", "x", "a-long-password")
    with pytest.raises(AgentError):
        directory.create("short", "x", "short")


def test_login_needs_the_right_password(directory: AgentDirectory) -> None:
    directory.create("ana", "Ana", "a-long-password")
    assert directory.authenticate("ANA", "a-long-password").username == "ana"
    assert directory.authenticate("ana", "wrong-password") is None
    assert directory.authenticate("nobody", "a-long-password") is None


def test_sessions_expire_when_idle_and_at_their_maximum_age(directory: AgentDirectory) -> None:
    agent = directory.create("ana", "Ana", "a-long-password")
    token = directory.start_session(agent, now=NOW)
    assert directory.session_agent(token, now=NOW + timedelta(minutes=50)).id == agent.id
    assert directory.session_agent(token, now=NOW + timedelta(minutes=100)).id == agent.id  # activity refreshed
    assert directory.session_agent(token, now=NOW + timedelta(minutes=121)) is None  # max age
    idle = directory.start_session(agent, now=NOW)
    assert directory.session_agent(idle, now=NOW + timedelta(minutes=61)) is None
    assert directory.session_agent("not-a-token", now=NOW) is None
    assert directory.session_agent(None) is None


def test_logout_ends_the_session(directory: AgentDirectory) -> None:
    agent = directory.create("ana", "Ana", "a-long-password")
    token = directory.start_session(agent)
    directory.end_session(token)
    assert directory.session_agent(token) is None
