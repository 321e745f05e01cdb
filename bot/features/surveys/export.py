"""Staff exports of survey responses, XLSX or CSV: the one entry point for the command line, chat and console.

The rows come from :mod:`bot.features.surveys.export_rows` (one streamed query, constant
memory) and are counted into the SIPAS and QĐ 766 figures on the way
(:mod:`bot.features.surveys.export_index`); the XLSX writer is loaded only when asked for.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.surveys.export_index import Aggregates, ExportResult, counted_rows
from bot.features.surveys.export_rows import (
    PAGE,
    ExportRequest,
    Row,
    count_rows,
    iter_rows,
    iter_tickets,
    local,
    neutralise,
    response_columns,
    ticket_columns,
)
from bot.features.surveys.models import ExportAudit
from bot.storage.db import private_file
from surveys.definitions import SurveyForm
from surveys.index import Method

__all__ = [  # the export's one entry point for its callers, rows and columns included
    "PAGE", "Aggregates", "ExportRequest", "ExportResult", "Format", "Row", "count_rows", "counted_rows",
    "delete_old_exports", "export", "iter_rows", "iter_tickets", "local", "neutralise", "record_audit",
    "response_columns", "ticket_columns",
]

Format = Literal["xlsx", "csv"]
EXPORT_FILE_DAYS = 7  # XLSX files made in chat (/xuatbaocao) are deleted after this (surveys purge)


# -- writing -------------------------------------------------------------------------------------------


async def export(
    session: AsyncSession,
    form: SurveyForm,
    req: ExportRequest,
    fmt: Format,
    out: Path,
    *,
    method: Method = "satisfied_share",
    names: Mapping[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Write the export; ``progress`` is called with the number of rows written since the last call."""
    out.parent.mkdir(parents=True, exist_ok=True)
    private_file(out)  # personal data: 0600 before a byte is written
    names = names or {}
    if fmt == "csv":
        return await _csv(session, form, req, out, names, progress)
    from bot.features.surveys.export_xlsx import write_xlsx

    return await write_xlsx(session, form, req, out, method=method, names=names, progress=progress)


async def _csv(
    session: AsyncSession, form: SurveyForm, req: ExportRequest, out: Path, names: Mapping[str, str],
    progress: Callable[[int], None] | None,
) -> ExportResult:
    header, cells = response_columns(form, req.anonymous, names)
    agg, n = Aggregates(), 0
    # utf-8-sig: the BOM makes Excel read Vietnamese correctly.
    with out.open("w", encoding="utf-8-sig", newline="") as f:  # truncates, keeps the 0600 mode
        writer = csv.writer(f)
        writer.writerow(header)
        async for page in counted_rows(session, req, form, agg, progress):
            writer.writerows(["" if v is None else v for v in cells(row)] for row in page)
            n += len(page)
    return ExportResult(n, 0, out, agg)


def delete_old_exports(directory: Path, older_than: dt.timedelta, now: dt.datetime) -> int:
    """Files made for staff in chat hold personal data too: they are kept only as long as needed to send them."""
    if not directory.is_dir():
        return 0
    cutoff = (now - older_than).timestamp()
    removed = 0
    for path in directory.glob("sipas_*.xlsx"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


async def record_audit(
    session: AsyncSession, *, actor: str, via: str, req: ExportRequest, fmt: str, result: ExportResult, at: dt.datetime
) -> None:
    session.add(ExportAudit(
        actor=actor[:120], via=via, at=at, filters=req.filters(), format=fmt, anonymous=req.anonymous,
        rows=result.rows, tickets=result.tickets, file_name=result.path.name[:255],
    ))
    await session.flush()
