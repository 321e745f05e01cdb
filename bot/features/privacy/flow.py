"""/dulieu (what is held about this chat) and /xoadulieu (erase it, after a confirmation with buttons).

The confirmation lives in the flow state; "Xoá" is only acted on while it is
pending, so an old button cannot erase anything. After the erasure the turn's
conversation row is gone: the object is detached from the session so the
dialogue's own bookkeeping (offered buttons, updated_at) does not write it back.
"""

from __future__ import annotations

import re

from bot.core.flows import Turn
from bot.core.messages import Button, Reply
from bot.features.privacy import texts
from bot.features.privacy.service import Held, PrivacyService
from knowledge_base.schema import Procedure
from nlu.normalize import reply_form

NAME = "privacy"
_SHOW = re.compile(r"^(?:dulieu|(?:xem |cho (?:toi|em|minh) xem )?du lieu (?:cua )?(?:toi|em|minh)(?: la gi)?)$")
_ERASE = re.compile(r"^(?:xoadulieu|xoa (?:het |toan bo )?du lieu(?: cua (?:toi|em|minh))?)$")
_YES = re.compile(r"^(?:xoa|xoa du lieu|dong y|co|dong y xoa|xac nhan)$")


def _command(turn: Turn) -> str | None:
    if turn.msg.payload is not None:
        return None
    folded = reply_form(turn.text.strip().lstrip("/"))
    if _ERASE.match(folded):
        return "erase"
    if _SHOW.match(folded):
        return "show"
    return None


class PrivacyFlow:
    name = NAME
    intents: frozenset[str] = frozenset()  # commands only: claimed, never guessed by the NLU

    def __init__(self, service: PrivacyService, procedures: dict[str, Procedure]) -> None:
        self._svc = service
        self._procedures = procedures

    def claims(self, turn: Turn) -> bool:
        return _command(turn) is not None

    async def start(self, turn: Turn) -> list[Reply]:
        if _command(turn) == "erase":
            turn.set_flow_state({"name": NAME, "step": "confirm"})
            return [Reply(texts.CONFIRM, (
                Button(texts.ERASE_BUTTON, f"{NAME}:erase"), Button(texts.CANCEL_BUTTON, f"{NAME}:cancel"),
            ))]
        turn.set_flow_state(None)
        held = await self._svc.held(turn.session, turn.msg.channel, turn.msg.user_id)
        return [Reply(self.render(held))]

    async def resume(self, turn: Turn) -> list[Reply] | None:
        pending = turn.flow_state.get("name") == NAME and turn.flow_state.get("step") == "confirm"
        payload = turn.msg.payload
        if payload is not None:
            if not payload.startswith(f"{NAME}:"):
                turn.set_flow_state(None)
                return None
            action = payload.removeprefix(f"{NAME}:")
            if action == "erase":
                return await self._erase(turn) if pending else [Reply(texts.ASK_AGAIN)]
            turn.set_flow_state(None)
            return [Reply(texts.CANCELLED)]
        if _command(turn) is not None:
            return await self.start(turn)
        turn.set_flow_state(None)
        if pending and _YES.match(reply_form(turn.text)):
            return await self._erase(turn)
        return [Reply(texts.CANCELLED)] if pending else None

    async def _erase(self, turn: Turn) -> list[Reply]:
        await self._svc.erase(turn.session, turn.msg.channel, turn.msg.user_id)
        turn.session.expunge(turn.conv)
        return [Reply(texts.ERASED)]  # no buttons: they would be remembered in the erased conversation

    def render(self, h: Held) -> str:
        if h.empty:
            return texts.NOTHING_HELD
        parts = [texts.HEAD]
        consents = [
            f"Nhận thông báo về hồ sơ {code} — đồng ý lúc {texts.when(granted)}"
            + (f", đã huỷ lúc {texts.when(revoked)}" if revoked else "")
            for code, _, granted, revoked in h.subscriptions
        ] + [
            f"Tham gia khảo sát hài lòng{f' về hồ sơ {code}' if code else ''} — đồng ý lúc {texts.when(granted)}"
            for code, _, granted in h.survey_consents
        ]
        if consents:
            parts.append(texts.section("Các đồng ý đã ghi nhận", consents))
        if h.verified:
            parts.append(texts.section("Hồ sơ Anh/Chị đã xác minh (mã hồ sơ)", sorted(h.verified)))
        surveys = [
            f"Hồ sơ {code or '—'}: đang làm dở, đã trả lời {position} câu (lần cuối {texts.when(at)})"
            for code, position, at in h.drafts
        ] + [f"Hồ sơ {code or '—'}: đã gửi lúc {texts.when(at)}" for code, at in h.submitted]
        if h.invitations:
            surveys.append(f"{h.invitations} lời mời đánh giá")
        if surveys:
            parts.append(texts.section("Phiếu đánh giá", surveys))
        if h.tickets:
            parts.append(texts.section("Phản ánh, kiến nghị", [
                f"{code} — gửi lúc {texts.when(at)}" + (" (đang chờ xử lý)" if status == "new" else "")
                for code, status, at in h.tickets
            ]))
        state = self._state_lines(h)
        if state:
            parts.append(texts.section("Trạng thái trò chuyện và tin nhắn", state))
        parts.append("\n" + texts.FOOT)
        return "\n".join(parts)

    def _state_lines(self, h: Held) -> list[str]:
        lines: list[str] = []
        conv = h.conversation
        if conv is not None:
            lines.append(f"Bắt đầu trò chuyện lúc {texts.when(conv.created_at)}")
            if conv.last_procedure and (p := self._procedures.get(conv.last_procedure)):
                lines.append(f"Thủ tục hỏi gần nhất: {p.name.removeprefix('Thủ tục ')}")
            flow = (conv.pending or {}).get("flow")
            if isinstance(flow, dict) and (label := texts.FLOW_LABELS.get(str(flow.get("name")))):
                lines.append(f"Việc đang làm dở: {label}")
            if (conv.pending or {}).get("handoff"):  # bot/features/handoff: kept beside any flow's state
                lines.append("Yêu cầu gặp cán bộ đang mở: cán bộ Trung tâm xem được các tin nhắn trao đổi")
        if h.lookup_failures:
            lines.append(f"{h.lookup_failures} lần tra cứu hồ sơ chưa khớp (giữ 24 giờ để chống dò mã)")
        if h.outbox_pending:
            lines.append(f"{h.outbox_pending} tin nhắn đang chờ gửi")
        if h.outbox_kept:
            lines.append(f"{h.outbox_kept} tin nhắn đã gửi (giữ ngắn hạn để tránh gửi trùng)")
        if h.inbox:
            lines.append(f"{h.inbox} tin nhắn đã nhận (nội dung đã xoá sau khi trả lời; giữ ngắn hạn để chống trùng)")
        return lines
