"""Typed schema of a knowledge-base procedure entry, validated at load."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ChannelKind = Literal["in_person", "online", "post"]
CHANNEL_LABELS: dict[str, str] = {
    "in_person": "Nộp trực tiếp",
    "online": "Nộp trực tuyến",
    "post": "Qua dịch vụ bưu chính",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rate(_Strict):
    """A fee amount that applies only for a period (e.g. a temporary reduction), with its legal basis.

    Outside its period the channel's standing ``fee_amount`` applies; an answer never shows a
    rate whose period has ended as the current fee.
    """

    amount: int | None = None  # đồng; None when the note gives no amount
    text: str | None = None  # wording shown with the amount (cases, e.g. a re-issue costs more)
    start: dt.date | None = None  # first day it applies; None: already in force
    end: dt.date | None = None  # last day it applies (inclusive); None: no end stated
    basis: str | None = None  # e.g. "Thông tư 64/2025/TT-BTC"

    @model_validator(mode="after")
    def _said(self) -> Rate:
        if self.amount is None and not self.text:
            raise ValueError("a rate needs an amount or a text")
        if self.start and self.end and self.start > self.end:
            raise ValueError("start is after end")
        return self

    def applies(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


class ChannelTerms(_Strict):
    """Processing time and fee for one submission channel (they differ per channel).

    ``fee_amount``/``fee_text`` are the standing fee (under ``fee_basis``); ``fee_rates`` are the
    dated values that replace it during their periods.
    """

    channel: ChannelKind
    time_text: str | None = None  # the official wording, e.g. "3 Ngày làm việc"
    time_days: float | None = None  # parsed amount; None when unknown
    time_unit: Literal["working_days", "days", "hours", "months"] | None = None
    fee_text: str | None = None  # the official wording
    fee_amount: int | None = None  # đồng; 0 when free; None when unknown
    description: str | None = None
    fee_note: str | None = None  # the portal's note beside the fee: rates by case, exemptions
    fee_basis: str | None = None  # legal basis of the standing fee
    fee_rates: list[Rate] = Field(default_factory=list)

    def rate_on(self, day: dt.date) -> Rate | None:
        """The dated rate in force on day (the one ending soonest when several apply)."""
        current = [r for r in self.fee_rates if r.applies(day)]
        return min(current, key=lambda r: r.end or dt.date.max, default=None)


class Document(_Strict):
    name: str
    form: str | None = None  # name or number of the template, e.g. "Tờ khai CT01"
    copies: str | None = None  # e.g. "1 bản chính", "1 bản sao"
    group: str | None = None  # e.g. "Giấy tờ phải nộp", "Giấy tờ phải xuất trình"


class LegalBasis(_Strict):
    title: str
    number: str | None = None


class Online(_Strict):
    available: bool
    level: Literal["full", "partial"] | None = None  # toàn trình / một phần
    url: str | None = None


class Source(_Strict):
    code: str
    decision: str | None = None
    url: str | None = None
    checked: dt.date
    imported: dt.date | None = None  # set on entries made by the importer from the national record


class Procedure(_Strict):
    code: str = Field(pattern=r"^\d\.\d{6}$")
    name: str = Field(min_length=3)
    level: list[str] = Field(min_length=1)  # "Cấp xã", "Cấp tỉnh", "Cấp bộ", "Cơ quan khác"
    field: str | None = None
    agency: str | None = None  # who decides / handles it
    where: str | None = None  # where to submit, in current (two-level) units
    who: str | None = None  # who may request it
    channels: list[ChannelTerms] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    steps: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    legal_basis: list[LegalBasis] = Field(default_factory=list)
    result: str | None = None
    online: Online | None = None
    aliases: list[str] = Field(default_factory=list)
    curated: bool = False
    source: Source

    @field_validator("aliases")
    @classmethod
    def _aliases_distinct(cls, value: list[str]) -> list[str]:
        seen = {a.casefold() for a in value}
        if len(seen) != len(value):
            raise ValueError("aliases must be distinct")
        return value

    def channel(self, kind: ChannelKind) -> ChannelTerms | None:
        return next((c for c in self.channels if c.channel == kind), None)


OfficeField = Literal["address", "hours", "hotline", "email", "website", "zalo", "telegram", "map_url"]


class Office(_Strict):
    """The centre's own contact information (office.yml).

    Fields listed in ``unconfirmed`` are not presented as the centre's own facts: the hotline is
    named as whose line it is (``hotline_owner``), the address and hours carry a caution.
    """

    name: str
    short_name: str
    address: str
    hours: list[str] = Field(min_length=1)
    hotline: str
    email: str | None = None
    website: str | None = None
    zalo: str | None = None
    telegram: str | None = None
    portal_url: str = "https://dichvucong.gov.vn"
    map_url: str | None = None
    hotline_owner: str | None = None  # whose line it is when not the centre's own, e.g. the national portal
    unconfirmed: list[OfficeField] = Field(default_factory=list)

    @property
    def phone(self) -> str:
        """How to name the phone line in a sentence ("gọi {phone}")."""
        if "hotline" in self.unconfirmed and self.hotline_owner:
            return f"tổng đài {self.hotline} của {self.hotline_owner}"
        return f"đường dây nóng {self.hotline}"
