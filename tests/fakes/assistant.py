"""The assistant under test: our real web server (uvicorn) in the test's event loop, or polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import func, select

from bot.app import Services
from bot.config import Settings, load_settings
from bot.pipeline.models import InboxEvent
from bot.runtime import Mode, Runtime, build_runtime
from bot.storage.models import Outbox
from bot.web.asgi import create_app

from .http import free_port, wait_for
from .telegram import FakeTelegram
from .zalo import FakeZaloBot, FakeZaloOA

TELEGRAM_SECRET = "tg-webhook-secret_0123456789"
ZALO_BOT_SECRET = "zalo-bot-webhook-secret"
# The fakes take any pace; a test of the limits passes its own ("limits" in ``channels``).
UNPACED = {"global_per_s": 10_000, "per_chat_per_s": 1_000, "per_chat_burst": 1_000}


def channel_settings(
    db_url: str,
    port: int,
    *,
    telegram: FakeTelegram | None = None,
    zalo_oa: FakeZaloOA | None = None,
    zalo_bot: FakeZaloBot | None = None,
    channels: dict[str, Any] | None = None,
) -> Settings:
    """Settings pointing every enabled channel at its fake, with short polling intervals."""
    base = f"http://127.0.0.1:{port}"
    ch: dict[str, Any] = {
        "server": {"port": port},
        "inbox": {"poll_s": 0.2},
        "sender": {"poll_s": 0.2},
        "telegram": {
            "api_base_url": telegram.url if telegram else "", "webhook_url": f"{base}/telegram/webhook",
            "limits": UNPACED,
        },
        "zalo_oa": {
            "api_base_url": zalo_oa.url if zalo_oa else "", "oauth_base_url": zalo_oa.url if zalo_oa else "",
            "oa_id": zalo_oa.oa_id if zalo_oa else "", "limits": UNPACED,
        },
        "zalo_bot": {
            "api_base_url": zalo_bot.url if zalo_bot else "", "webhook_url": f"{base}/zalo-bot/webhook",
            "limits": UNPACED,
        },
    }
    for key, value in (channels or {}).items():
        ch[key] = {**ch.get(key, {}), **value}
    secrets: dict[str, Any] = {}
    if telegram:
        secrets.update(TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET)
    if zalo_oa:
        secrets.update(
            ZALO_OA_APP_ID=zalo_oa.app_id, ZALO_OA_APP_SECRET=zalo_oa.app_secret,
            ZALO_OA_SECRET_KEY=zalo_oa.oa_secret_key, ZALO_OA_ACCESS_TOKEN=zalo_oa.access_token,
            ZALO_OA_REFRESH_TOKEN=zalo_oa.refresh_token,
        )
    if zalo_bot:
        secrets.update(ZALO_BOT_TOKEN=zalo_bot.token, ZALO_BOT_WEBHOOK_SECRET=ZALO_BOT_SECRET)
    return load_settings(database={"url": db_url}, channels=ch, **secrets)


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'assistant.sqlite3'}"


@dataclass
class Served:
    url: str
    runtime: Runtime

    @property
    def services(self) -> Services:
        return self.runtime.services

    async def count(self, model: type, **where: Any) -> int:
        async with self.services.sessions() as session:
            stmt = select(func.count()).select_from(model)
            for key, value in where.items():
                stmt = stmt.where(getattr(model, key) == value)
            return int((await session.execute(stmt)).scalar_one())

    async def inbox_rows(self, **where: Any) -> int:
        return await self.count(InboxEvent, **where)

    async def outbox_rows(self, **where: Any) -> int:
        return await self.count(Outbox, **where)

    async def settled(self, timeout_s: float = 30.0) -> None:
        """Waits until no inbound event is unprocessed and no outgoing message is pending."""
        async def quiet() -> bool:
            return (
                await self.inbox_rows(status="pending") == 0
                and await self.inbox_rows(status="processing") == 0
                and await self.outbox_rows(status="pending") == 0
            )
        await wait_for(quiet, timeout_s, "the assistant to settle")


@asynccontextmanager
async def serving(services: Services, mode: Mode = "webhook") -> AsyncIterator[Served]:
    """Our server on the configured port (webhook mode), or the pollers (polling mode)."""
    runtime = build_runtime(services, mode)
    port = services.settings.channels.server.port
    if mode == "polling":
        await runtime.start()
        try:
            yield Served("", runtime)
        finally:
            await runtime.stop()
        return
    app = create_app(runtime, extra_routes=[], close_services=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    await wait_for(lambda: server.started or task.done(), 30, "our server to start")
    if task.done():
        task.result()
        raise RuntimeError("server exited")
    try:
        yield Served(f"http://127.0.0.1:{port}", runtime)
    finally:
        server.should_exit = True
        await task


__all__ = ["Served", "channel_settings", "free_port", "serving", "sqlite_url"]
