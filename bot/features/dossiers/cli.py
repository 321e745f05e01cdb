"""`python -m bot dossiers import FILE | demo`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dossiers", help="dossier records: import the one-stop system's export, demo data")
    dsub = p.add_subparsers(dest="dossiers_command", required=True)
    i = dsub.add_parser(
        "import",
        help="import a CSV or XLSX export (all rows or none)",
        description="Columns: code, procedure_code, status, applicant_name, phone, received_at, "
        "appointment_at, completed_at, unit. Upsert by code; any invalid row and nothing is written.",
    )
    i.add_argument("file", type=Path)
    i.set_defaults(func=cmd_import)
    d = dsub.add_parser("demo", help="load sample dossiers (codes and phone digits in README.md)")
    d.set_defaults(func=cmd_demo)


async def _import(args: argparse.Namespace, path: Path) -> int:
    from bot.features.dossiers.importer import import_file

    # The full composition, so hooks plugged into the service (surveys) see imported changes too.
    services = args.services()
    try:
        report = await import_file(services.dossiers, services.sessions, path)
    finally:
        await services.aclose()
    print(report.summary(), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1


async def _demo(args: argparse.Namespace) -> int:
    from bot.features.dossiers import demo
    from bot.features.dossiers.importer import import_records

    services = args.services()
    try:
        today = services.dossiers.today()
        report = await import_records(
            services.dossiers, services.sessions, demo.records(today), "demo", "demo dossiers"
        )
    finally:
        await services.aclose()
    print(report.summary())
    print(demo.table(today))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return 2
    return asyncio.run(_import(args, args.file))


def cmd_demo(args: argparse.Namespace) -> int:
    return asyncio.run(_demo(args))
