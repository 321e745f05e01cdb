"""Command line: `python -m bot run|db|train|serve|dossiers|export|surveys|purge|consents|zalo`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from bot.app import FEATURES
from bot.config import load_settings
from bot.web.staff.cli import register as register_staff
from bot.zalo_check import register as register_zalo


def _logging(verbose: bool) -> None:
    """Masked text or JSON logs and alert thresholds (config.yml `ops:`, TTHC_LOG_FORMAT)."""
    from bot.ops.logs import setup_process

    setup_process(load_settings().ops, verbose)


async def _chat(urls: list[str], token: str | None) -> None:
    from bot.app import build_services, warn_unconfirmed

    settings = load_settings()
    services = build_services(settings, urls, token)
    services.settle()
    warn_unconfirmed(services.office)
    try:
        if settings.telegram_bot_token or settings.zalo_bot_token:  # polling Telegram and/or the Zalo bot
            from bot.runtime import run_polling

            await run_polling(services)
        else:  # the terminal, a channel like the others (inbox, workers, outbox, sender)
            from bot.runtime import run_console

            await run_console(services)
    finally:
        await services.aclose()


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import nlu_endpoint

    settings = load_settings()
    if args.no_nlu:
        asyncio.run(_chat([], None))
        return 0
    with nlu_endpoint(settings) as (urls, token):
        asyncio.run(_chat(urls, token))
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from bot.storage.db import upgrade

    if args.revision == "backup":
        from bot.ops.backup import cmd_backup

        return cmd_backup(load_settings().database_url, args.file)

    upgrade(load_settings().database_url, args.revision)
    return 0


def cmd_train(_: argparse.Namespace) -> int:
    from nlu.server import ensure_model

    print(ensure_model())
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Webhook mode: channel webhooks, dossier push and /healthz; refuses missing secrets (bot/web/process.py)."""
    from bot.web.process import serve

    return serve(args)


def _offline_services() -> Any:
    """The services a command works with: the database and the features, no NLU (a feature's commands
    get this as ``args.services``, so they need not import the composition root)."""
    from bot.app import build_services

    return build_services(load_settings(), [], None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Public-service assistant")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="run the assistant (terminal chat when no channel token is set)")
    p.add_argument("--no-nlu", action="store_true", help="do not start the NLU server (degraded mode)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("db", help="apply database migrations; `db backup FILE`: copy a SQLite database")
    p.add_argument("revision", nargs="?", default="heads", help="revision to upgrade to, or `backup`")
    p.add_argument("file", nargs="?", type=Path, help="with `backup`: the copy to write")
    p.set_defaults(func=cmd_db)
    p = sub.add_parser("train", help="train the NLU model if its data or config changed")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser(
        "serve", help="web server: channel webhooks, dossier status push (POST /dossiers/events), GET /healthz"
    )
    p.add_argument("--host", default=None, help="default: channels.server.host in config.yml")
    p.add_argument("--port", type=int, default=None, help="default: channels.server.port in config.yml")
    p.add_argument("--no-nlu", action="store_true", help="do not start the NLU server (degraded mode)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 needs PostgreSQL)")
    p.set_defaults(func=cmd_serve)
    for feature in FEATURES:  # dossiers; export, surveys; purge, consents; ...
        if feature.commands is not None:
            feature.commands(sub)
    register_zalo(sub)  # zalo check
    register_staff(sub)  # staff add|list|disable|passwd (the web console's accounts)
    parser.set_defaults(services=_offline_services)
    args = parser.parse_args(argv)
    _logging(args.verbose)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
