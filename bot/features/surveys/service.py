"""Survey responses in the database: consent, drafts, answers as given, one submission per dossier, retention.

Every method works inside the caller's session and transaction (a chat turn), so
an answer, the new position and the conversation state commit together: a
restart resumes exactly where the last acknowledged answer left the survey.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

from sqlalchemy import delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.config import SurveySettings
from bot.features.dossiers.fields import VN_TZ
from bot.features.dossiers.models import Dossier
from bot.features.surveys.models import (
    FeedbackTicket,
    SurveyAnswer,
    SurveyConsent,
    SurveyInvitation,
    SurveyResponse,
)
from bot.storage.models import utcnow
from surveys.definitions import SurveyForm

SubmitOutcome = Literal["submitted", "already_submitted", "dossier_rated"]


async def insert_ignore(session: AsyncSession, model: type, values: dict[str, object], keys: list[str]) -> bool:
    """INSERT … ON CONFLICT (keys) DO NOTHING on SQLite and PostgreSQL; True when a row was inserted."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=keys)
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT through SQLAlchemy.
    return (await session.execute(stmt.returning(model.id))).first() is not None  # type: ignore[attr-defined]


class SurveyService:
    def __init__(
        self, forms: dict[str, SurveyForm], settings: SurveySettings, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        if settings.form not in forms:
            known = ", ".join(sorted(forms))
            raise ValueError(f"config surveys.form: no survey definition {settings.form!r} (known: {known})")
        self.forms = forms
        self.settings = settings
        self.clock = clock  # aware UTC; the composition root shares the dossier service's clock

    @property
    def form(self) -> SurveyForm:
        """The form invitations and "đánh giá" use (config surveys.form)."""
        return self.forms[self.settings.form]

    def form_of(self, response: SurveyResponse) -> SurveyForm:
        form = self.forms.get(response.form_id)
        if form is None:  # a definition removed while drafts of it remain: finish on today's form
            return self.form
        return form

    def today(self) -> dt.date:
        return self.clock().astimezone(VN_TZ).date()

    def consent_text(self, form: SurveyForm, code: str) -> str:
        return form.consent.text.format(**self._placeholders(form, code))

    def _placeholders(self, form: SurveyForm, code: str) -> dict[str, object]:
        return {
            "code": code, "questions": len(form.questions), "retention_days": self.settings.retention_days,
            "minutes": form.minutes,
        }

    # -- finding responses ---------------------------------------------------------------------------

    async def submitted_for(self, session: AsyncSession, dossier_id: int) -> SurveyResponse | None:
        stmt = select(SurveyResponse).where(
            SurveyResponse.dossier_id == dossier_id, SurveyResponse.submitted_at.is_not(None)
        )
        return (await session.execute(stmt)).scalars().first()

    async def draft(
        self, session: AsyncSession, channel: str, user_id: str, dossier_id: int | None = None
    ) -> SurveyResponse | None:
        """The chat's unsubmitted response (for one dossier, or the latest touched)."""
        stmt = select(SurveyResponse).where(
            SurveyResponse.channel == channel,
            SurveyResponse.user_id == user_id,
            SurveyResponse.submitted_at.is_(None),
        )
        if dossier_id is not None:
            stmt = stmt.where(SurveyResponse.dossier_id == dossier_id)
        return (await session.execute(stmt.order_by(SurveyResponse.updated_at.desc()).limit(1))).scalar_one_or_none()

    async def answered_by(self, session: AsyncSession, channel: str, user_id: str, dossier_id: int) -> bool:
        """The chat has a response (draft or submitted) for the dossier: it passed verification before."""
        stmt = select(SurveyResponse.id).where(
            SurveyResponse.channel == channel,
            SurveyResponse.user_id == user_id,
            SurveyResponse.dossier_id == dossier_id,
        )
        return (await session.execute(stmt.limit(1))).first() is not None

    async def response_of_chat(
        self, session: AsyncSession, response_id: int, channel: str, user_id: str
    ) -> SurveyResponse | None:
        """A response, only if it belongs to this chat: a button cannot reach someone else's survey."""
        r = await session.get(SurveyResponse, response_id)
        return r if r is not None and (r.channel, r.user_id) == (channel, user_id) else None

    async def answers(self, session: AsyncSession, response_id: int) -> dict[str, str]:
        rows = await session.execute(
            select(SurveyAnswer.question_id, SurveyAnswer.value).where(SurveyAnswer.response_id == response_id)
        )
        return {qid: value for qid, value in rows.all()}

    # -- consent and answers -------------------------------------------------------------------------

    async def begin(self, session: AsyncSession, channel: str, user_id: str, dossier: Dossier) -> SurveyResponse:
        """Record the consent and open the chat's draft for the dossier (or return the one already open)."""
        form, now = self.form, self.clock()
        consent = SurveyConsent(
            channel=channel, user_id=user_id, dossier_id=dossier.id, form_id=form.id,
            purpose=form.consent.purpose.format(**self._placeholders(form, dossier.code)),
            text_version=form.consent.version, granted_at=now,
        )
        session.add(consent)
        await session.flush()
        values: dict[str, object] = {
            "dossier_id": dossier.id, "dossier_code": dossier.code, "form_id": form.id, "form_version": form.version,
            "via": channel, "channel": channel, "user_id": user_id, "procedure_code": dossier.procedure_code,
            "unit": dossier.unit, "late": dossier.timeliness == "late", "origin": "chat", "position": 0,
            "consent_id": consent.id, "started_at": now, "updated_at": now,
        }
        await insert_ignore(session, SurveyResponse, values, ["dossier_id", "channel", "user_id"])
        draft = await self.draft(session, channel, user_id, dossier.id)
        if draft is None:  # unreachable unless the draft was submitted in between
            raise RuntimeError("survey draft vanished")
        return draft

    async def save_answer(self, session: AsyncSession, response: SurveyResponse, qid: str, value: str | None) -> None:
        """The answer as given (None: skipped); a resent answer updates its row, never adds one."""
        now = self.clock()
        if value is None:
            await session.execute(
                delete(SurveyAnswer).where(SurveyAnswer.response_id == response.id, SurveyAnswer.question_id == qid)
            )
            return
        dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(SurveyAnswer).values(response_id=response.id, question_id=qid, value=value,
                                                   answered_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["response_id", "question_id"], set_={"value": value, "answered_at": now}
        )
        await session.execute(stmt)

    async def move(self, session: AsyncSession, response: SurveyResponse, position: int) -> None:
        response.position = position
        response.updated_at = self.clock()
        await session.flush()

    async def submit(self, session: AsyncSession, response: SurveyResponse) -> SubmitOutcome:
        """Set submitted_at once; refused when another response for the dossier was submitted first.

        On PostgreSQL the dossier row is locked so two chats submitting at once take
        turns; the NOT EXISTS then sees the first one's commit. SQLite runs one writer
        at a time anyway. The partial unique index stays the last word either way.
        """
        now = self.clock()
        stmt = update(SurveyResponse).where(SurveyResponse.id == response.id, SurveyResponse.submitted_at.is_(None))
        if response.dossier_id is not None:
            if session.bind.dialect.name == "postgresql":
                await session.execute(select(Dossier.id).where(Dossier.id == response.dossier_id).with_for_update())
            other = aliased(SurveyResponse)
            stmt = stmt.where(
                ~exists().where(other.dossier_id == response.dossier_id, other.submitted_at.is_not(None))
            )
        total = len(self.form_of(response).questions)
        result = await session.execute(
            stmt.values(submitted_at=now, updated_at=now, position=total).execution_options(synchronize_session=False)
        )
        await session.refresh(response)
        if result.rowcount == 1:  # type: ignore[attr-defined]
            return "submitted"
        return "already_submitted" if response.submitted_at is not None else "dossier_rated"

    # -- retention -----------------------------------------------------------------------------------

    async def apply_retention(self, session: AsyncSession) -> dict[str, int]:
        """Past the retention period: unlink answers from the person, drop unfinished drafts and invitations.

        Submitted answers stay for the statistics, without chat, user or dossier code.
        """
        cutoff = self.clock() - dt.timedelta(days=self.settings.retention_days)
        done: dict[str, int] = {}

        async def run(name: str, stmt: object) -> None:
            result = await session.execute(stmt.execution_options(synchronize_session=False))  # type: ignore[attr-defined]
            done[name] = max(int(getattr(result, "rowcount", 0) or 0), 0)

        await run("responses_unlinked", update(SurveyResponse).where(
            SurveyResponse.submitted_at < cutoff, SurveyResponse.user_id.is_not(None)
        ).values(channel=None, user_id=None, dossier_code=None))
        await run("drafts_deleted", delete(SurveyResponse).where(
            SurveyResponse.submitted_at.is_(None), SurveyResponse.updated_at < cutoff
        ))
        await run("consents_unlinked", update(SurveyConsent).where(
            SurveyConsent.granted_at < cutoff, SurveyConsent.user_id.is_not(None)
        ).values(user_id=None))
        await run("tickets_unlinked", update(FeedbackTicket).where(
            FeedbackTicket.created_at < cutoff, FeedbackTicket.user_id.is_not(None)
        ).values(user_id=None))
        await run("invitations_deleted", delete(SurveyInvitation).where(SurveyInvitation.created_at < cutoff))
        return done
