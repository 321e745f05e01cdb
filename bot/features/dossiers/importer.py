"""Import of the one-stop system's export (CSV or XLSX): validate everything, then upsert in one go.

A file is all or nothing: any invalid row and nothing is written, and the report
names each bad row and field. Upsert by code; importing the same file twice
changes nothing the second time. A status change counts as a change (history,
notifications). An empty optional cell keeps what is stored: an export that
omits a date does not erase it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.features.dossiers.fields import (
    FINISHED,
    FieldError,
    mask_name,
    parse_code,
    parse_datetime,
    parse_status,
    phone_last4,
    timeliness,
)
from bot.features.dossiers.models import Dossier, DossierStatusChange
from bot.features.dossiers.service import DossierService

COLUMNS = (
    "code", "procedure_code", "status", "applicant_name", "phone",
    "received_at", "appointment_at", "completed_at", "unit",
)
_PROCEDURE = re.compile(r"[\w.\-]{1,32}")
_MAX_ERRORS_SHOWN = 200


@dataclass(frozen=True)
class Record:
    """One validated row: what the assistant keeps (name masked, phone reduced to 4 digits)."""

    code: str
    procedure_code: str
    status: int
    applicant_masked: str | None
    last4: str
    received_at: dt.datetime | None
    appointment_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None
    unit: str | None = None


@dataclass(frozen=True)
class RowError:
    row: int  # as a spreadsheet shows it: the header is row 1
    field: str
    message: str


@dataclass
class ImportReport:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_changes: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            bad = sorted({e.row for e in self.errors})
            lines = [f"{self.file}: {len(bad)} invalid row(s), nothing imported:"]
            lines += [
                f"  row {e.row}: {e.field}: {e.message}" if e.row else f"  {e.field}: {e.message}"
                for e in self.errors[:_MAX_ERRORS_SHOWN]
            ]
            if len(self.errors) > _MAX_ERRORS_SHOWN:
                lines.append(f"  … and {len(self.errors) - _MAX_ERRORS_SHOWN} more")
            return "\n".join(lines)
        return (
            f"{self.file}: {self.rows} row(s): {self.created} new, {self.updated} updated "
            f"({self.status_changes} status change(s)), {self.unchanged} unchanged"
        )


# -- reading -----------------------------------------------------------------------------------------


Table = list[tuple[int, list[object]]]


def read_table(path: Path) -> Table:
    """(row number, cells) for every row including the header; raises FieldError if unreadable."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(path)
    return read_data(path.name, path.read_bytes())


