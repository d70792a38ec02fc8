"""Handoff tickets: created by the bot, claimed and answered by agents, all in the CRM database.

Every change is one transaction and leaves a `TicketEvent`, so a ticket's history
survives restarts of every process and shows who did what. Claiming is a single
conditional UPDATE: of two agents clicking at once, exactly one gets the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from bot.crm.database import Database
from bot.crm.models import (
    OPEN_TICKET_STATUSES,
    Agent,
    Customer,
    HandoffTicket,
    TicketEvent,
    TicketMessage,
    utcnow,
)

MAX_MESSAGE_CHARS = 2000


class TicketError(Exception):
    """The ticket cannot change as asked (wrong state or not this agent's)."""


@dataclass(frozen=True)
class TranscriptLine:
    sender: str  # customer | bot | agent | system
    text: str
    at: datetime
    sentiment: Optional[float] = None


@dataclass(frozen=True)
class NewTicket:
    """What the bot knows when it hands a conversation over."""

    conversation_id: str
    customer_id: Optional[int]
    reason: str
    reason_detail: str
    priority: int
    summary: str
    sentiment_trajectory: List[float]
    orders_mentioned: List[str]
    transcript: List[TranscriptLine]


@dataclass(frozen=True)
class TicketRef:
    id: int
    conversation_id: str
    status: str
    agent_name: Optional[str]
    created: bool = False


@dataclass(frozen=True)
class MessageView:
    id: int
    sender: str
    text: str
    at: datetime
    agent_name: Optional[str]
    sentiment: Optional[float]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id, "sender": self.sender, "text": self.text, "at": self.at.isoformat() + "Z",
            "agent_name": self.agent_name, "sentiment": self.sentiment,
        }


@dataclass(frozen=True)
class TicketView:
    id: int
    conversation_id: str
    status: str
    reason: str
    reason_detail: str
    priority: int
    summary: str
    customer_id: Optional[int]
    customer_name: Optional[str]
    agent_id: Optional[int]
    agent_name: Optional[str]
    created_at: datetime
    claimed_at: Optional[datetime]
    closed_at: Optional[datetime]
    sentiment_trajectory: List[float]
    orders_mentioned: List[str]
    resolution_note: Optional[str]
    last_message_id: int = 0

    def waiting_seconds(self, now: datetime) -> int:
        return int(((self.claimed_at or now) - self.created_at).total_seconds())

    def to_dict(self, now: Optional[datetime] = None) -> Dict[str, Any]:
        now = now or utcnow()
        return {
            "id": self.id, "conversation_id": self.conversation_id, "status": self.status,
            "reason": self.reason, "reason_detail": self.reason_detail, "priority": self.priority,
            "summary": self.summary, "customer_id": self.customer_id, "customer_name": self.customer_name,
            "agent_name": self.agent_name, "created_at": self.created_at.isoformat() + "Z",
            "waiting_seconds": self.waiting_seconds(now), "sentiment_trajectory": self.sentiment_trajectory,
            "orders_mentioned": self.orders_mentioned, "resolution_note": self.resolution_note,
            "last_message_id": self.last_message_id,
        }


