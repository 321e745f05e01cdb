"""What the assistant says about dossiers, in plain Vietnamese. One place, so wording is reviewed once."""

from __future__ import annotations

import datetime as dt

from bot.features.dossiers.fields import CLOSED, FINISHED, STATUS_LABELS
from bot.features.dossiers.models import Dossier

EXAMPLE_CODE = "000.00.27.H49-251120-0031"
CONSENT_VERSION = "dossier-notify-v1"

ASK_CODE = (
    "Dạ, để tra cứu hồ sơ, Anh/Chị cho em xin mã hồ sơ in trên giấy biên nhận (ví dụ: "
    f"{EXAMPLE_CODE}) ạ."
)
CODE_NOT_RECOGNISED = (
    "Dạ, em chưa nhận ra mã hồ sơ. Anh/Chị vui lòng gõ đầy đủ mã in trên giấy biên nhận, "
    f"gồm cả phần đầu, ngày và số thứ tự (ví dụ: {EXAMPLE_CODE}) ạ."
)
DIGITS_FORMAT = "Dạ, Anh/Chị vui lòng nhập đúng 4 chữ số cuối của số điện thoại (ví dụ: 5678) ạ."
# One reply for "no such dossier" and "wrong digits": it must not tell them apart.
NOT_MATCHED = (
    "Dạ, mã hồ sơ hoặc 4 số cuối điện thoại chưa khớp. Anh/Chị kiểm tra lại giấy biên nhận "
    "rồi nhập lại 4 số cuối, hoặc gõ lại mã hồ sơ ạ."
)
STOPPED = "Dạ, em đã dừng tra cứu. Anh/Chị cần gì thêm cứ nhắn em ạ."
SUBSCRIBE_EXPIRED = "Dạ, phiên tra cứu đã hết hạn. Anh/Chị vui lòng tra cứu lại hồ sơ để đăng ký nhận thông báo ạ."
NOT_SUBSCRIBED = "Dạ, hiện Anh/Chị không theo dõi hồ sơ nào ạ."
SUBSCRIBE_BUTTON = "Nhận thông báo khi có thay đổi"
UNSUBSCRIBE_BUTTON = "Hủy theo dõi"
OTHER_BUTTON = "Tra cứu hồ sơ khác"


def ask_digits(code: str) -> str:
    return (
        f"Dạ, để bảo vệ thông tin, Anh/Chị cho em xin 4 số cuối của số điện thoại đã đăng ký "
        f"khi nộp hồ sơ {code} ạ."
    )


def chat_limited(hotline: str) -> str:
    return (
        "Dạ, Anh/Chị đã nhập chưa đúng nhiều lần. Để bảo vệ thông tin hồ sơ, em tạm dừng tra cứu "
        "trong 15 phút. Nếu cần gấp, Anh/Chị mang giấy biên nhận đến quầy tiếp nhận hoặc gọi "
        f"{hotline} ạ."
    )


def cooling_down(hotline: str) -> str:
    return (
        "Dạ, mã hồ sơ này đã bị nhập sai thông tin xác minh nhiều lần nên tạm khóa tra cứu qua tin nhắn "
        "trong 24 giờ để bảo vệ thông tin. Nếu đây là hồ sơ của Anh/Chị, vui lòng mang giấy biên nhận "
        f"và giấy tờ tùy thân đến quầy tiếp nhận, hoặc gọi {hotline} để được hỗ trợ ạ."
    )


def consent_purpose(code: str) -> str:
    """The purpose recorded with the consent: exactly what the citizen agreed to."""
    return f"Nhắn tin qua tài khoản chat này khi trạng thái hồ sơ {code} thay đổi."


def subscribed(code: str) -> str:
    return (
        f"Dạ, em đã ghi nhận. Khi trạng thái hồ sơ {code} thay đổi, em sẽ nhắn Anh/Chị qua tài khoản "
        "này. Anh/Chị gõ «hủy theo dõi» bất cứ lúc nào để dừng nhận thông báo ạ."
    )


def already_subscribed(code: str) -> str:
    return f"Dạ, Anh/Chị đã đăng ký nhận thông báo cho hồ sơ {code} rồi ạ."


def unsubscribed(codes: list[str]) -> str:
    return f"Dạ, em đã dừng gửi thông báo về hồ sơ {', '.join(codes)}. Cảm ơn Anh/Chị ạ."


