"""What the assistant says about surveys, feedback and results. Question wording lives in surveys/*.yml."""

from __future__ import annotations

from bot.features.dossiers.fields import STATUS_LABELS

CONSENT_YES = "Đồng ý"
CONSENT_NO = "Không, cảm ơn"
BACK = "Quay lại"
SKIP = "Bỏ qua"
SUBMIT = "Gửi đánh giá"
START_BUTTON = "Đánh giá ngay"
RESULTS_BUTTON = "Xem kết quả hài lòng"
FEEDBACK_BUTTON = "Gửi phản ánh, kiến nghị"
TICKET_NOW = "Gửi ngay"
NO_THANKS = "Không, cảm ơn"

ASK_CODE = (
    "Dạ, Anh/Chị cho em xin mã hồ sơ đã nhận kết quả (in trên giấy biên nhận, ví dụ: "
    "000.00.27.H49-251120-0031) để đánh giá ạ. Mỗi hồ sơ được đánh giá một lần.\n"
    "Anh/Chị cũng có thể xem kết quả khảo sát của Trung tâm hoặc gửi phản ánh, kiến nghị:"
)
CONSENT_DECLINED = (
    "Dạ, em hiểu ạ. Em sẽ không hỏi khảo sát về hồ sơ này. Cảm ơn Anh/Chị, chúc Anh/Chị một ngày tốt lành!"
)
INVITATION_DECLINED = "Dạ, em hiểu ạ. Em sẽ không nhắn mời đánh giá hồ sơ này nữa. Cảm ơn Anh/Chị!"
PAUSED = (
    "Dạ, em đã lưu các câu Anh/Chị đã trả lời. Khi nào tiện, Anh/Chị gõ «đánh giá» để làm tiếp "
    "từ câu đang dở ạ."
)
STOPPED = "Dạ, em đã dừng. Anh/Chị cần gì thêm cứ nhắn em ạ."
STALE = "Dạ, lời mời hoặc phiếu này không còn dùng được. Anh/Chị gõ «đánh giá» kèm mã hồ sơ để đánh giá ạ."
ALREADY_SUBMITTED = "Dạ, phiếu đánh giá của Anh/Chị đã được gửi rồi ạ. Em cảm ơn Anh/Chị!"
REVIEW_HEAD = "Dạ, Anh/Chị xem lại các câu trả lời:"
REVIEW_TAIL = "Anh/Chị bấm «Gửi đánh giá» để gửi (sau khi gửi không sửa được nữa), hoặc «Quay lại» để sửa câu cuối."
FIRST_HINT = "(Anh/Chị bấm nút hoặc gõ số thứ tự; gõ «quay lại» để sửa câu trước, «tạm dừng» để làm tiếp sau.)"
OFFER_TICKET = (
    "Em thấy Anh/Chị chưa hài lòng về: {topics}. Anh/Chị có muốn gửi phản ánh, kiến nghị để Trung tâm "
    "xem xét, trả lời không ạ? Anh/Chị sẽ nhận mã theo dõi."
)
ASK_TICKET_TEXT = (
    "Dạ, Anh/Chị mô tả ngắn gọn điều chưa hài lòng trong một tin nhắn (sự việc, nơi, thời gian), hoặc bấm "
    "«Gửi ngay» để gửi theo các câu Anh/Chị đã chọn. Trung tâm dùng nội dung này để xem xét, xử lý và có thể "
    "nhắn lại Anh/Chị qua tài khoản chat này."
)
NO_TICKET = "Dạ, em cảm ơn Anh/Chị. Anh/Chị cần phản ánh sau này cứ gõ «phản ánh» ạ."

# -- feedback (phản ánh, kiến nghị) --------------------------------------------------------------------
ASK_FEEDBACK = (
    "Dạ, Anh/Chị vui lòng nhắn nội dung phản ánh, kiến nghị trong một tin nhắn: sự việc, nơi, thời gian "
    "(nếu liên quan đến một hồ sơ, ghi kèm mã hồ sơ). Trung tâm chỉ dùng nội dung này để xem xét, xử lý và có "
    "thể nhắn lại Anh/Chị qua tài khoản chat này. Gõ «hủy» nếu Anh/Chị đổi ý ạ."
)
FEEDBACK_SEND = "Gửi phản ánh"
FEEDBACK_EDIT = "Sửa lại"
FEEDBACK_CANCEL = "Hủy"
FEEDBACK_CANCELLED = "Dạ, em đã hủy, chưa gửi phản ánh nào. Anh/Chị cần gì thêm cứ nhắn em ạ."
FEEDBACK_TOO_SHORT = "Dạ, nội dung hơi ngắn. Anh/Chị mô tả rõ hơn sự việc giúp em, hoặc gõ «hủy» để thôi ạ."


def not_handed_over(code: str, status: int) -> str:
    return (
        f"Dạ, hồ sơ {code} hiện ở trạng thái «{STATUS_LABELS.get(status, status)}», chưa trả kết quả nên chưa "
        "đánh giá được. Sau khi nhận kết quả, Anh/Chị gõ «đánh giá» kèm mã hồ sơ để đánh giá ạ."
    )


def already_rated(code: str) -> str:
    return (
        f"Dạ, hồ sơ {code} đã được đánh giá rồi ạ; mỗi hồ sơ chỉ đánh giá một lần. Em cảm ơn Anh/Chị đã quan tâm! "
        "Nếu cần phản ánh thêm, Anh/Chị gõ «phản ánh» ạ."
    )


def resuming(code: str | None) -> str:
    about = f" hồ sơ {code}" if code else ""
    return f"Dạ, mình tiếp tục phiếu đánh giá{about} đang làm dở nhé."


def invitation(code: str, questions: int, minutes: int) -> str:
    return (
        f"Dạ, hồ sơ {code} của Anh/Chị đã trả kết quả. Trung tâm rất mong Anh/Chị dành khoảng {minutes} phút "
        f"trả lời {questions} câu hỏi ngắn về sự phục vụ: ý kiến của Anh/Chị được tính vào Chỉ số hài lòng "
        "của Trung tâm và giúp cải thiện cách phục vụ. Việc tham gia là tự nguyện.\n"
        "Anh/Chị bấm «Đánh giá ngay» hoặc gõ «đánh giá» để bắt đầu ạ."
    )


def feedback_confirm(text: str) -> str:
    shown = text if len(text) <= 600 else text[:599] + "…"
    return f"Dạ, em ghi nhận nội dung phản ánh:\n«{shown}»\nAnh/Chị bấm «Gửi phản ánh» để gửi đến Trung tâm ạ."


def ticket_opened(code: str) -> str:
    return (
        f"Dạ, em đã chuyển phản ánh, kiến nghị của Anh/Chị đến Trung tâm. Mã theo dõi: {code}.\n"
        "Cán bộ sẽ xem xét và trả lời Anh/Chị; khi liên hệ Trung tâm, Anh/Chị đọc mã này để tra cứu ạ."
    )
