"""Knowledge-base answers in short, polite Vietnamese: one function per aspect."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from bot.core import terms
from bot.core.messages import Button, Reply
from knowledge_base.schema import CHANNEL_LABELS, ChannelKind, ChannelTerms, Office, Procedure

# Aspect intents offered as buttons after an answer (≤ 5: Zalo's limit).
ASPECT_BUTTONS: tuple[tuple[str, str], ...] = (
    ("ask_documents", "Giấy tờ cần chuẩn bị"),
    ("ask_fee", "Lệ phí"),
    ("ask_processing_time", "Thời gian giải quyết"),
    ("ask_where", "Nộp ở đâu"),
    ("ask_steps", "Các bước thực hiện"),
)
# ... and after an overview given because the aspect asked was in doubt: the aspects citizens ask most.
UNSURE_BUTTONS: tuple[tuple[str, str], ...] = (
    ("ask_documents", "Giấy tờ"),
    ("ask_fee", "Lệ phí"),
    ("ask_processing_time", "Thời hạn"),
    ("ask_where", "Nơi nộp"),
    ("ask_online", "Nộp trực tuyến"),
)
MAX_LIST = 12


def _aspect_buttons(p: Procedure, exclude: str) -> tuple[Button, ...]:
    return tuple(Button(label, f"a:{intent}:{p.code}") for intent, label in ASPECT_BUTTONS if intent != exclude)


# A channel's short name when every channel has one fee or time ("Nộp trực tiếp hoặc trực tuyến: …").
_SHORT_CHANNEL: dict[ChannelKind, str] = {"in_person": "trực tiếp", "online": "trực tuyến", "post": "qua bưu chính"}


def _channel_lines(p: Procedure, what: str, day: dt.date) -> list[str]:
    """The fee or time per channel. Channels that all say the same are named together in one bullet,
    so what the record repeats for each channel (and its note) is read once; a time that differs by case
    (several rows of one channel) names its case, from its row's own description."""
    said: dict[str, list[ChannelKind]] = {}  # phrase → the channels that say it
    cases: dict[tuple[ChannelKind, str], str] = {}
    for c in p.channels:
        phrase = terms.fee_phrase(c, day) if what == "fee" else terms.time_phrase(c)
        if phrase:
            said.setdefault(phrase, [])
            if c.channel not in said[phrase]:
                said[phrase].append(c.channel)
            cases.setdefault((c.channel, phrase), _case(c) if what == "time" else "")
    every = {channel for channels in said.values() for channel in channels}

    def line(label: str, channel: ChannelKind, phrase: str, several: bool) -> str:
        case = cases[(channel, phrase)] if several else ""
        return f"• {label}: {phrase}" + (f" ({case})" if case else "")

    if len(every) > 1 and all(set(channels) == every for channels in said.values()):
        names = [name for kind, name in _SHORT_CHANNEL.items() if kind in every]
        label = f"Nộp {', '.join(names[:-1])} hoặc {names[-1]}"
        return [line(label, channels[0], phrase, len(said) > 1) for phrase, channels in said.items()]
    per_channel = [(channel, phrase) for phrase, channels in said.items() for channel in channels]
    per_channel.sort(key=lambda pair: [c.channel for c in p.channels].index(pair[0]))
    counts = {channel: sum(1 for c, _ in per_channel if c == channel) for channel, _ in per_channel}
    return [line(CHANNEL_LABELS[channel], channel, phrase, counts[channel] > 1) for channel, phrase in per_channel]


_CLAUSE = re.compile(r"(?<=[.;])\s+|\s(?=[+*-]\s)")
_NUMBERED = re.compile(r"^\(\d+\)\s*")  # "(1) Trường hợp …": the case's own number
CASE_LIMIT = 110


def _case(c: ChannelTerms) -> str:
    """The clause of a row's description that says which case its time is for: the one naming the time's
    number ("+ Cấp chứng nhận đăng ký xe: Không quá 02 ngày làm việc…"), else its first clause."""
    clauses = [_NUMBERED.sub("", x.strip(" +*-")) for x in _CLAUSE.split(c.description or "") if x.strip(" +*-")]
    number = re.compile(rf"(?<!\d)0*{c.time_days:g}(?!\d)") if c.time_days is not None else None
    case = next((x for x in clauses if number and number.search(x)), clauses[0] if clauses else "")
    return terms.shortened(case, CASE_LIMIT)


