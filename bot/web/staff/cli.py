"""`python -m bot staff add|list|disable|passwd`: staff accounts of the web console."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import load_settings
from bot.storage.models import ROLES
from bot.web.staff import accounts


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password again: "):
        raise accounts.AccountError("the two passwords differ")
    return first


async def _in_session(action: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    from bot.storage import db

    settings = load_settings()
    db.upgrade(settings.database_url)
    engine = db.create_engine(settings.database_url)
    try:
        async with db.session_factory(engine)() as session, session.begin():
            return await action(session)
    finally:
        await engine.dispose()


def cmd_staff(args: argparse.Namespace) -> int:
    try:
        if args.staff_command == "add":
            password = _password(args)
            asyncio.run(_in_session(lambda s: accounts.add(s, args.username, args.role, password)))
            print(f"added {accounts.normalise(args.username)} ({args.role})")
        elif args.staff_command == "passwd":
            password = _password(args)
            asyncio.run(_in_session(lambda s: accounts.set_password(s, args.username, password)))
            print(f"password changed for {accounts.normalise(args.username)}")
        elif args.staff_command == "disable":
            asyncio.run(_in_session(lambda s: accounts.disable(s, args.username)))
            print(f"disabled {accounts.normalise(args.username)}")
        else:
            users = asyncio.run(_in_session(accounts.list_all))
            for u in users:
                state = "disabled" if u.disabled else "active"
                print(f"{u.username}\t{u.role}\t{state}\tsince {u.created_at:%Y-%m-%d}")
            if not users:
                print("no staff accounts yet: python -m bot staff add USERNAME --role admin")
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("staff", help="staff accounts of the web console (/staff)")
    staff = p.add_subparsers(dest="staff_command", required=True)
    for name, help_text in (("add", "create an account"), ("passwd", "set a new password")):
        q = staff.add_parser(name, help=help_text)
        q.add_argument("username")
        if name == "add":
            q.add_argument("--role", choices=ROLES, required=True)
        q.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    q = staff.add_parser("disable", help="disable an account (its sessions end at once)")
    q.add_argument("username")
    staff.add_parser("list", help="list the accounts")
    p.set_defaults(func=cmd_staff)
