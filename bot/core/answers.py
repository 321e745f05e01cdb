"""Knowledge-base answers in short, polite Vietnamese: one function per aspect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bot.core import terms
from bot.core.messages import Button, Reply
from knowledge_base.schema import CHANNEL_LABELS, ChannelTerms, Office, Procedure

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


def _channel_line(c: ChannelTerms, what: str, day: dt.date) -> str | None:
    phrase = terms.fee_phrase(c, day) if what == "fee" else terms.time_phrase(c)
    return f"• {CHANNEL_LABELS[c.channel]}: {phrase}" if phrase else None


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
    return f"Dạ, hồ sơ «{p.name}» gồm:\n{_bullets(items)}"


def fee(p: Procedure, day: dt.date) -> str:
    lines = [line for c in p.channels if (line := _channel_line(c, "fee", day))]
    if not lines:
        return f"Dạ, trang thủ tục chưa công bố lệ phí của «{p.name}»; Anh/Chị vui lòng hỏi tại bộ phận một cửa."
    return f"Dạ, lệ phí «{p.name}»:\n" + "\n".join(lines)


def processing_time(p: Procedure, day: dt.date | None = None) -> str:
    lines = [line for c in p.channels if (line := _channel_line(c, "time", dt.date.min))]
    if not lines:
        return f"Dạ, trang thủ tục chưa công bố thời hạn giải quyết của «{p.name}»."
    return f"Dạ, thời hạn giải quyết «{p.name}»:\n" + "\n".join(lines)


def where(p: Procedure, day: dt.date | None = None) -> str:
    parts = [f"Dạ, «{p.name}»:"]
    if p.where:
        parts.append(f"• Nơi nộp: {p.where}")
    if p.agency:
        parts.append(f"• Cơ quan giải quyết: {p.agency}")
    if p.online and p.online.available:
        parts.append(f"• Có thể nộp trực tuyến: {p.online.url or 'https://dichvucong.gov.vn'}")
    return "\n".join(parts)


def steps(p: Procedure, day: dt.date | None = None) -> str:
    if not p.steps:
        return f"Dạ, trang thủ tục chưa công bố trình tự thực hiện «{p.name}»."
    numbered = "\n".join(f"{i}. {s}" for i, s in enumerate(p.steps[:MAX_LIST], 1))
    return f"Dạ, các bước thực hiện «{p.name}»:\n{numbered}"


def online(p: Procedure, day: dt.date | None = None) -> str:
    if p.online and p.online.available:
        level = {"full": " (toàn trình: nộp và nhận kết quả trực tuyến)", "partial": " (một phần)"}
        return (
            f"Dạ, «{p.name}» có thể nộp trực tuyến{level.get(p.online.level or '', '')} trên "
            f"Cổng Dịch vụ công quốc gia hoặc ứng dụng VNeID: {p.online.url or 'https://dichvucong.gov.vn'}"
        )
    return f"Dạ, hiện «{p.name}» chưa nộp trực tuyến được; Anh/Chị nộp trực tiếp hoặc qua bưu chính."


def conditions(p: Procedure, day: dt.date | None = None) -> str:
    if not p.conditions:
        return f"Dạ, «{p.name}» không có yêu cầu, điều kiện riêng ngoài hồ sơ theo quy định."
    return f"Dạ, điều kiện thực hiện «{p.name}»:\n{_bullets(p.conditions)}"


def forms(p: Procedure, day: dt.date | None = None) -> str:
    with_form = [d for d in p.documents if d.form]
    if not with_form:
        return f"Dạ, «{p.name}» không có mẫu đơn, tờ khai riêng được công bố."
    items = [f"{d.form}: {d.name}" for d in with_form]
    return f"Dạ, mẫu đơn, tờ khai của «{p.name}»:\n{_bullets(items)}\nMẫu có tại bộ phận một cửa và trang chi tiết."


def overview(p: Procedure, day: dt.date, closing: str = "Anh/Chị muốn xem thêm phần nào ạ?") -> str:
    lines = [f"Dạ, «{p.name}»"]
    if p.where:
        lines.append(f"• Nơi nộp: {p.where}")
    times = [t for c in p.channels if (t := _channel_line(c, "time", day))]
    fees = [f for c in p.channels if (f := _channel_line(c, "fee", day))]
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
    return Reply(text, _aspect_buttons(p, exclude=intent))


def unsure(p: Procedure, serves: list[str], day: dt.date) -> Reply:
    """The overview, when which aspect was asked is in doubt: a wrong aspect said with confidence misleads,
    the overview and a button per aspect do not."""
    body = overview(p, day, closing="Anh/Chị cần biết phần nào, mời chọn bên dưới ạ.")
    text = "\n\n".join(x for x in (body, out_of_area(p, serves), terms.source_line(p)) if x)
    return Reply(text, tuple(Button(label, f"a:{intent}:{p.code}") for intent, label in UNSURE_BUTTONS))


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
