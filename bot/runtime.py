"""The channels at work: inbox, workers, sender, the enabled platform adapters and the features'
jobs, started and stopped together.

``mode="webhook"``: the platforms push to our web server (``bot.web.asgi``), which needs
every channel's secret — without one it refuses to start. ``mode="polling"``: Telegram
and the Zalo Bot Platform are polled (no web server, no public URL; Zalo OA needs one).
``mode="console"``: the terminal is the one channel (``make run`` without a token), its
messages taking the same path: inbox, workers, outbox, sender.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import Services
from bot.channels.common import WebhookStore
from bot.config import Settings
from bot.features.feature import Job, JobContext
from bot.pipeline.inbox import Inbox
from bot.pipeline.sender import Sender
from bot.pipeline.workers import InboxWorkers

log = logging.getLogger(__name__)
Mode = Literal["webhook", "polling", "console"]
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")  # Telegram allows 1-256; 16 resists guessing


class ConfigError(Exception):
    """Settings that do not allow starting (a missing secret in webhook mode)."""


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def check_settings(settings: Settings, mode: Mode) -> list[str]:
    """Problems that forbid starting; an empty list means go."""
    problems: list[str] = []
    ch = settings.channels
    if mode == "webhook":
        if settings.telegram_bot_token:
            if not TELEGRAM_SECRET.fullmatch(_secret(settings.telegram_webhook_secret)):
                problems.append("TELEGRAM_WEBHOOK_SECRET is required (16-256 of A-Z a-z 0-9 _ -)")
            if ch.telegram.set_webhook_on_start and not ch.telegram.webhook_url:
                problems.append("channels.telegram.webhook_url is required to call setWebhook")
        if settings.zalo_bot_token:
            if not 16 <= len(_secret(settings.zalo_bot_webhook_secret)) <= 256:
                problems.append("ZALO_BOT_WEBHOOK_SECRET is required (16-256 characters)")
            if ch.zalo_bot.set_webhook_on_start and not ch.zalo_bot.webhook_url:
                problems.append("channels.zalo_bot.webhook_url is required to call setWebhook")
        if settings.zalo_oa_app_id:
            if not _secret(settings.zalo_oa_secret_key):
                problems.append("ZALO_OA_SECRET_KEY is required to check webhook signatures")
            if not _secret(settings.zalo_oa_app_secret):
                problems.append("ZALO_OA_APP_SECRET is required to refresh access tokens")
            if not ch.zalo_oa.oa_id:
                problems.append("channels.zalo_oa.oa_id is required (events for another OA must be refused)")
    from bot.features.dossiers.keys import weak_secrets

    return problems + weak_secrets()


@dataclass(repr=False)  # its repr would print the whole catalogue (asyncio logs reprs of leaked tasks)
class Runtime:
    services: Services
    mode: Mode
    inbox: Inbox
    workers: InboxWorkers
    sender: Sender
    channels: dict[str, Any] = field(default_factory=dict)
    jobs: list[Job] = field(default_factory=list)  # the features' (bot.features.feature)
    webhook_store: WebhookStore | None = None  # what the web chat's requests store events through
    _janitor: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # One process owns a SQLite database: what a killed run left claimed is ours to redo.
        if self.services.engine.dialect.name == "sqlite" and (n := await self.inbox.recover()):
            log.warning("inbox: %d interrupted events will be processed again", n)
        self.workers.start()
        self.sender.start()
        for job in self.jobs:
            await job.start()
        started: list[Any] = []
        try:
            for channel in self.channels.values():
                await channel.start()
                started.append(channel)
        except BaseException:
            for channel in reversed(started):
                await channel.stop()
            await self._stop_jobs()
            await self.workers.stop()
            await self.sender.stop()
            raise
        self._janitor = asyncio.create_task(self._purge_forever(), name="inbox-janitor")

    async def stop(self) -> None:
        if self._janitor is not None:
            self._janitor.cancel()
            await asyncio.gather(self._janitor, return_exceptions=True)
        await self._stop_jobs()
        # Turns in progress finish and their replies go out before the platform clients close.
        await self.workers.stop()
        await self.sender.stop()
        for channel in self.channels.values():
            try:
                await channel.stop()
            except Exception:
                log.exception("stopping channel %s", channel.channel)

    async def _stop_jobs(self) -> None:
        for job in reversed(self.jobs):
            try:
                await job.stop()
            except Exception:
                log.exception("stopping job %r", job)

    async def _purge_forever(self) -> None:
        keep = dt.timedelta(hours=self.services.settings.channels.inbox.retention_hours)
        while True:
            try:
                if n := await self.inbox.purge(keep):
                    log.info("inbox: %d old events deleted", n)
                if n := await self.sender.purge_replies(keep):
                    log.info("outbox: %d old replies deleted", n)
            except Exception:
                log.exception("inbox: purge failed")
            await asyncio.sleep(3600)


async def run_polling(services: Services) -> None:
    """`make run` with a channel token: poll until SIGINT or SIGTERM, then stop cleanly."""
    import signal

    runtime = build_runtime(services, "polling")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await runtime.start()
    log.warning("polling %s; Ctrl-C to stop", ", ".join(sorted(runtime.channels)))
    try:
        await stop.wait()
    finally:
        await runtime.stop()


async def run_console(services: Services) -> None:
    """`make run` without a channel token: chat in the terminal until end of input or /thoat."""
    runtime = build_runtime(services, "console")
    await runtime.start()
    try:
        await runtime.channels["console"].finished.wait()
    finally:
        await runtime.stop()


def build_runtime(services: Services, mode: Mode) -> Runtime:
    settings = services.settings
    if problems := check_settings(settings, mode):
        raise ConfigError("; ".join(problems))
    # httpx logs each request URL at INFO, and Telegram and Zalo bot URLs contain the bot token.
    httpx_log = logging.getLogger("httpx")
    httpx_log.setLevel(max(logging.WARNING, httpx_log.level))
    ch = settings.channels
    sessions = services.sessions
    inbox = Inbox(sessions, lease_s=ch.inbox.lease_s, max_attempts=ch.inbox.max_attempts)
    # Rung by whoever stores an event (the webhook's store), awaited by the workers.
    event_stored = asyncio.Event()
    store = WebhookStore(inbox, event_stored.set, ch.server.store_timeout_s)
    channels = _channels(services, mode, store)
    sender = Sender(
        sessions, list(channels.values()), concurrency=ch.sender.concurrency, max_attempts=ch.sender.max_attempts,
        poll_s=ch.sender.poll_s, batch=ch.sender.batch,
    )
    workers = InboxWorkers(
        inbox,
        services.turns,
        concurrency=ch.inbox.workers,
        poll_s=ch.inbox.poll_s,
        wake=event_stored,
        on_replies=sender.nudge,
        failure_text=(
            "Dạ, hệ thống đang gặp sự cố nên chưa trả lời được tin nhắn này. Anh/Chị vui lòng thử lại sau "
            f"hoặc gọi {services.office.phone} ạ."
        ),
    )
    ctx = JobContext(services, outbox_queued=sender.nudge)
    jobs = [job for feature in services.features for job in feature.jobs(ctx)]
    return Runtime(services, mode, inbox, workers, sender, channels, jobs, webhook_store=store)


def _channels(services: Services, mode: Mode, store: WebhookStore) -> dict[str, Any]:
    """The enabled platform adapters, by channel name."""
    settings, ch = services.settings, services.settings.channels
    if mode == "console":
        from bot.channels.console import ConsoleChannel

        return {"console": ConsoleChannel(store, services.sessions)}
    channels: dict[str, Any] = {}
    if settings.telegram_bot_token:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel(
            ch.telegram, _secret(settings.telegram_bot_token), store, polling=mode == "polling",
            webhook_secret=_secret(settings.telegram_webhook_secret),
        )
    if settings.zalo_bot_token:
        from bot.channels.zalo_bot import ZaloBotChannel
        from bot.channels.zalo_bot_client import ZaloBotClient

        channels["zalo_bot"] = ZaloBotChannel(
            ch.zalo_bot, ZaloBotClient(ch.zalo_bot, _secret(settings.zalo_bot_token)), store,
            polling=mode == "polling", webhook_secret=_secret(settings.zalo_bot_webhook_secret),
        )
    if settings.zalo_oa_app_id and mode == "webhook":
        channels["zalo"] = _zalo_oa(services, store)
    elif settings.zalo_oa_app_id:
        log.warning("Zalo OA only works with the web server (`python -m bot serve`); not started")
    if ch.web.enabled and mode == "webhook":  # the web chat needs the web server
        from bot.web.chat.channel import WebChannel
        from bot.web.chat.store import ChatStore

        channels["web"] = WebChannel(ch.web, ChatStore(services.sessions, ch.web.limits))
    return channels


def _zalo_oa(services: Services, store: WebhookStore) -> Any:
    from bot.channels.zalo_oa import ZaloOAChannel
    from bot.channels.zalo_oa_client import ZaloOAClient

    s = services.settings
    app_id = s.zalo_oa_app_id or ""
    client = ZaloOAClient(s.channels.zalo_oa, app_id, _secret(s.zalo_oa_app_secret))
    tokens = _zalo_tokens(s, services.sessions, client)
    return ZaloOAChannel(
        s.channels.zalo_oa, app_id=app_id, client=client,
        secret_key=_secret(s.zalo_oa_app_secret if s.channels.zalo_oa.signature_key == "app_secret"
                           else s.zalo_oa_secret_key),
        tokens=tokens, store=store,
    )


def _zalo_tokens(s: Settings, sessions: async_sessionmaker[AsyncSession], client: Any) -> Any:
    """The OA token store, seeded from the environment (also used by `python -m bot zalo check`)."""
    from bot.channels.zalo_oa_client import TokenPair
    from bot.channels.zalo_oa_tokens import ZaloTokenStore
    from bot.ops.metrics import failure_alert

    access, refresh = _secret(s.zalo_oa_access_token), _secret(s.zalo_oa_refresh_token)
    seed = TokenPair(access, refresh, s.zalo_oa_token_expires_in) if access and refresh else None
    return ZaloTokenStore(
        sessions, client, seed=seed, seed_expires_in_s=s.channels.zalo_oa.seed_expires_in_s,
        refresh_margin_s=s.channels.zalo_oa.refresh_margin_s, alert=failure_alert("zalo_token_refresh_failed"),
    )
