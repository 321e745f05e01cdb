"""Realistic sample responses (`python -m bot surveys demo`) so exports and /ketqua can be tried at once.

Seeded, so a run on the same day gives the same numbers. Most citizens are
satisfied, a few are not (and some of those open a ticket), many never gave
feedback before ("Chưa góp ý lần nào"), dossiers are sometimes late. Sample rows
are marked ``origin = demo`` and replaced on the next run; they are not linked to
any dossier, so they never block a real rating.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.features.dossiers.fields import VN_TZ
from bot.features.surveys.models import FeedbackTicket, SurveyAnswer, SurveyResponse
from surveys.definitions import Question, SurveyForm

UNITS = (
    "Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh",
    "Trung tâm Phục vụ hành chính công phường Bãi Cháy",
    "Trung tâm Phục vụ hành chính công phường Hồng Gai",
)
# Popular procedures (codes of the knowledge base) and how often they come up.
PROCEDURES = {"1.001193": 9, "1.000894": 6, "1.004222": 4, "1.012783": 5, "1.013225": 3, "1.004884": 3,
              "1.004873": 2, "1.013978": 2, "3.000333": 1}
COMMENTS = (
    "Cán bộ hướng dẫn nhiệt tình, dễ hiểu.",
    "Phải chờ lâu quá, nên có thêm quầy vào giờ cao điểm.",
    "Mong bớt giấy tờ bản sao, nhiều giấy đã có trên VNeID.",
    "Chỗ để xe chật, trời nắng rất vất vả.",
    "Nộp trực tuyến nhanh, không phải đi lại.",
    "Máy lấy số hay bị lỗi.",
    "Kết quả trả sớm hơn hẹn, cảm ơn Trung tâm.",
    "Nên nhắn tin báo khi hồ sơ cần bổ sung để khỏi phải đi lại.",
    "=HYPERLINK(\"http://example.com\")",  # a hostile comment: exports must show it as text
)
TICKET_TEXTS = (
    "Tôi bị yêu cầu nộp thêm giấy tờ không có trong danh mục.",
    "Hồ sơ trễ hẹn mà không nhận được phiếu xin lỗi.",
    "Cán bộ quầy số 3 trả lời thiếu tôn trọng.",
)
_MOODS = (("happy", 0.8), ("neutral", 0.14), ("unhappy", 0.06))
_SCALE_BY_MOOD = {  # weights of 1..5 for each mood
    "happy": (0, 1, 4, 45, 50), "neutral": (2, 8, 50, 32, 8), "unhappy": (25, 45, 22, 7, 1),
}


@dataclass(frozen=True)
class Sample:
    response: dict[str, Any]
    answers: list[dict[str, Any]]
    ticket: dict[str, Any] | None


def _pick(rng: random.Random, weights: dict[str, float] | tuple[tuple[str, float], ...]) -> str:
    items = list(weights.items()) if isinstance(weights, dict) else list(weights)
    return rng.choices([k for k, _ in items], [w for _, w in items])[0]


def _answer(rng: random.Random, form: SurveyForm, q: Question, mood: str) -> str | None:
    scale = form.scale_of(q)
    if q.type == "text":
        return rng.choice(COMMENTS) if rng.random() < 0.22 else None
    if scale is None:
        return None
    values = [c.value for c in scale.choices]
    if q.role == "rating_766":
        order = {"happy": (0.55, 0.44, 0.01), "neutral": (0.1, 0.8, 0.1), "unhappy": (0.0, 0.3, 0.7)}[mood]
        return rng.choices(values, order)[0]
    if "na" in values and rng.random() < 0.45:
        return "na"  # most people never gave feedback before
    if all(v in values for v in ("1", "2", "3", "4", "5")):
        return rng.choices(["1", "2", "3", "4", "5"], _SCALE_BY_MOOD[mood])[0]
    if set(scale.dissatisfied) and mood != "unhappy":
        clean = [v for v in values if v not in scale.dissatisfied]
        return clean[0] if clean else rng.choice(values)
    weights = [3 if v in ("thu_tuc", "thoi_gian") else 1 for v in values]
    return rng.choices(values, weights)[0]


def samples(form: SurveyForm, count: int, today: dt.date, *, days: int = 120, seed: int = 766,
            first_id: int | None = None) -> Iterator[Sample]:
    """``count`` submitted responses spread over the ``days`` before ``today`` (Vietnam time).

    ``first_id`` presets the ids, so a bulk loader (the benchmark) can write answers without RETURNING.
    """
    rng = random.Random(seed)
    for i in range(count):
        day = today - dt.timedelta(days=1 + rng.randrange(days))  # never today: nothing in the future
        if day.weekday() == 6:  # the centre is closed on Sundays
            day -= dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(rng.randrange(7, 17), rng.randrange(60)), VN_TZ)
        submitted = local.astimezone(dt.UTC)
        mood = _pick(rng, _MOODS)
        via = "telegram" if rng.random() < 0.55 else "zalo"
        response: dict[str, Any] = {
            "dossier_id": None, "dossier_code": None, "form_id": form.id, "form_version": form.version,
            "via": via, "channel": via, "user_id": f"demo-{i + 1:05d}",
            "procedure_code": _pick(rng, {k: float(v) for k, v in PROCEDURES.items()}),
            "unit": rng.choice(UNITS), "late": rng.random() < (0.25 if mood == "unhappy" else 0.04),
            "origin": "demo", "position": len(form.questions), "consent_id": None,
            "started_at": submitted - dt.timedelta(minutes=3), "updated_at": submitted, "submitted_at": submitted,
        }
        if first_id is not None:
            response["id"] = first_id + i
        answers = []
        for q in form.questions:
            value = _answer(rng, form, q, mood)
            if value is not None:
                answers.append({"question_id": q.id, "value": value, "answered_at": submitted})
        ticket = None
        if mood == "unhappy" and rng.random() < 0.35:
            ticket = {
                "tracking_code": f"PA-{local:%y%m%d}-D{i:03d}"[:24], "source": "demo", "channel": via,
                "user_id": response["user_id"], "dossier_id": None, "unit": response["unit"],
                "topics": ["Đánh giá chung (QĐ 766): Không hài lòng"], "text": rng.choice(TICKET_TEXTS),
                "status": rng.choice(("new", "new", "in_progress", "answered")), "created_at": submitted,
            }
        yield Sample(response, answers, ticket)


async def load_demo(session: AsyncSession, form: SurveyForm, count: int, today: dt.date) -> tuple[int, int]:
    """Replace the previous sample rows; (responses, tickets) written."""
    await session.execute(delete(FeedbackTicket).where(FeedbackTicket.source == "demo"))
    await session.execute(delete(SurveyResponse).where(SurveyResponse.origin == "demo"))
    responses = tickets = 0
    for s in samples(form, count, today):
        rid = (await session.execute(insert(SurveyResponse).values(**s.response).returning(SurveyResponse.id)))
        response_id = rid.scalar_one()
        if s.answers:
            await session.execute(insert(SurveyAnswer), [{**a, "response_id": response_id} for a in s.answers])
        if s.ticket is not None:
            await session.execute(insert(FeedbackTicket).values(**s.ticket, response_id=response_id))
            tickets += 1
        responses += 1
    return responses, tickets
