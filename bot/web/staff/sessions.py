"""Signed session cookies backed by a row, with idle and absolute expiry, and CSRF tokens.

The cookie holds a random token and its HMAC (so a forged or altered cookie is refused
before any query); the database holds only the token's SHA-256, so a leaked table opens
no session, and signing out or disabling an account ends the session at once. Every form
carries the session's CSRF token; the sign-in form, before any session, a token bound to
a short-lived signed cookie of its own (double submit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import as_utc
from bot.settings.staff import StaffConsoleSettings
from bot.storage.models import StaffUser, utcnow
from bot.web.staff.models import StaffSession

COOKIE = "staff_session"
PRE_COOKIE = "staff_pre"  # before sign-in: what the sign-in form's CSRF token is bound to
TOUCH_EVERY = dt.timedelta(seconds=60)  # last-seen writes at most this often per session


def load_key(env_value: str | None, key_file: Path) -> bytes:
    """STAFF_SESSION_KEY, else a random key created once in ``key_file`` (mode 0600)."""
    if env_value:
        return env_value.encode()
    if key_file.exists():
        return key_file.read_bytes().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


class Signer:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _mac(self, value: str) -> str:
        return hmac.new(self._key, value.encode(), hashlib.sha256).hexdigest()

    def sign(self, value: str) -> str:
        return f"{value}.{self._mac(value)}"

    def unsign(self, signed: str | None) -> str | None:
        if not signed or "." not in signed:
            return None
        value, mac = signed.rsplit(".", 1)
        return value if hmac.compare_digest(mac, self._mac(value)) else None

    def login_csrf(self, pre: str) -> str:
        return self._mac(f"login:{pre}")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Current:
    user: StaffUser
    session: StaffSession

    @property
    def csrf(self) -> str:
        return self.session.csrf


async def open_session(db: AsyncSession, user: StaffUser) -> str:
    """A new session for ``user``; the token to sign into the cookie."""
    token, now = secrets.token_urlsafe(32), utcnow()
    db.add(StaffSession(token_hash=_digest(token), user_id=user.id, csrf=secrets.token_urlsafe(32),
                        created_at=now, last_seen_at=now))
    await db.flush()
    return token


async def current(
    db: AsyncSession, cfg: StaffConsoleSettings, token: str | None, now: dt.datetime | None = None
) -> Current | None:
    """The signed-in clerk of this token, or None (no session, expired, or account disabled)."""
    if not token:
        return None
    now = now or utcnow()
    row = (await db.execute(
        select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_hash == _digest(token))
    )).first()
    if row is None:
        return None
    sess, user = row
    idle = now - as_utc(sess.last_seen_at) > dt.timedelta(minutes=cfg.idle_minutes)
    too_old = now - as_utc(sess.created_at) > dt.timedelta(hours=cfg.absolute_hours)
    if idle or too_old or user.disabled:
        await db.delete(sess)
        return None
    if now - as_utc(sess.last_seen_at) > TOUCH_EVERY:
        sess.last_seen_at = now
    return Current(user, sess)


async def close_session(db: AsyncSession, token: str) -> None:
    await db.execute(delete(StaffSession).where(StaffSession.token_hash == _digest(token)))


def same(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given), expected)
