"""Consent records printable for staff: who agreed to what, when, under which text version.

Two kinds are recorded: being told of a dossier's changes (dossier_subscriptions,
also the subscription itself) and taking a survey (survey_consents). Every listing
is recorded in survey_export_audit like the survey exports, with kind "consents".
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ, as_utc
from bot.features.dossiers.models import Dossier, DossierSubscription
from bot.features.surveys.export import neutralise
from bot.features.surveys.models import ExportAudit, SurveyConsent

HEADER = [
    "Loại đồng ý", "Kênh", "Mã người dùng", "Mã hồ sơ", "Mục đích", "Phiên bản văn bản",
    "Thời điểm đồng ý", "Thời điểm rút lại",
]
KINDS = {"notify": "Nhận thông báo hồ sơ", "survey": "Khảo sát hài lòng"}


@dataclass(frozen=True)
class ConsentQuery:
    channel: str | None = None
    user_id: str | None = None
    start: dt.date | None = None  # Vietnam calendar days of the consent, inclusive
    end: dt.date | None = None

    def filters(self) -> dict[str, object]:
        who = f"{self.channel}:{self.user_id}" if self.channel else None
        return {"kind": "consents", "user": who, "from": _iso(self.start), "to": _iso(self.end)}

    def bounds(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        def day(d: dt.date | None, extra: int) -> dt.datetime | None:
            if d is None:
                return None
            # In UTC: SQLite compares the stored text, which is UTC wall time.
            return dt.datetime.combine(d + dt.timedelta(days=extra), dt.time(), VN_TZ).astimezone(dt.UTC)

        return day(self.start, 0), day(self.end, 1)


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _local(value: dt.datetime | None) -> str:
    return as_utc(value).astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


async def consent_rows(session: AsyncSession, q: ConsentQuery) -> list[list[Any]]:
    """Both kinds, oldest first; a consent unlinked by retention shows an empty user."""
    lo, hi = q.bounds()
    s, c = DossierSubscription, SurveyConsent
    subs = select(s.channel, s.user_id, Dossier.code, s.purpose, s.text_version, s.granted_at, s.revoked_at).join(
        Dossier, Dossier.id == s.dossier_id
    )
    surveys = select(c.channel, c.user_id, Dossier.code, c.purpose, c.text_version, c.granted_at).outerjoin(
        Dossier, Dossier.id == c.dossier_id
    )
    if q.channel is not None:
        subs = subs.where(s.channel == q.channel, s.user_id == q.user_id)
        surveys = surveys.where(c.channel == q.channel, c.user_id == q.user_id)
    if lo is not None:
        subs, surveys = subs.where(s.granted_at >= lo), surveys.where(c.granted_at >= lo)
    if hi is not None:
        subs, surveys = subs.where(s.granted_at < hi), surveys.where(c.granted_at < hi)
    rows: list[tuple[Any, ...]] = [("notify", *r) for r in (await session.execute(subs)).all()]
    rows += [("survey", *r, None) for r in (await session.execute(surveys)).all()]

    def granted(row: tuple[Any, ...]) -> dt.datetime:
        value: dt.datetime = row[6]
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    rows.sort(key=granted)
    return [
        [KINDS[kind], channel, user or "", code or "", purpose, version, _local(at), _local(revoked)]
        for kind, channel, user, code, purpose, version, at, revoked in rows
    ]


def write(path: Path, fmt: str, rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cells: Iterator[list[Any]] = ([neutralise(v) for v in row] for row in rows)
    if fmt == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            out = csv.writer(f)
            out.writerow(HEADER)
            out.writerows(cells)
        return
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Đồng ý")
    ws.append(HEADER)
    for row in cells:
        ws.append(row)
    wb.save(path)


async def record_audit(
    session: AsyncSession, *, actor: str, via: str, q: ConsentQuery, fmt: str, rows: int, path: Path, at: dt.datetime
) -> None:
    session.add(ExportAudit(
        actor=actor[:120], via=via, at=at, filters=q.filters(), format=fmt, anonymous=False, rows=rows, tickets=0,
        file_name=path.name[:255],
    ))
    await session.flush()
