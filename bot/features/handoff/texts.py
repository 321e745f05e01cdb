"""What the citizen is told about a handoff (Vietnamese, short, polite)."""

from __future__ import annotations

WAITING = (
    "Dạ, em đã chuyển yêu cầu của Anh/Chị tới cán bộ Trung tâm. Anh/Chị vui lòng chờ trong giây lát, "
    "cán bộ sẽ nhắn lại ngay tại đây. Anh/Chị có thể nhắn trước nội dung cần hỏi. "
    "Không muốn chờ nữa, Anh/Chị gõ «huỷ»; cần gấp, Anh/Chị gọi {phone} ạ."
)
CANCEL_BUTTON = "Huỷ yêu cầu"
TAKEN = "Dạ, cán bộ Trung tâm đã tiếp nhận. Anh/Chị nhắn nội dung cần hỗ trợ, cán bộ sẽ trả lời trực tiếp ạ."
BACK = (
    "Dạ, cán bộ đã kết thúc trao đổi. Em là trợ lý ảo, tiếp tục hỗ trợ Anh/Chị: "
    "Anh/Chị cứ gõ câu hỏi về thủ tục, hoặc «gặp cán bộ» khi cần ạ."
)
CANCELLED = "Dạ, em đã huỷ yêu cầu gặp cán bộ. Anh/Chị cần hỏi gì về thủ tục cứ nhắn cho em ạ."
ENDED = "Dạ, em đã kết thúc trao đổi với cán bộ. Anh/Chị cần hỏi gì về thủ tục cứ nhắn cho em ạ."
DISABLED = "Dạ, hiện chưa có cán bộ trực tuyến. Anh/Chị vui lòng gọi {phone} trong giờ làm việc ạ."


def outside_hours(code: str, hours: list[str], phone: str) -> str:
    return (
        "Dạ, hiện ngoài giờ làm việc nên chưa có cán bộ trực. Em đã ghi nhận yêu cầu của Anh/Chị thành "
        f"phản ánh, kiến nghị mã {code}; cán bộ sẽ trả lời Anh/Chị qua tin nhắn này trong giờ làm việc:\n"
        + "\n".join(f"• {h}" for h in hours) + f"\nAnh/Chị cũng có thể gọi {phone} trong giờ làm việc ạ."
    )


def not_taken(code: str) -> str:
    return (
        "Dạ, hiện các cán bộ đều đang bận nên chưa nhận được yêu cầu của Anh/Chị. Em đã ghi nhận thành "
        f"phản ánh, kiến nghị mã {code}; cán bộ sẽ trả lời Anh/Chị qua tin nhắn này sớm nhất ạ."
    )


def ticket_text(lines: list[str]) -> str:
    """The ticket's content: what the citizen wrote while waiting."""
    return "Yêu cầu gặp cán bộ chưa được tiếp nhận trực tiếp.\n" + "\n".join(lines)