class TicketDesk:
    """All ticket operations over one CRM database."""

    def __init__(self, database: Database, minutes_per_conversation: int = 6) -> None:
        self.database = database
        self.minutes_per_conversation = minutes_per_conversation

    # The bot side -----------------------------------------------------------------

    def open_ticket(self, new: NewTicket, now: Optional[datetime] = None) -> TicketRef:
        """Create the ticket with its transcript in one transaction (or return the open one)."""
        now = now or utcnow()
        existing = self.open_ticket_for(new.conversation_id)
        if existing is not None:
            return existing
        try:
            with self.database.session() as session:
                customer_id = new.customer_id
                if customer_id is not None and session.get(Customer, customer_id) is None:
                    customer_id = None
                ticket = HandoffTicket(
                    conversation_id=new.conversation_id[:255], customer_id=customer_id, status="waiting",
                    reason=new.reason[:64], reason_detail=new.reason_detail[:2000], priority=new.priority,
                    summary=new.summary[:4000], sentiment_trajectory=list(new.sentiment_trajectory)[-100:],
                    orders_mentioned=list(dict.fromkeys(new.orders_mentioned))[:20],
                    created_at=now, updated_at=now,
                )
                session.add(ticket)
                session.flush()
                session.add_all(
                    TicketMessage(ticket_id=ticket.id, sender=line.sender, text=line.text[:MAX_MESSAGE_CHARS],
                                  sentiment=line.sentiment, created_at=line.at)
                    for line in new.transcript[-200:]
                )
                session.add(TicketEvent(ticket_id=ticket.id, kind="created",
                                        detail=f"{new.reason}: {new.reason_detail}"[:2000], created_at=now))
                return TicketRef(ticket.id, ticket.conversation_id, ticket.status, None, created=True)
        except IntegrityError:
            # Another process opened one for this conversation a moment ago.
            existing = self.open_ticket_for(new.conversation_id)
            if existing is None:
                raise
            return existing

    def open_ticket_for(self, conversation_id: str) -> Optional[TicketRef]:
        """The conversation's open ticket; asked on every customer message, so one statement."""
        row = self.database.first(
            select(HandoffTicket.id, HandoffTicket.conversation_id, HandoffTicket.status, Agent.display_name)
            .outerjoin(Agent, Agent.id == HandoffTicket.agent_id)
            .where(HandoffTicket.conversation_id == conversation_id[:255],
                   HandoffTicket.status.in_(OPEN_TICKET_STATUSES))
        )
        return TicketRef(row[0], row[1], row[2], row[3]) if row else None

    def add_customer_message(
        self, ticket_id: int, text: str, sentiment: Optional[float] = None, now: Optional[datetime] = None
    ) -> int:
        now = now or utcnow()
        with self.database.session() as session:
            message = TicketMessage(ticket_id=ticket_id, sender="customer", text=text[:MAX_MESSAGE_CHARS],
                                    sentiment=sentiment, created_at=now)
            session.add(message)
            session.execute(update(HandoffTicket).where(HandoffTicket.id == ticket_id).values(updated_at=now))
            session.flush()
            return int(message.id)

    def expected_wait_minutes(self, ticket_id: int, online_agents: int) -> int:
        """Tickets ahead of this one (by priority, then age) times the time one takes, per agent."""
        with self.database.session() as session:
            ticket = session.get(HandoffTicket, ticket_id)
            if ticket is None or ticket.status != "waiting":
                return 0
            ahead = session.execute(
                select(func.count(HandoffTicket.id)).where(
                    HandoffTicket.status == "waiting",
                    (HandoffTicket.priority < ticket.priority)
                    | ((HandoffTicket.priority == ticket.priority) & (HandoffTicket.created_at < ticket.created_at)),
                )
            ).scalar_one()
        return max(1, round((int(ahead) + 1) * self.minutes_per_conversation / max(1, online_agents)))

    # The agent side ---------------------------------------------------------------

    def queue(self, agent_id: Optional[int] = None) -> List[TicketView]:
        """Waiting tickets by priority and age, then this agent's active tickets."""
        waiting = self._views(HandoffTicket.status == "waiting")
        mine = self._views((HandoffTicket.status == "active") & (HandoffTicket.agent_id == agent_id)) if agent_id else []
        return waiting + mine

    def version(self) -> str:
        """Changes whenever any ticket or message changes: cheap to poll.

        Built from ids, not times: every ticket change leaves a `TicketEvent` and every
        message is a `TicketMessage`. `updated_at` has one-second resolution and comes
        from several servers' clocks, so a change in the same second as the latest
        update (or behind a clock that runs ahead) would not change a time-based version.
        """
        with self.database.session() as session:
            latest_event = session.execute(select(func.max(TicketEvent.id))).scalar_one()
            latest_message = session.execute(select(func.max(TicketMessage.id))).scalar_one()
        return f"{latest_event or 0}|{latest_message or 0}"

    def ticket(self, ticket_id: int) -> Optional[TicketView]:
        views = self._views(HandoffTicket.id == ticket_id)
        return views[0] if views else None

    def visible_to(self, ticket: TicketView, agent_id: int) -> bool:
        """Agents see waiting tickets (to decide to claim) and tickets they handle or handled."""
        return ticket.status == "waiting" or ticket.agent_id == agent_id

    def messages(self, ticket_id: int, after_id: int = 0, limit: int = 500) -> List[MessageView]:
        with self.database.session() as session:
            rows = session.execute(
                select(TicketMessage, Agent.display_name)
                .outerjoin(Agent, Agent.id == TicketMessage.agent_id)
                .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id > after_id)
                .order_by(TicketMessage.id)
                .limit(limit)
            ).all()
        return [MessageView(m.id, m.sender, m.text, m.created_at, name, m.sentiment) for m, name in rows]

    def events(self, ticket_id: int) -> List[Dict[str, Any]]:
        with self.database.session() as session:
            rows = session.execute(
                select(TicketEvent, Agent.display_name)
                .outerjoin(Agent, Agent.id == TicketEvent.agent_id)
                .where(TicketEvent.ticket_id == ticket_id)
                .order_by(TicketEvent.id)
            ).all()
        return [{"kind": e.kind, "detail": e.detail, "agent_name": name, "at": e.created_at.isoformat() + "Z"}
                for e, name in rows]

    def claim(self, ticket_id: int, agent_id: int, now: Optional[datetime] = None) -> bool:
        """True if this agent got the ticket; False if it was not waiting (someone else was faster)."""
        now = now or utcnow()
        with self.database.session() as session:
            result = session.execute(
                update(HandoffTicket)
                .where(HandoffTicket.id == ticket_id, HandoffTicket.status == "waiting")
                .values(status="active", agent_id=agent_id, claimed_at=now, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                return False
            session.add(TicketEvent(ticket_id=ticket_id, agent_id=agent_id, kind="claimed", created_at=now))
            return True

    def add_agent_message(self, ticket_id: int, agent_id: int, text: str, now: Optional[datetime] = None) -> MessageView:
        now = now or utcnow()
        text = text.strip()[:MAX_MESSAGE_CHARS]
        if not text:
            raise TicketError("the message is empty")
        with self.database.session() as session:
            ticket = self._own_active(session, ticket_id, agent_id)
            message = TicketMessage(ticket_id=ticket.id, sender="agent", text=text, agent_id=agent_id, created_at=now)
            session.add(message)
            session.add(TicketEvent(ticket_id=ticket.id, agent_id=agent_id, kind="message",
                                    detail=text[:200], created_at=now))
            ticket.updated_at = now
            session.flush()
            name = session.get(Agent, agent_id).display_name
            return MessageView(message.id, "agent", text, now, name, None)

    def close(self, ticket_id: int, agent_id: int, outcome: str, note: str = "", now: Optional[datetime] = None) -> TicketView:
        """Resolve the ticket, or hand the conversation back to the bot (`outcome` resolved|handed_back)."""
        if outcome not in ("resolved", "handed_back"):
            raise TicketError(f"unknown outcome {outcome!r}")
        now = now or utcnow()
        note = note.strip()[:MAX_MESSAGE_CHARS]
        with self.database.session() as session:
            ticket = self._own_active(session, ticket_id, agent_id)
            ticket.status = outcome
            ticket.closed_at = now
            ticket.updated_at = now
            ticket.resolution_note = note or None
            session.add(TicketEvent(ticket_id=ticket.id, agent_id=agent_id, kind=outcome, detail=note, created_at=now))
        view = self.ticket(ticket_id)
        assert view is not None
        return view

    # Internals --------------------------------------------------------------------

    @staticmethod
    def _own_active(session: Any, ticket_id: int, agent_id: int) -> HandoffTicket:
        ticket = session.execute(
            select(HandoffTicket).where(HandoffTicket.id == ticket_id).with_for_update()
        ).scalar_one_or_none()
        if ticket is None or ticket.agent_id != agent_id:
            raise TicketError("this ticket is not yours")
        if ticket.status != "active":
            raise TicketError(f"the ticket is {ticket.status}")
        return ticket

    def _views(self, condition: Any) -> List[TicketView]:
        last_message = (
            select(TicketMessage.ticket_id, func.max(TicketMessage.id).label("last_id"))
            .group_by(TicketMessage.ticket_id)
            .subquery()
        )
        statement = (
            select(HandoffTicket, Customer.name, Agent.display_name, last_message.c.last_id)
            .outerjoin(Customer, Customer.id == HandoffTicket.customer_id)
            .outerjoin(Agent, Agent.id == HandoffTicket.agent_id)
            .outerjoin(last_message, last_message.c.ticket_id == HandoffTicket.id)
            .where(condition)
            .order_by(HandoffTicket.priority, HandoffTicket.created_at, HandoffTicket.id)
            .limit(200)
        )
        with self.database.session() as session:
            rows = session.execute(statement).all()
        return [
            TicketView(
                id=t.id, conversation_id=t.conversation_id, status=t.status, reason=t.reason,
                reason_detail=t.reason_detail, priority=t.priority, summary=t.summary,
                customer_id=t.customer_id, customer_name=customer_name, agent_id=t.agent_id,
                agent_name=agent_name, created_at=t.created_at, claimed_at=t.claimed_at, closed_at=t.closed_at,
                sentiment_trajectory=list(t.sentiment_trajectory or []),
                orders_mentioned=list(t.orders_mentioned or []), resolution_note=t.resolution_note,
                last_message_id=int(last_id or 0),
            )
            for t, customer_name, agent_name, last_id in rows
        ]
