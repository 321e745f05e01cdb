"""`python -m bot purge` (every retention period at once) and `python -m bot consents` (consent records)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from bot.features.feature import day


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "purge",
        help="delete or unlink personal data past its retention period (config.yml retention:); run daily",
        description="Idle conversations, old lookup failures, inbox and outbox rows, withdrawn consents, survey "
        "answers past surveys.retention_days (kept anonymous), old export files. Safe to interrupt and rerun.",
    )
    p.set_defaults(func=cmd_purge)
    c = sub.add_parser(
        "consents", help="consent records for staff (CSV or XLSX); every listing is audited",
        description="Who agreed to what (dossier notifications, surveys), when, under which text version, "
        "and when it was withdrawn.",
    )
    c.add_argument("--user", help="one chat, as channel:user_id (e.g. telegram:123456789)")
    c.add_argument("--from", dest="start", type=day, help="first day of consent (YYYY-MM-DD, Vietnam time)")
    c.add_argument("--to", dest="end", type=day, help="last day, inclusive")
    c.add_argument("--format", choices=["xlsx", "csv"], help="default: from the output file's suffix")
    c.add_argument("-o", "--output", required=True, type=Path)
    c.add_argument("--actor", default=None, help="who lists, for the audit log (default: the OS user)")
    c.set_defaults(func=cmd_consents)


async def _purge(args: argparse.Namespace) -> int:
    from bot.features.privacy.purge import purger

    services = args.services()
    try:
        done = await purger(services).run()
    finally:
        await services.aclose()
    print(", ".join(f"{k}: {v}" for k, v in done.items()))
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    return asyncio.run(_purge(args))


async def _consents(args: argparse.Namespace, fmt: str, channel: str | None, user_id: str | None) -> int:
    from bot.features.privacy.consents import ConsentQuery, consent_rows, record_audit, write

    services = args.services()
    q = ConsentQuery(channel, user_id, args.start, args.end)
    actor = args.actor or f"cli:{getpass.getuser()}"
    try:
        async with services.sessions() as session, session.begin():
            rows = await consent_rows(session, q)
            write(args.output, fmt, rows)
            await record_audit(session, actor=actor, via="cli", q=q, fmt=fmt, rows=len(rows), path=args.output,
                               at=services.dossiers.clock())
    finally:
        await services.aclose()
    print(f"{args.output}: {len(rows)} consent record(s) ({fmt}); audited as {actor}")
    return 0


def cmd_consents(args: argparse.Namespace) -> int:
    fmt = args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
    channel = user_id = None
    if args.user:
        channel, sep, user_id = args.user.partition(":")
        if not sep or not channel or not user_id:
            print("--user: expected channel:user_id, e.g. telegram:123456789", file=sys.stderr)
            return 2
    if args.start and args.end and args.end < args.start:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    return asyncio.run(_consents(args, fmt, channel, user_id))
