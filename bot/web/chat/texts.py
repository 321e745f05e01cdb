"""What the web chat page and its endpoints say to citizens."""

from __future__ import annotations

LIMIT = (
    "Dạ, tin nhắn chưa được gửi vì vượt giới hạn của khung trò chuyện (tin quá dài hoặc gửi quá nhanh). "
    "Anh/Chị vui lòng rút gọn tin nhắn hoặc chờ khoảng một phút rồi gửi lại ạ."
)
EMPTY = "Dạ, Anh/Chị vui lòng nhập câu hỏi trước khi gửi ạ."
BAD_REQUEST = "Dạ, tin nhắn không hợp lệ nên chưa được gửi. Anh/Chị vui lòng tải lại trang rồi thử lại ạ."
BUSY = "Dạ, hệ thống đang bận nên chưa nhận được tin nhắn. Trang sẽ tự gửi lại sau ít giây ạ."
NO_SESSION = "Dạ, phiên trò chuyện đã hết hạn. Anh/Chị vui lòng tải lại trang ạ."
FORBIDDEN = "Dạ, trang này không được phép gửi tin nhắn tới trợ lý."
