"""Command line of the knowledge base: ``python -m knowledge_base import <records folder>``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from knowledge_base.importer import NATIONAL_PATH, import_records


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge_base")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="import the national portal's procedure records")
    imp.add_argument("records", type=Path, help="folder of <ministry>/<code>.json records")
    imp.add_argument("-o", "--output", type=Path, default=NATIONAL_PATH, help="compressed JSON-lines output")
    imp.add_argument("--report", type=Path, help="report file (default: import-report.txt beside the output)")
    imp.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        help="import date to record (default: kept when the output would not change, else today)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not args.records.is_dir():
        print(f"{args.records}: not a folder of records", file=sys.stderr)
        return 2
    result = import_records(args.records, args.output, args.date)
    report = result.report()
    report_path = args.report or args.output.with_name("import-report.txt")
    report_path.write_text(report, encoding="utf-8")
    print(report, end="")
    state = "unchanged" if result.unchanged else "written"
    print(f"{args.output}: {state}; report: {report_path}")
    return 0 if result.entries else 1


if __name__ == "__main__":
    sys.exit(main())