def _bullets(items: list[str], limit: int = MAX_LIST) -> str:
    lines = [f"• {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append(f"• … và {len(items) - limit} mục khác (xem trang chi tiết)")
    return "\n".join(lines)


def documents(p: Procedure, day: dt.date | None = None) -> str:
    if not p.documents:
        return f"Dạ, trang thủ tục chưa công bố thành phần hồ sơ của «{p.name}»."
    items = []
    for d in p.documents:
        extra = ", ".join(x for x in (d.form and f"mẫu {d.form}", d.copies) if x)
        items.append(f"{d.name}{f' ({extra})' if extra else ''}")
    # A document the record lists under two cases (online, in person) is read once.
    return f"Dạ, hồ sơ «{p.name}» gồm:\n{_bullets(list(dict.fromkeys(items)))}"


def fee(p: Procedure, day: dt.date) -> str:
    lines = _channel_lines(p, "fee", day)
    if not lines:
        return f"Dạ, trang thủ tục chưa công bố lệ phí của «{p.name}»; Anh/Chị vui lòng hỏi tại bộ phận một cửa."
    return f"Dạ, lệ phí «{p.name}»:\n" + "\n".join(lines)


def processing_time(p: Procedure, day: dt.date | None = None) -> str:
    lines = _channel_lines(p, "time", dt.date.min)
    if not lines:  # never a step's deadline instead: most are for a sub-step (a request to complete the file)
        return f"Dạ, trang thủ tục chưa công bố thời hạn giải quyết của «{p.name}»."
    return f"Dạ, thời hạn giải quyết «{p.name}»:\n" + "\n".join(lines)


# A step that says where the file goes ("… nộp hồ sơ tại Trung tâm …", "… gửi hồ sơ đến Sở Tư pháp …").
_FILED_AT = re.compile(
    r"\b(?:nộp|gửi)\b[^.;]{0,120}?\b(?:tại|đến)\s+(?:Trung tâm|Ủy ban|Uỷ ban|UBND|Bộ phận|Sở|Phòng|Công an|"
    r"Cơ quan|Văn phòng|Chi nhánh|Bảo hiểm|Cục|Tòa|Toà)",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")
STEP_LIMIT = 300
# Where a level's procedures are received when the record names no place (the one-stop desks).
LEVEL_DESK = {
    "Cấp xã": "Trung tâm Phục vụ hành chính công cấp xã (bộ phận một cửa)",
    "Cấp tỉnh": "Trung tâm Phục vụ hành chính công tỉnh",
}


def _step_saying(p: Procedure, pattern: re.Pattern[str]) -> str | None:
    """The record's own step sentence that says what its fields leave out (where to file)."""
    sentences = (part for s in p.steps for part in _SENTENCE_END.split(s))
    step = next((s for s in sentences if pattern.search(s)), None)
    if step is None:
        return None
    step = step.strip(" +-*;.")
    return terms.shortened(step, STEP_LIMIT)


def where(p: Procedure, day: dt.date | None = None) -> str:
    parts = [f"Dạ, «{p.name}»:"]
    if p.where:
        parts.append(f"• Nơi nộp: {p.where}")
    if p.agency:
        parts.append(f"• Cơ quan giải quyết: {p.agency}")
    if not p.where and (step := _step_saying(p, _FILED_AT)):
        parts.append(f"• Trình tự thực hiện ghi: «{step}»")
    elif not p.where and not p.agency:
        desks = [LEVEL_DESK[lv] for lv in p.level if lv in LEVEL_DESK]
        if desks:
            parts.append(f"• Trang thủ tục không ghi nơi nộp; thủ tục {', '.join(p.level).lower()} thường nộp tại "
                         f"{' hoặc '.join(desks)}")
    if p.online and p.online.available:
        parts.append(f"• Có thể nộp trực tuyến: {p.online.url or 'https://dichvucong.gov.vn'}")
    return "\n".join(parts)


def steps(p: Procedure, day: dt.date | None = None) -> str:
    if not p.steps:
        return f"Dạ, trang thủ tục chưa công bố trình tự thực hiện «{p.name}»."
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(p.steps[:MAX_LIST], 1))
    return f"Dạ, các bước thực hiện «{p.name}»:\n{numbered}"


def online(p: Procedure, day: dt.date | None = None) -> str:
    # The other ways the record lists ("nộp qua bưu điện được không" is asked as an online question).
    others = [name for kind, name in _SHORT_CHANNEL.items() if kind != "online" and p.channel(kind)]
    if p.online and p.online.available:
        level = {"full": " (toàn trình: nộp và nhận kết quả trực tuyến)", "partial": " (một phần)"}
        also = f"\nNgoài ra Anh/Chị có thể nộp {' hoặc '.join(others)}." if others else ""
        return (
            f"Dạ, «{p.name}» có thể nộp trực tuyến{level.get(p.online.level or '', '')} trên "
            f"Cổng Dịch vụ công quốc gia hoặc ứng dụng VNeID: {p.online.url or 'https://dichvucong.gov.vn'}{also}"
        )
    return f"Dạ, hiện «{p.name}» chưa nộp trực tuyến được; Anh/Chị nộp {' hoặc '.join(others) or 'trực tiếp'}."


def conditions(p: Procedure, day: dt.date | None = None) -> str:
    if not p.conditions:
        return f"Dạ, «{p.name}» không có yêu cầu, điều kiện riêng ngoài hồ sơ theo quy định."
    return f"Dạ, điều kiện thực hiện «{p.name}»:\n{_bullets(p.conditions)}"


_NAMES_FORM = re.compile(r"\b(?:mẫu|tờ khai)\b", re.IGNORECASE)


def forms(p: Procedure, day: dt.date | None = None) -> str:
    # A template named only in the document's own name ("Đơn … theo Mẫu số 18") is a form too.
    with_form = [d for d in p.documents if d.form or _NAMES_FORM.search(d.name)]
    if not with_form:
        return f"Dạ, «{p.name}» không có mẫu đơn, tờ khai riêng được công bố."
    items = list(dict.fromkeys(f"{d.form}: {d.name}" if d.form else d.name for d in with_form))
    return f"Dạ, mẫu đơn, tờ khai của «{p.name}»:\n{_bullets(items)}\nMẫu có tại bộ phận một cửa và trang chi tiết."


def overview(p: Procedure, day: dt.date, closing: str = "Anh/Chị muốn xem thêm phần nào ạ?") -> str:
    lines = [f"Dạ, «{p.name}»"]
    if p.where:
        lines.append(f"• Nơi nộp: {p.where}")
    times, fees = _channel_lines(p, "time", day), _channel_lines(p, "fee", day)
    if times:
        lines.append("• Thời hạn: " + times[0].split(": ", 1)[1])
    if fees:
        lines.append("• Lệ phí: " + fees[0].split(": ", 1)[1])
    lines.append(f"• Hồ sơ gồm {len(p.documents)} loại giấy tờ." if p.documents else "")
    lines.append(closing)
    return "\n".join(line for line in lines if line)


RENDERERS: dict[str, Callable[[Procedure, dt.date], str]] = {
    "ask_overview": overview,
    "ask_documents": documents,
    "ask_fee": fee,
    "ask_processing_time": processing_time,
    "ask_where": where,
    "ask_steps": steps,
    "ask_online": online,
    "ask_conditions": conditions,
    "ask_forms": forms,
}


def out_of_area(p: Procedure, serves: list[str]) -> str | None:
    """A note when this centre does not receive the procedure (e.g. ministry level)."""
    if any(level in serves for level in p.level):
        return None
    agency = p.agency or "cơ quan có thẩm quyền"
    link = (p.online.url if p.online else None) or p.source.url or "https://dichvucong.gov.vn"
    return (
        f"Lưu ý: thủ tục này ({', '.join(p.level)}) do {agency} giải quyết, không nộp tại Trung tâm; "
        f"nộp trực tuyến tại {link}."
    )


def answer(intent: str, p: Procedure, serves: list[str], day: dt.date) -> Reply:
    """The answer about one aspect of p as it stands on day (fees in force that day)."""
    body = RENDERERS[intent](p, day)
    note = out_of_area(p, serves)
    text = "\n\n".join(x for x in (body, note, terms.source_line(p)) if x)
    return Reply(_plain(text), _aspect_buttons(p, exclude=intent))


def unsure(p: Procedure, serves: list[str], day: dt.date) -> Reply:
    """The overview, when which aspect was asked is in doubt: a wrong aspect said with confidence misleads,
    the overview and a button per aspect do not."""
    body = overview(p, day, closing="Anh/Chị cần biết phần nào, mời chọn bên dưới ạ.")
    text = "\n\n".join(x for x in (body, out_of_area(p, serves), terms.source_line(p)) if x)
    return Reply(_plain(text), tuple(Button(label, f"a:{intent}:{p.code}") for intent, label in UNSURE_BUTTONS))


def _plain(text: str) -> str:
    """The records' no-break spaces as plain spaces: some chat clients show them oddly, and a citizen
    searching the text for a name must find it."""
    return text.replace("\xa0", " ")


UNCONFIRMED_NOTE = "(chưa được Trung tâm xác nhận, Anh/Chị vui lòng kiểm tra lại)"


def office_info(o: Office) -> str:
    """The centre's details; values the operator has not confirmed are said to be unconfirmed."""
    caution = {f: f" {UNCONFIRMED_NOTE}" for f in o.unconfirmed}
    lines = [f"Dạ, {o.name}", f"• Địa chỉ: {o.address}{caution.get('address', '')}"]
    lines.append(f"• Giờ làm việc{caution.get('hours', '')}:")
    lines += [f"   {h}" for h in o.hours]
    if "hotline" in o.unconfirmed:
        lines.append(f"• Hỗ trợ qua điện thoại: {o.phone} (không phải số riêng của Trung tâm)")
    else:
        lines.append(f"• Đường dây nóng: {o.hotline}")
    if o.email:
        lines.append(f"• Email: {o.email}")
    if o.website:
        lines.append(f"• Trang thông tin: {o.website}")
    return "\n".join(lines)
