"""`python -m bot export …` (staff exports, audited) and `python -m bot surveys demo|check|purge`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from bot.config import load_settings
from bot.features.feature import day as _day


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export survey responses for staff (XLSX or CSV); every export is audited",
        description="XLSX: responses, SIPAS index (criterion, element, overall; per procedure; per month) with a "
        "chart, the QĐ 766 ratio, feedback tickets. CSV (UTF-8 with BOM): the responses.",
    )
    p.add_argument("--from", dest="start", required=True, type=_day, help="first day (YYYY-MM-DD, Vietnam time)")
    p.add_argument("--to", dest="end", required=True, type=_day, help="last day, inclusive")
    p.add_argument("--unit", help="only this receiving unit (exact name)")
    p.add_argument("--form", help="survey definition (default: surveys.form in config.yml)")
    p.add_argument("--format", choices=["xlsx", "csv"], help="default: from the output file's suffix")
    p.add_argument("-o", "--output", required=True, type=Path)
    p.add_argument("--anonymous", action="store_true", help="leave out chat, dossier code, ids, free text, times")
    p.add_argument("--actor", default=None, help="who exports, for the audit log (default: the OS user)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=cmd_export)
    s = sub.add_parser("surveys", help="survey definitions, sample data, retention")
    ssub = s.add_subparsers(dest="surveys_command", required=True)
    d = ssub.add_parser("demo", help="create realistic sample responses (replaces earlier samples)")
    d.add_argument("--count", type=int, default=240)
    d.add_argument("--form", help="survey definition (default: surveys.form in config.yml)")
    d.set_defaults(func=cmd_demo)
    c = ssub.add_parser("check", help="validate the survey definitions")
    c.set_defaults(func=cmd_check)
    r = ssub.add_parser("purge", help="the same as `python -m bot purge`: every retention period (run daily)")
    # Kept for existing cron lines: the survey retention is one part of the common purge, whose command the
    # privacy feature (registered before this one, bot/app.py FEATURES) has added.
    r.set_defaults(func=sub.choices["purge"].get_default("func"))


async def _export(args: argparse.Namespace, fmt: str) -> int:
    from tqdm import tqdm

    from bot.features.surveys.export import ExportRequest, count_rows, export, record_audit

    services = args.services()
    try:
        assert services.surveys is not None
        svc = services.surveys.service
        form_id = args.form or svc.form.id
        if form_id not in svc.forms:
            print(f"--form: no survey definition {form_id!r} (known: {', '.join(sorted(svc.forms))})",
                  file=sys.stderr)
            return 2
        req = ExportRequest(args.start, args.end, form_id, args.unit, args.anonymous)
        names = {code: p.name for code, p in services.procedures.items()}
        async with services.sessions() as session, session.begin():
            total = await count_rows(session, req)
            with tqdm(total=total, unit=" phiếu", file=sys.stderr, disable=args.no_progress) as bar:
                result = await export(session, svc.forms[form_id], req, fmt, args.output,  # type: ignore[arg-type]
                                      method=svc.settings.index_method, names=names, progress=bar.update)
            actor = args.actor or f"cli:{getpass.getuser()}"
            await record_audit(session, actor=actor, via="cli", req=req, fmt=fmt, result=result, at=svc.clock())
    finally:
        await services.aclose()
    print(f"{args.output}: {result.rows} response(s), {result.tickets} ticket(s) ({fmt}); audited as {actor}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    fmt = args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
    if args.end < args.start:
        print("--to must not be before --from", file=sys.stderr)
        return 2
    return asyncio.run(_export(args, fmt))


async def _demo(args: argparse.Namespace, count: int, form_id: str | None) -> int:
    from bot.features.surveys.demo import load_demo

    services = args.services()
    try:
        assert services.surveys is not None
        svc = services.surveys.service
        form = svc.forms.get(form_id or svc.form.id)
        if form is None:
            print(f"--form: no survey definition {form_id!r}", file=sys.stderr)
            return 2
        async with services.sessions() as session, session.begin():
            responses, tickets = await load_demo(session, form, count, svc.today())
    finally:
        await services.aclose()
    print(f"sample data: {responses} submitted response(s) of form {form.id!r} over the last 120 days, "
          f"{tickets} feedback ticket(s); earlier samples replaced")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    return asyncio.run(_demo(args, args.count, args.form))


def cmd_check(_: argparse.Namespace) -> int:
    from surveys.definitions import SurveyDefinitionError, load_forms

    settings = load_settings()
    try:
        forms = load_forms(settings.path(settings.surveys.definitions_dir))
    except SurveyDefinitionError as exc:
        print(exc, file=sys.stderr)
        return 1
    for form in forms.values():
        print(f"{form.id}: version {form.version}, {len(form.questions)} questions, {len(form.criteria)} criteria")
    if settings.surveys.form not in forms:
        print(f"config surveys.form: no definition {settings.surveys.form!r}", file=sys.stderr)
        return 1
    return 0
