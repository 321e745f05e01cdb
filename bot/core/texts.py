"""What the core dialogue says, in plain Vietnamese. One place, so wording is reviewed once.

Answers about a procedure are composed in ``answers``; each feature keeps its own ``texts``.
"""

from __future__ import annotations

from knowledge_base.schema import Office

DEGRADED_NOTE = "(Hệ thống đang chạy chế độ dự phòng, câu trả lời có thể chưa thật chính xác.)\n"

MENU_PROCEDURES = "Hỏi về thủ tục"
MENU_DOSSIER = "Tra cứu hồ sơ"
MENU_RATE = "Đánh giá, xem kết quả"  # rating, /ketqua and feedback from one entry
MENU_OFFICE = "Giờ làm việc, địa chỉ"
MENU_HUMAN = "Gặp cán bộ"

PICK_FROM_LIST = "Dạ, Anh/Chị vui lòng chọn một số trong danh sách hoặc gõ câu hỏi ạ."
TYPE_WORDS = "Dạ, Anh/Chị vui lòng gõ câu hỏi bằng chữ, ví dụ: «làm giấy khai sinh cần gì»."
STALE_CHOICE = "Dạ, lựa chọn này đã cũ. Anh/Chị vui lòng chọn lại ạ."
WHICH_PROCEDURE = "Dạ, Anh/Chị hỏi về thủ tục nào ạ?"
# One procedure left, not sure enough to answer: asked to confirm rather than listed alone.
CONFIRM_PROCEDURE = "Dạ, có phải Anh/Chị hỏi về thủ tục «{name}» không ạ?"
CONFIRM_YES = "Đúng, thủ tục này"
CONFIRM_OTHER = "Không, thủ tục khác"
NAME_THE_PROCEDURE = (
    "Dạ, Anh/Chị cho em biết tên thủ tục ạ (ví dụ: «đăng ký khai sinh», «làm căn cước»), "
    "hoặc chọn một thủ tục thường gặp:"
)
TYPE_OR_PICK_PROCEDURE = "Dạ, Anh/Chị gõ tên thủ tục cần hỏi, hoặc chọn một thủ tục thường gặp:"
HELP = (
    "Dạ, em có thể giúp Anh/Chị:\n• Hỏi thủ tục: giấy tờ cần chuẩn bị, lệ phí, thời gian, nơi nộp, "
    "các bước, nộp trực tuyến\n• Tra cứu tình trạng hồ sơ\n• Đánh giá sự hài lòng, góp ý, phản ánh\n"
    "• Xem kết quả khảo sát hài lòng của Trung tâm: gõ /ketqua\n"
    "• Xem hoặc xoá dữ liệu của Anh/Chị mà em đang lưu: gõ /dulieu hoặc /xoadulieu\n"
    "Anh/Chị cứ gõ câu hỏi, ví dụ: «đăng ký kết hôn cần giấy tờ gì»."
)
THANK = "Dạ, không có gì ạ. Anh/Chị cần hỏi thêm gì cứ nhắn cho em nhé!"
GOODBYE = "Dạ, em chào Anh/Chị. Chúc Anh/Chị một ngày tốt lành!"
OUT_OF_SCOPE = (
    "Dạ, em chỉ hỗ trợ được các câu hỏi về thủ tục hành chính, hồ sơ và dịch vụ của Trung tâm ạ. "
    "Anh/Chị cần hỏi gì về thủ tục không ạ?"
)


def greet(o: Office) -> str:
    return (
        f"Dạ, em chào Anh/Chị! Em là trợ lý ảo của {o.name}. Em có thể hướng dẫn thủ tục hành chính "
        "(giấy tờ, lệ phí, thời gian, nơi nộp), tra cứu hồ sơ và ghi nhận đánh giá của Anh/Chị."
    )


def ask_human(o: Office) -> str:
    return f"Dạ, Anh/Chị vui lòng gọi {o.phone} để được hỗ trợ trong giờ làm việc:\n" + "\n".join(
        f"• {h}" for h in o.hours
    )


def unknown_procedure(o: Office, has_nearest: bool) -> str:
    if has_nearest:  # the records hold near matches: ask which, never "no information"
        return (
            "Dạ, em chưa chắc Anh/Chị hỏi thủ tục nào. Anh/Chị chọn thủ tục đúng dưới đây, "
            f"hoặc gõ lại tên thủ tục; cần hỗ trợ thêm, Anh/Chị gọi {o.phone} ạ."
        )
    return f"Dạ, em chưa có thông tin về thủ tục này. Anh/Chị vui lòng gọi {o.phone} để được hướng dẫn ạ."


def not_understood(o: Office) -> str:
    return (
        "Dạ, em chưa hiểu rõ câu hỏi. Anh/Chị có thể hỏi lại ngắn gọn (ví dụ: «lệ phí làm hộ chiếu») "
        f"hoặc chọn mục dưới đây. Cần hỗ trợ thêm, Anh/Chị gọi {o.phone} ạ."
    )