def read_data(name: str, data: bytes) -> Table:
    """The same from a file's name and content (an upload from the staff console)."""
    if Path(name).suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(io.BytesIO(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FieldError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    first = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(n, list(cells)) for n, cells in enumerate(reader, 1)]


def _read_xlsx(source: Path | io.BytesIO) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FieldError(f"not a readable XLSX file ({exc})") from None
    try:
        ws = wb.worksheets[0]
        return [(n, list(cells)) for n, cells in enumerate(ws.iter_rows(values_only=True), 1)]
    finally:
        wb.close()


def _blank(cells: list[object]) -> bool:
    return all(c is None or str(c).strip() == "" for c in cells)


def parse_table(table: Table) -> tuple[list[Record], list[RowError], int]:
    """Validated records, every error found, and the number of data rows."""
    rows = [(n, cells) for n, cells in table if not _blank(cells)]
    if not rows:
        return [], [RowError(0, "file", "no header row")], 0
    header_row, header_cells = rows[0]
    header = [re.sub(r"\s+", "_", str(c or "").strip().lower()) for c in header_cells]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [RowError(header_row, "header", f"missing column(s): {', '.join(missing)}")], len(rows) - 1
    index = {name: header.index(name) for name in COLUMNS}
    records: list[Record] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    for n, cells in rows[1:]:
        values = {name: cells[i] if i < len(cells) else None for name, i in index.items()}
        record, row_errors = _parse_row(n, values)
        errors += row_errors
        if record is None:
            continue
        if record.code in first_row:
            errors.append(RowError(n, "code", f"duplicate of row {first_row[record.code]}"))
            continue
        first_row[record.code] = n
        records.append(record)
    return records, errors, len(rows) - 1


def _parse_row(n: int, v: dict[str, object]) -> tuple[Record | None, list[RowError]]:
    errors: list[RowError] = []

    def get(name: str, parse: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return parse(v[name], *args, **kwargs)
        except FieldError as exc:
            errors.append(RowError(n, name, str(exc)))
            return None

    code = get("code", parse_code)
    procedure = str(v["procedure_code"] or "").strip()
    if not _PROCEDURE.fullmatch(procedure):
        errors.append(RowError(n, "procedure_code", "must be 1–32 letters, digits, dots or dashes"))
    status = get("status", parse_status)
    last4 = get("phone", phone_last4)
    received = get("received_at", parse_datetime, required=True)
    appointment = get("appointment_at", parse_datetime)
    completed = get("completed_at", parse_datetime)
    unit = str(v["unit"] or "").strip() or None
    if unit is not None and len(unit) > 255:
        errors.append(RowError(n, "unit", "longer than 255 characters"))
    if errors:
        return None, errors
    return Record(
        code, procedure, status, mask_name(v["applicant_name"]), last4, received, appointment, completed, unit
    ), []


# -- writing -----------------------------------------------------------------------------------------


async def upsert(
    service: DossierService, session: AsyncSession, records: list[Record], source: str, report: ImportReport
) -> None:
    """Create or update each record inside the caller's transaction."""
    existing: dict[str, Dossier] = {}
    codes = [r.code for r in records]
    for i in range(0, len(codes), 500):
        found = await session.execute(select(Dossier).where(Dossier.code.in_(codes[i : i + 500])))
        existing.update((d.code, d) for d in found.scalars())
    now = service.clock()
    for r in records:
        d = existing.get(r.code)
        if d is None:
            await _create(service, session, r, source, now)
            report.created += 1
            continue
        changed = _update_fields(service, d, r)
        change = await service.change_status(session, d, r.status, source=source)
        if d.status in FINISHED:
            d.timeliness = timeliness(d.appointment_at, d.completed_at)
        if change is not None:
            report.status_changes += 1
        if changed or change is not None:
            d.updated_at = now
            report.updated += 1
        else:
            report.unchanged += 1
    await session.flush()


async def _create(service: DossierService, session: AsyncSession, r: Record, source: str, now: dt.datetime) -> None:
    d = Dossier(
        code=r.code,
        procedure_code=r.procedure_code,
        status=r.status,
        unit=r.unit,
        received_at=r.received_at,
        appointment_at=r.appointment_at,
        completed_at=r.completed_at,
        timeliness=timeliness(r.appointment_at, r.completed_at) if r.status in FINISHED else None,
        applicant_masked=r.applicant_masked,
        phone_hash=service.phone_hash(r.code, r.last4),
        status_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(d)
    await session.flush()
    # The arrival opens the history; hooks and notifications are for changes only (no one follows it yet).
    session.add(DossierStatusChange(dossier_id=d.id, old_status=None, new_status=r.status, changed_at=now,
                                    source=source))


def _update_fields(service: DossierService, d: Dossier, r: Record) -> bool:
    wanted: dict[str, object] = {
        "procedure_code": r.procedure_code,
        "phone_hash": service.phone_hash(r.code, r.last4),
        "received_at": r.received_at,
    }
    # Empty optional cells keep what is stored.
    optional = {"appointment_at": r.appointment_at, "completed_at": r.completed_at, "unit": r.unit,
                "applicant_masked": r.applicant_masked}
    wanted.update({k: value for k, value in optional.items() if value is not None})
    changed = False
    for name, value in wanted.items():
        if getattr(d, name) != value:
            setattr(d, name, value)
            changed = True
    return changed


async def import_records(
    service: DossierService, sessions: async_sessionmaker[AsyncSession], records: list[Record], source: str,
    label: str,
) -> ImportReport:
    report = ImportReport(label, rows=len(records))
    async with sessions() as session, session.begin():
        await upsert(service, session, records, source, report)
    return report


def validate(label: str, read: Callable[[], Table]) -> tuple[list[Record], ImportReport]:
    """Every row checked; the records to write, and a report that has the errors when there are any."""
    report = ImportReport(label)
    try:
        records, report.errors, report.rows = parse_table(read())
    except (FieldError, OSError, csv.Error) as exc:
        report.errors.append(RowError(0, "file", str(exc)))
        return [], report
    return records, report


async def import_file(
    service: DossierService, sessions: async_sessionmaker[AsyncSession], path: Path
) -> ImportReport:
    """Validate the whole file, then write it in one transaction (or not at all)."""
    records, report = validate(str(path), lambda: read_table(path))
    if not report.ok:
        return report
    async with sessions() as session, session.begin():
        await upsert(service, session, records, "import", report)
    return report
