"""Web sessions and their messages in the database, the limits on them, and a wake-up for open streams.

A session is a random id in a cookie; the address it came from is kept only as a keyed
hash (to count sessions and messages per address). Counting in the database rather than
in memory keeps the limits right with several worker processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.pipeline.sqlite_gate import URGENT, writing
from bot.settings.channels import WebLimits
from bot.storage.models import utcnow
from bot.web.chat.models import WebMessage, WebSession

MINUTE = dt.timedelta(minutes=1)


def address_key(address: str) -> str:
    """A hash of the client address: enough to count per address, not to recover it."""
    return hashlib.sha256(b"tthc-web:" + address.encode("utf-8", "replace")).hexdigest()[:32]


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class ShownMessage:
    id: int
    role: str
    text: str
    buttons: list[dict[str, str]]
    client_id: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "role": self.role, "text": self.text, "buttons": self.buttons,
                "client_id": self.client_id}


def _buttons(raw: Any) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for b in raw or []:
        if isinstance(b, dict):
            out.append({"label": str(b.get("label", "")), "payload": str(b.get("payload", ""))})
    return out


class Hub:
    """Wakes the open streams of a session in this process when a message is added to it."""

    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = {}

    @contextlib.contextmanager
    def listen(self, session_id: str) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiters.setdefault(session_id, set()).add(event)
        try:
            yield event
        finally:
            waiting = self._waiters.get(session_id, set())
            waiting.discard(event)
            if not waiting:
                self._waiters.pop(session_id, None)

    def publish(self, session_id: str) -> None:
        for event in self._waiters.get(session_id, ()):
            event.set()


class ChatStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], limits: WebLimits) -> None:
        self._sessions = sessions
        self.limits = limits
        self.hub = Hub()

    async def open_session(self, address: str) -> str | None:
        """A new session id; None when this address opened too many in the last hour."""
        key, now = address_key(address), utcnow()
        async with writing(self._sessions, URGENT), self._sessions() as session, session.begin():
            recent = await session.scalar(
                select(func.count()).select_from(WebSession)
                .where(WebSession.address_key == key, WebSession.created_at >= now - dt.timedelta(hours=1))
            )
            if int(recent or 0) >= self.limits.sessions_per_address_per_hour:
                return None
            sid = new_session_id()
            session.add(WebSession(id=sid, address_key=key, created_at=now, last_seen_at=now))
        return sid

    async def exists(self, session_id: str) -> bool:
        async with self._sessions() as session:
            return await session.get(WebSession, session_id) is not None

    async def over_limit(self, session_id: str, address: str) -> bool:
        """True when this session or this address sent too many messages in the last minute."""
        since = utcnow() - MINUTE
        mine = select(func.count()).select_from(WebMessage).where(
            WebMessage.session_id == session_id, WebMessage.role == "user", WebMessage.created_at >= since
        )
        same_address = select(WebSession.id).where(WebSession.address_key == address_key(address))
        theirs = select(func.count()).select_from(WebMessage).where(
            WebMessage.session_id.in_(same_address), WebMessage.role == "user", WebMessage.created_at >= since
        )
        async with self._sessions() as session:
            if int(await session.scalar(mine) or 0) >= self.limits.per_session_per_min:
                return True
            return int(await session.scalar(theirs) or 0) >= self.limits.per_address_per_min

    async def add_user(self, session_id: str, client_id: str, text: str) -> int | None:
        """The new message's id; None when this client id was already stored (a resend)."""
        return await self._add(WebMessage(session_id=session_id, role="user", text=text, client_id=client_id))

    async def add_reply(
        self, session_id: str, ref: str, text: str, buttons: list[dict[str, str]], by_clerk: bool = False
    ) -> int | None:
        """Stores a reply once per outbox message (the sender delivers at least once), as the assistant's or,
        from the staff console, a clerk's."""
        return await self._add(WebMessage(session_id=session_id, role="clerk" if by_clerk else "bot", text=text,
                                          buttons=buttons or None, outbox_ref=ref))

    async def _add(self, row: WebMessage) -> int | None:
        row.created_at = utcnow()
        try:
            async with writing(self._sessions, URGENT), self._sessions() as session, session.begin():
                session.add(row)
                await session.flush()
                new_id = row.id
                await session.execute(
                    update(WebSession).where(WebSession.id == row.session_id).values(last_seen_at=row.created_at)
                )
        except IntegrityError:
            return None
        self.hub.publish(row.session_id)
        return int(new_id)

    async def remove(self, message_id: int) -> None:
        async with writing(self._sessions, URGENT), self._sessions() as session, session.begin():
            await session.execute(delete(WebMessage).where(WebMessage.id == message_id))

    async def after(self, session_id: str, after_id: int = 0, limit: int = 200) -> list[ShownMessage]:
        """The session's messages after ``after_id``, oldest first (the last ``limit`` for a full history)."""
        query = select(WebMessage).where(WebMessage.session_id == session_id, WebMessage.id > after_id)
        async with self._sessions() as session:
            if after_id:
                rows = list((await session.scalars(query.order_by(WebMessage.id).limit(limit))).all())
            else:
                rows = list((await session.scalars(query.order_by(WebMessage.id.desc()).limit(limit))).all())
                rows.reverse()
        return [ShownMessage(r.id, r.role, r.text, _buttons(r.buttons), r.client_id) for r in rows]
