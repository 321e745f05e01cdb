"""The dialogue: one incoming message in, replies out. Channel-agnostic."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import replace

from bot.core import answers
from bot.core.conversations import ConversationStore
from bot.core.flows import Flow, Turn
from bot.core.messages import Button, Incoming, Reply, offer_buttons
from bot.core.understanding import PROCEDURE_INTENTS, Understander, Understanding
from bot.storage.models import Conversation
from knowledge_base.resolver import Candidate
from knowledge_base.schema import Office, Procedure
from nlu.normalize import clean, normalize, small_number

log = logging.getLogger(__name__)
VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")


def vietnam_today() -> dt.date:
    """Today in Vietnam: the day whose fees and rates an answer gives."""
    return dt.datetime.now(VN_TZ).date()

MENU: tuple[Button, ...] = (
    Button("Hỏi về thủ tục", "m:procedures"),
    Button("Tra cứu hồ sơ", "m:check_dossier_status"),
    Button("Đánh giá, xem kết quả", "m:rate_service"),  # rating, /ketqua and feedback from one entry
    Button("Giờ làm việc, địa chỉ", "m:ask_office_info"),
    Button("Gặp cán bộ", "m:ask_human"),
)
DEGRADED_NOTE = "(Hệ thống đang chạy chế độ dự phòng, câu trả lời có thể chưa thật chính xác.)\n"
POPULAR = ("1.001193", "1.000894", "1.004222", "1.014061", "1.013978")


class Dialogue:
    """Answers citizens from the knowledge base, keeping per-chat state in the database."""

    def __init__(
        self,
        understander: Understander,
        procedures: dict[str, Procedure],
        office: Office,
        store: ConversationStore,
        serves_levels: list[str],
        flows: list[Flow] | None = None,
        today: Callable[[], dt.date] = vietnam_today,
    ) -> None:
        self.today = today  # the clock of every answer; tests move it to see a rate end
        self._flows = list(flows or [])
        self._understander = understander
        self._procedures = procedures
        self._office = office
        self._store = store
        self._serves = serves_levels

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Replies to one message; state changes are committed before returning."""
        text = clean(msg.text or "").strip()
        understanding = None
        if msg.payload is None and normalize(text) and not text.isdigit():
            understanding = await self._understander.understand(text)
        async with self._store.open(msg.channel, msg.user_id) as (session, conv):
            number = small_number(text) if msg.payload is None else None
            if number is not None and (chosen := self._typed_choice(conv, number)):
                msg = replace(msg, payload=chosen)
            turn = Turn(session, conv, msg, text, understanding)
            replies = await self._with_flows(turn)
            if replies is None:  # [] is a flow's deliberate silence (a clerk answers this chat)
                replies = self._respond(conv, msg, text, understanding)
            if understanding is not None and not understanding.nlu_used and replies:
                replies[0] = replace(replies[0], text=DEGRADED_NOTE + replies[0].text)
            conv.pending = offer_buttons(conv.pending, [[b.label, b.payload] for r in replies for b in r.buttons])
        return replies

    async def _with_flows(self, turn: Turn) -> list[Reply] | None:
        """Give the message to the active flow, or to the flow that owns its intent or button."""
        if turn.msg.payload is None and turn.text.startswith("/"):
            # A command interrupts whatever step is waiting (a receipt code, a survey answer).
            for flow in self._flows:
                if _claims(flow, turn):
                    return await flow.start(turn)
        active = turn.flow_state.get("name")
        for flow in self._flows:
            if flow.name == active and (replies := await flow.resume(turn)) is not None:
                return replies
        payload = turn.msg.payload or ""
        u = turn.understanding
        for flow in self._flows:
            if payload.startswith(f"{flow.name}:") and (replies := await flow.resume(turn)) is not None:
                return replies
            if (payload.startswith("m:") and payload[2:] in flow.intents) or (
                u is not None and u.intent in flow.intents and (u.sure or u.dossier_codes)
            ) or _claims(flow, turn):
                return await flow.start(turn)
        return None

    # -- routing -------------------------------------------------------------------------------------

    def _respond(self, conv: Conversation, msg: Incoming, text: str, u: Understanding | None) -> list[Reply]:
        payload = msg.payload
        if payload is None and text.isdigit():
            return [Reply("Dạ, Anh/Chị vui lòng chọn một số trong danh sách hoặc gõ câu hỏi ạ.", MENU)]
        if payload is not None:
            return self._on_payload(conv, payload)
        if u is None or not u.normalized:
            return [Reply("Dạ, Anh/Chị vui lòng gõ câu hỏi bằng chữ, ví dụ: «làm giấy khai sinh cần gì».", MENU)]
        return self._on_understanding(conv, u)

    def _typed_choice(self, conv: Conversation, number: int) -> str | None:
        offered: list[list[str]] = (conv.pending or {}).get("buttons") or []
        return offered[number - 1][1] if 1 <= number <= len(offered) else None

    def _on_payload(self, conv: Conversation, payload: str) -> list[Reply]:
        kind, _, rest = payload.partition(":")
        if kind == "a":  # an aspect of a procedure: a:<intent>:<code>
            intent, _, code = rest.partition(":")
            if intent in PROCEDURE_INTENTS and code in self._procedures:
                return [self._answer(conv, intent, code)]
        elif kind == "p":  # a procedure chosen for the pending question
            intent = (conv.pending or {}).get("intent") or "ask_overview"
            if rest in self._procedures:
                return [self._answer(conv, intent, rest)]
        elif kind == "m":
            return self._on_intent(conv, rest)
        return [Reply("Dạ, lựa chọn này đã cũ. Anh/Chị vui lòng chọn lại ạ.", MENU)]

    def _on_understanding(self, conv: Conversation, u: Understanding) -> list[Reply]:
        pending_intent = (conv.pending or {}).get("intent")
        intent = u.intent
        if intent not in PROCEDURE_INTENTS and pending_intent and u.procedure:
            intent = pending_intent  # the citizen answered "which procedure?" with its name
        if intent in PROCEDURE_INTENTS and (u.sure or u.procedure):
            return self._procedure_question(conv, intent, u)
        if not u.sure and intent not in {"check_dossier_status"}:
            return [self._not_understood()]
        return self._on_intent(conv, intent)

    # -- procedures ----------------------------------------------------------------------------------

    def _procedure_question(self, conv: Conversation, intent: str, u: Understanding) -> list[Reply]:
        res = u.resolution
        if res.kind == "confident":
            return [self._answer(conv, intent, res.candidates[0].code)]
        if res.kind == "ambiguous":
            conv.pending = {"intent": intent}
            return [Reply("Dạ, Anh/Chị hỏi về thủ tục nào ạ?", self._choices(res.candidates))]
        if u.names_procedure:  # a procedure was named but is not in the knowledge base
            return [self._unknown_procedure(res.candidates)]
        if conv.last_procedure in self._procedures:  # a follow-up: keep the procedure
            return [self._answer(conv, intent, conv.last_procedure)]
        conv.pending = {"intent": intent}
        popular = [self._candidate(c) for c in POPULAR if c in self._procedures]
        return [Reply(
            "Dạ, Anh/Chị cho em biết tên thủ tục ạ (ví dụ: «đăng ký khai sinh», «làm căn cước»), "
            "hoặc chọn một thủ tục thường gặp:",
            self._choices(popular),
        )]

    def _answer(self, conv: Conversation, intent: str, code: str) -> Reply:
        conv.last_procedure = code
        conv.pending = None
        return answers.answer(intent, self._procedures[code], self._serves, self.today())

    def _candidate(self, code: str) -> Candidate:
        return Candidate(code=code, name=self._procedures[code].name, score=1.0)

    @staticmethod
    def _choices(candidates: tuple[Candidate, ...] | list[Candidate]) -> tuple[Button, ...]:
        return tuple(Button(_short(c.name), f"p:{c.code}") for c in list(candidates)[:5])

    def _unknown_procedure(self, nearest: tuple[Candidate, ...]) -> Reply:
        text = (
            "Dạ, em chưa có thông tin về thủ tục này. "
            f"Anh/Chị vui lòng gọi {self._office.phone} để được hướng dẫn"
        )
        if nearest:
            return Reply(text + ", hoặc xem các thủ tục gần giống dưới đây ạ.", self._choices(nearest))
        return Reply(text + " ạ.", MENU)

    # -- everything else -----------------------------------------------------------------------------

    def _on_intent(self, conv: Conversation, intent: str) -> list[Reply]:
        o = self._office
        conv.pending = None
        simple: dict[str, Reply] = {
            "greet": Reply(
                f"Dạ, em chào Anh/Chị! Em là trợ lý ảo của {o.name}. Em có thể hướng dẫn thủ tục hành chính "
                "(giấy tờ, lệ phí, thời gian, nơi nộp), tra cứu hồ sơ và ghi nhận đánh giá của Anh/Chị.",
                MENU,
            ),
            "help": Reply(
                "Dạ, em có thể giúp Anh/Chị:\n• Hỏi thủ tục: giấy tờ cần chuẩn bị, lệ phí, thời gian, nơi nộp, "
                "các bước, nộp trực tuyến\n• Tra cứu tình trạng hồ sơ\n• Đánh giá sự hài lòng, góp ý, phản ánh\n"
                "• Xem kết quả khảo sát hài lòng của Trung tâm: gõ /ketqua\n"
                "• Xem hoặc xoá dữ liệu của Anh/Chị mà em đang lưu: gõ /dulieu hoặc /xoadulieu\n"
                "Anh/Chị cứ gõ câu hỏi, ví dụ: «đăng ký kết hôn cần giấy tờ gì».",
                MENU,
            ),
            "thank": Reply("Dạ, không có gì ạ. Anh/Chị cần hỏi thêm gì cứ nhắn cho em nhé!"),
            "goodbye": Reply("Dạ, em chào Anh/Chị. Chúc Anh/Chị một ngày tốt lành!"),
            "ask_human": Reply(
                f"Dạ, Anh/Chị vui lòng gọi {o.phone} để được hỗ trợ trong giờ làm việc:\n"
                + "\n".join(f"• {h}" for h in o.hours)
            ),
            "ask_office_info": Reply(answers.office_info(o)),
            "out_of_scope": Reply(
                "Dạ, em chỉ hỗ trợ được các câu hỏi về thủ tục hành chính, hồ sơ và dịch vụ của Trung tâm ạ. "
                "Anh/Chị cần hỏi gì về thủ tục không ạ?",
                MENU,
            ),
            "check_dossier_status": Reply(
                "Dạ, tính năng tra cứu hồ sơ qua tin nhắn sắp có. Hiện Anh/Chị tra cứu trên "
                f"{o.portal_url} hoặc gọi {o.phone} ạ."
            ),
            "rate_service": Reply(
                f"Dạ, tính năng đánh giá qua tin nhắn sắp có. Hiện Anh/Chị đánh giá trên {o.portal_url} "
                "bằng mã hồ sơ ạ. Cảm ơn Anh/Chị đã quan tâm!"
            ),
            "give_feedback": Reply(
                "Dạ, tính năng gửi phản ánh, kiến nghị qua tin nhắn sắp có. Hiện Anh/Chị vui lòng gọi "
                f"{o.phone} hoặc gửi trên {o.portal_url} ạ."
            ),
        }
        if intent == "procedures":
            conv.pending = {"intent": "ask_overview"}
            popular = [self._candidate(c) for c in POPULAR if c in self._procedures]
            return [Reply("Dạ, Anh/Chị gõ tên thủ tục cần hỏi, hoặc chọn một thủ tục thường gặp:",
                          self._choices(popular))]
        if intent in PROCEDURE_INTENTS:
            return [self._not_understood()]
        return [simple.get(intent) or self._not_understood()]

    def _not_understood(self) -> Reply:
        return Reply(
            "Dạ, em chưa hiểu rõ câu hỏi. Anh/Chị có thể hỏi lại ngắn gọn (ví dụ: «lệ phí làm hộ chiếu») "
            f"hoặc chọn mục dưới đây. Cần hỗ trợ thêm, Anh/Chị gọi {self._office.phone} ạ.",
            MENU,
        )


def _claims(flow: Flow, turn: Turn) -> bool:
    """Optional ``claims(turn) -> bool`` of a flow: its own commands (e.g. "hủy theo dõi"), any intent."""
    claims = getattr(flow, "claims", None)
    return bool(claims is not None and claims(turn))


def _short(name: str, limit: int = 60) -> str:
    name = name.removeprefix("Thủ tục ").strip()
    name = name[:1].upper() + name[1:]
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"

