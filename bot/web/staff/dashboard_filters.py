"""The dashboard's and the export page's filters, read from a query string or a form.

Dates are read as a clerk types them (dd/mm/yyyy) or as the page's own links carry them
(yyyy-mm-dd). A value that cannot be read falls back to its default and the page says so
in Vietnamese.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.features.surveys.stats import month_start
from surveys.definitions import SurveyForm

_DMY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    form: str
    unit: str | None = None
    procedure: str | None = None

    def query(self) -> dict[str, str]:
        q = {"from": self.start.isoformat(), "to": self.end.isoformat(), "form": self.form}
        if self.unit:
            q["unit"] = self.unit
        if self.procedure:
            q["procedure"] = self.procedure
        return q


def read_day(raw: str) -> dt.date:
    """A date typed as dd/mm/yyyy (also with . or -) or as ISO yyyy-mm-dd; ValueError otherwise."""
    found = _DMY.fullmatch(raw)
    if found:
        day, month, year = (int(g) for g in found.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(raw)


def parse_filters(params: Mapping[str, str], forms: Mapping[str, SurveyForm], default_form: str,
                  today: dt.date) -> tuple[Filters, list[str]]:
    """Filters from the query string; what cannot be read falls back to the default and is said."""
    errors: list[str] = []
    default_start = month_start(month_start(today) - dt.timedelta(days=150))

    def day(name: str, default: dt.date) -> dt.date:
        raw = (params.get(name) or "").strip()
        if not raw:
            return default
        try:
            return read_day(raw)
        except ValueError:
            errors.append(f"Ngày «{raw[:20]}» không đúng dạng ngày/tháng/năm, đã dùng ngày mặc định.")
            return default

    start, end = day("from", default_start), day("to", today)
    if end < start:
        errors.append("«Đến ngày» trước «từ ngày»: đã đổi chỗ hai ngày.")
        start, end = end, start
    form = params.get("form") or default_form
    if form not in forms:
        errors.append("Mẫu phiếu không có, đã dùng mẫu mặc định.")
        form = default_form
    return Filters(start, end, form, (params.get("unit") or "").strip() or None,
                   (params.get("procedure") or "").strip() or None), errors
