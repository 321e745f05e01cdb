"""What the assistant says about a citizen's personal data (/dulieu, /xoadulieu), in plain Vietnamese."""

from __future__ import annotations

import datetime as dt

from bot.features.dossiers.fields import VN_TZ, as_utc

ERASE_BUTTON = "Xoá dữ liệu"
CANCEL_BUTTON = "Huỷ"
NOTHING_HELD = (
    "Dạ, hiện em không lưu dữ liệu nào gắn với cuộc trò chuyện này của Anh/Chị "
    "(ngoài nội dung đang trao đổi) ạ."
)
HEAD = "Dạ, đây là dữ liệu em đang lưu gắn với cuộc trò chuyện này:"
FOOT = "Để xoá, Anh/Chị gõ /xoadulieu. Phiếu đánh giá đã gửi sẽ được giữ lại nhưng không còn gắn với Anh/Chị."
CONFIRM = (
    "Dạ, Anh/Chị muốn xoá toàn bộ dữ liệu gắn với cuộc trò chuyện này: các đồng ý đã ghi nhận, hồ sơ đang "
    "theo dõi, phiếu đánh giá đang làm dở, nội dung phản ánh và trạng thái trò chuyện.\n"
    "Phiếu đánh giá đã gửi được giữ lại để thống kê nhưng không còn gắn với Anh/Chị hay mã hồ sơ. "
    "Việc xoá không hoàn tác được. Anh/Chị xác nhận ạ?"
)
# Also how the purge recognises (and removes, once delivered) the last message sent to an erased chat.
ERASED = (
    "Dạ, em đã xoá dữ liệu gắn với cuộc trò chuyện này. Anh/Chị sẽ không nhận thông báo hồ sơ nữa. "
    "Khi cần, Anh/Chị cứ nhắn em như lần đầu ạ."
)
CANCELLED = "Dạ, em không xoá gì cả. Dữ liệu của Anh/Chị vẫn giữ nguyên ạ."
ASK_AGAIN = "Dạ, yêu cầu xoá đã hết hiệu lực. Anh/Chị gõ /xoadulieu nếu vẫn muốn xoá dữ liệu ạ."

FLOW_LABELS = {
    "dossier": "đang tra cứu hồ sơ",
    "survey": "đang đánh giá",
    "feedback": "đang soạn phản ánh",
    "privacy": "đang xác nhận xoá dữ liệu",
    "handoff": "đang chờ hoặc đang trao đổi với cán bộ",
}


def when(value: dt.datetime | None) -> str:
    """dd/mm/yyyy HH:MM in Vietnam time (naive values are taken as UTC, as SQLite returns them)."""
    return as_utc(value).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M") if value is not None else "—"


def section(title: str, lines: list[str]) -> str:
    return "\n".join([f"\n{title}:", *(f"• {line}" for line in lines)])