# Per status: what it means and what the citizen should do next.
_MEANING: dict[int, tuple[str, str]] = {
    1: ("Hồ sơ nộp trực tuyến đã được ghi nhận, đang chờ cán bộ tiếp nhận.",
        "Anh/Chị chờ cán bộ kiểm tra và tiếp nhận; nếu cần bổ sung, cán bộ sẽ báo cho Anh/Chị."),
    2: ("Hồ sơ đã được tiếp nhận và chuyển đến cơ quan giải quyết.",
        "Anh/Chị chưa cần làm gì thêm, chờ đến ngày hẹn trả kết quả."),
    3: ("Hồ sơ không được tiếp nhận; lý do ghi trong thông báo của cán bộ tiếp nhận.",
        "Anh/Chị xem thông báo, chuẩn bị lại hồ sơ theo hướng dẫn, hoặc liên hệ quầy tiếp nhận, "
        "gọi {hotline} để được giải thích."),
    4: ("Hồ sơ đang được cơ quan có thẩm quyền giải quyết.",
        "Anh/Chị chưa cần làm gì thêm, chờ đến ngày hẹn trả kết quả."),
    5: ("Hồ sơ cần bổ sung, hoàn thiện giấy tờ trước khi giải quyết tiếp.",
        "Anh/Chị xem phiếu yêu cầu bổ sung (gửi qua tin nhắn, thư điện tử hoặc tại quầy) để biết giấy tờ "
        "cần nộp thêm, nơi nộp và thời hạn; cần hỏi thêm, gọi {hotline}."),
    6: ("Hồ sơ đang chờ Anh/Chị nộp phí, lệ phí hoặc thuế.",
        "Anh/Chị nộp theo thông báo nộp tiền (tại quầy, chuyển khoản hoặc trên Cổng Dịch vụ công); "
        "sau khi nộp, hồ sơ được giải quyết tiếp."),
    7: ("Hồ sơ đã được rút theo yêu cầu của Anh/Chị.",
        "Nếu cần làm lại, Anh/Chị nộp hồ sơ mới."),
    8: ("Hồ sơ đã bị dừng xử lý; lý do ghi trong văn bản thông báo gửi Anh/Chị.",
        "Anh/Chị liên hệ quầy tiếp nhận hoặc gọi {hotline} để được hướng dẫn."),
    9: ("Hồ sơ đã giải quyết xong, kết quả đang chờ Anh/Chị đến nhận.",
        "Anh/Chị mang giấy biên nhận và giấy tờ tùy thân đến {unit} trong giờ làm việc để nhận kết quả "
        "(hoặc chờ bưu điện chuyển, nếu Anh/Chị đã đăng ký nhận qua bưu điện)."),
    10: ("Kết quả đã được trả cho Anh/Chị.", "Anh/Chị không cần làm gì thêm. Cảm ơn Anh/Chị!"),
}
_TIMELINESS = {"early": "trước hạn", "on_time": "đúng hạn", "late": "trễ hạn"}


def _day(value: dt.datetime) -> str:
    return value.strftime("%d/%m/%Y")


def is_late(d: Dossier, today: dt.date) -> bool:
    """Still open past its appointment day (processing, or waiting on the centre)."""
    open_statuses = {1, 2, 4, 5, 6}
    return d.status in open_statuses and d.appointment_at is not None and today > d.appointment_at.date()


def _status_lines(d: Dossier, today: dt.date, hotline: str) -> list[str]:
    meaning, next_step = _MEANING[d.status]
    lines = [f"• Trạng thái: {STATUS_LABELS[d.status]}. {meaning}"]
    if d.status in FINISHED and d.completed_at is not None:
        when = _TIMELINESS.get(d.timeliness or "", "")
        lines.append(f"• Ngày giải quyết xong: {_day(d.completed_at)}" + (f" ({when})" if when else ""))
    elif d.status not in CLOSED and d.appointment_at is not None:
        lines.append(f"• Ngày hẹn trả kết quả: {_day(d.appointment_at)}")
    lines.append("Việc cần làm: " + next_step.format(hotline=hotline, unit=d.unit or "nơi đã nộp hồ sơ"))
    if is_late(d, today):
        lines.append(
            f"Hồ sơ đã quá ngày hẹn trả kết quả. Theo quy định, cơ quan giải quyết phải gửi Anh/Chị phiếu "
            "xin lỗi và hẹn lại ngày trả kết quả. Nếu chưa nhận được, Anh/Chị vui lòng liên hệ quầy tiếp nhận "
            f"hoặc gọi {hotline} ạ."
        )
    return lines


def status_reply(
    d: Dossier, procedure_name: str | None, today: dt.date, hotline: str, subscribed: bool
) -> str:
    """The status for a verified chat."""
    lines = [f"Dạ, thông tin hồ sơ {d.code}:"]
    if d.applicant_masked:
        lines.append(f"• Người nộp: {d.applicant_masked}")
    lines.append(f"• Thủ tục: {procedure_name or d.procedure_code}")
    if d.unit:
        lines.append(f"• Nơi tiếp nhận: {d.unit}")
    if d.received_at is not None:
        lines.append(f"• Ngày tiếp nhận: {_day(d.received_at)}")
    lines += _status_lines(d, today, hotline)
    if subscribed:
        lines.append("Anh/Chị đang nhận thông báo khi hồ sơ thay đổi.")
    elif d.status not in CLOSED:
        lines.append(
            "Anh/Chị có muốn em nhắn tin khi hồ sơ có thay đổi không? Em chỉ dùng tài khoản chat này để "
            "báo tình trạng hồ sơ; Anh/Chị gõ «hủy theo dõi» để dừng bất cứ lúc nào."
        )
    return "\n".join(lines)


def notification(d: Dossier, today: dt.date, hotline: str) -> str:
    """Sent to each subscribed chat when the status changes."""
    lines = [f"Dạ, hồ sơ {d.code} Anh/Chị đang theo dõi vừa được cập nhật:"]
    lines += _status_lines(d, today, hotline)
    lines.append("(Gõ «hủy theo dõi» để dừng nhận thông báo.)")
    return "\n".join(lines)
