"""Staff accounts: argon2id password hashes, roles, sign-in with failure limits, and the audit log.

An unknown username and a wrong password take the same path and the same time (a
hash is verified either way) and get the same answer, so the sign-in form tells nobody
which accounts exist. Failures are counted from the audit log per username given and
per address; past a limit the sign-in is refused even with the right password until
the window has passed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import as_utc
from bot.settings.staff import StaffConsoleSettings
from bot.storage.models import ROLES, StaffUser, utcnow
from bot.web.staff.models import StaffAudit

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id with the library's current parameters
_DUMMY = _hasher.hash("not-a-password-of-anyone")
# Roles allowed to do each thing; every role reads the dashboard and the tickets.
MAY = {"export": ("exporter", "admin"), "tickets": ROLES, "dossiers": ("admin",)}
Outcome = Literal["ok", "wrong", "locked"]


class AccountError(ValueError):
    """A clear reason an account command could not be done."""


def normalise(username: str) -> str:
    return username.strip().lower()


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password needs at least {MIN_PASSWORD} characters")


async def audit(
    session: AsyncSession, actor: str, action: str, *, target: str | None = None, address: str | None = None,
    detail: dict[str, Any] | None = None, at: dt.datetime | None = None,
) -> None:
    session.add(StaffAudit(at=at or utcnow(), actor=actor[:64], action=action, target=target and target[:64],
                           address=address and address[:64], detail=detail))
    await session.flush()


async def get(session: AsyncSession, username: str) -> StaffUser | None:
    stmt = select(StaffUser).where(StaffUser.username == normalise(username))
    return (await session.execute(stmt)).scalar_one_or_none()


async def add(session: AsyncSession, username: str, role: str, password: str) -> StaffUser:
    name = normalise(username)
    if not USERNAME.match(name):
        raise AccountError("username: 2-64 of a-z 0-9 . _ - (starting with a letter or digit)")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    check_password(password)
    if await get(session, name) is not None:
        raise AccountError(f"{name} already exists")
    now = utcnow()
    user = StaffUser(username=name, password_hash=_hasher.hash(password), role=role, disabled=False,
                     created_at=now, password_changed_at=now)
    session.add(user)
    await audit(session, "cli", "account_add", target=name, detail={"role": role})
    return user


async def set_password(session: AsyncSession, username: str, password: str) -> None:
    user = await _existing(session, username)
    check_password(password)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    await audit(session, "cli", "account_passwd", target=user.username)


async def disable(session: AsyncSession, username: str) -> None:
    user = await _existing(session, username)
    user.disabled = True
    await audit(session, "cli", "account_disable", target=user.username)


async def list_all(session: AsyncSession) -> list[StaffUser]:
    return list((await session.execute(select(StaffUser).order_by(StaffUser.username))).scalars())


async def _existing(session: AsyncSession, username: str) -> StaffUser:
    user = await get(session, username)
    if user is None:
        raise AccountError(f"no account {normalise(username)}")
    return user


@dataclass(frozen=True)
class SignIn:
    outcome: Outcome
    user: StaffUser | None = None


async def _failures(session: AsyncSession, since: dt.datetime, **where: str) -> int:
    stmt = select(func.count()).select_from(StaffAudit).where(StaffAudit.action == "login_failed",
                                                              StaffAudit.at >= since)
    for column, value in where.items():
        stmt = stmt.where(getattr(StaffAudit, column) == value)
    return int((await session.execute(stmt)).scalar_one())


async def sign_in(
    session: AsyncSession, cfg: StaffConsoleSettings, username: str, password: str, address: str,
    now: dt.datetime | None = None,
) -> SignIn:
    """Checks the limits first, then the password; records the attempt either way."""
    now = now or utcnow()
    name = normalise(username)[:64]
    window = now - dt.timedelta(minutes=cfg.failure_window_minutes)
    last_ok = (await session.execute(
        select(func.max(StaffAudit.at)).where(StaffAudit.action == "login_ok", StaffAudit.actor == name)
    )).scalar_one_or_none()
    since = max(window, as_utc(last_ok)) if last_ok is not None else window
    if (await _failures(session, since, actor=name) >= cfg.failures_per_account
            or await _failures(session, window, address=address) >= cfg.failures_per_address):
        await audit(session, name, "login_locked", address=address, at=now)
        return SignIn("locked")
    user = await get(session, name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY, password)
        verified = user is not None and not user.disabled
    except (VerificationError, InvalidHashError):
        verified = False
    if not verified or user is None:
        await audit(session, name, "login_failed", address=address, at=now)
        return SignIn("wrong")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    await audit(session, name, "login_ok", address=address, at=now)
    return SignIn("ok", user)
