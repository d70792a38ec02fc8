"""Agent accounts and console sessions.

Passwords are hashed with scrypt (memory-hard, in the standard library) and a
random salt; sessions are random tokens of which only a SHA-256 is stored, and
they expire after a period of inactivity and after a maximum age.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.crm.database import Database
from bot.crm.models import Agent, AgentSession, utcnow
from bot.settings import HandoffRules

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
MIN_PASSWORD_LENGTH = 10


class AgentError(ValueError):
    """An account cannot be created as asked (the message says why)."""


@dataclass(frozen=True)
class AgentInfo:
    id: int
    username: str
    display_name: str


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# A hash to compare against when the username does not exist, so that a wrong
# username takes as long as a wrong password.
_DUMMY_HASH = hash_password("not-a-real-password", salt=b"0" * 16)


class AgentDirectory:
    """Agent accounts and their sessions in the CRM database."""

    def __init__(self, database: Database, rules: Optional[HandoffRules] = None) -> None:
        self.database = database
        self.rules = rules or HandoffRules()

    def create(self, username: str, display_name: str, password: str) -> AgentInfo:
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AgentError("usernames are 2-63 characters: lower-case letters, digits, '.', '_' or '-'")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AgentError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
        display_name = " ".join(display_name.split())[:120] or username
        try:
            with self.database.session() as session:
                agent = Agent(username=username, display_name=display_name, password_hash=hash_password(password))
                session.add(agent)
                session.flush()
                return AgentInfo(agent.id, agent.username, agent.display_name)
        except IntegrityError as error:
            raise AgentError(f"an agent called {username!r} exists already") from error

    def authenticate(self, username: str, password: str) -> Optional[AgentInfo]:
        with self.database.session() as session:
            agent = session.execute(
                select(Agent).where(Agent.username == username.strip().lower()[:64])
            ).scalar_one_or_none()
            stored = agent.password_hash if agent is not None and agent.active else _DUMMY_HASH
            valid = check_password(password[:1024], stored)
            if agent is None or not agent.active or not valid:
                return None
            return AgentInfo(agent.id, agent.username, agent.display_name)

    def start_session(self, agent: AgentInfo, now: Optional[datetime] = None) -> str:
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        with self.database.session() as session:
            session.execute(delete(AgentSession).where(AgentSession.expires_at < now))
            session.add(
                AgentSession(
                    token_hash=_token_hash(token),
                    agent_id=agent.id,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + timedelta(minutes=self.rules.session_max_minutes),
                )
            )
        return token

    def session_agent(self, token: Optional[str], now: Optional[datetime] = None) -> Optional[AgentInfo]:
        """The agent of a live session (and the session's activity is refreshed), or None."""
        if not token or len(token) > 200:
            return None
        now = now or utcnow()
        idle_limit = now - timedelta(minutes=self.rules.session_idle_minutes)
        with self.database.session() as session:
            row = session.execute(
                select(AgentSession, Agent)
                .join(Agent, Agent.id == AgentSession.agent_id)
                .where(AgentSession.token_hash == _token_hash(token))
            ).first()
            if row is None:
                return None
            agent_session, agent = row
            if agent_session.expires_at < now or agent_session.last_seen_at < idle_limit or not agent.active:
                session.delete(agent_session)
                return None
            if (now - agent_session.last_seen_at).total_seconds() > 30:
                agent_session.last_seen_at = now
            return AgentInfo(agent.id, agent.username, agent.display_name)

    def end_session(self, token: str) -> None:
        with self.database.session() as session:
            session.execute(delete(AgentSession).where(AgentSession.token_hash == _token_hash(token)))

    def online_count(self, now: Optional[datetime] = None) -> int:
        """Agents with a session active in the last few minutes."""
        now = now or utcnow()
        with self.database.session() as session:
            rows = session.execute(
                select(AgentSession.agent_id)
                .where(AgentSession.last_seen_at >= now - timedelta(minutes=5))
                .distinct()
            ).all()
        return len(rows)
