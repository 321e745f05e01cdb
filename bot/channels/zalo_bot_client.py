"""A small httpx client of our own for the Zalo Bot Platform (a Telegram-like bot API).

``POST {base}/bot<TOKEN>/<method>`` with JSON; answers ``{ok, result}`` or
``{ok: false, error_code, description}``. ``getUpdates`` long-polls and hands out
one update (408 when the poll timed out empty).
"""

from __future__ import annotations

from typing import Any

import httpx

from bot.settings.channels import ZaloBotSettings


class ZaloBotError(Exception):
    def __init__(self, status: int, code: int, description: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"Zalo bot API {status}/{code}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.retry_after_s = retry_after_s


class ZaloBotClient:
    def __init__(
        self, settings: ZaloBotSettings, token: str, *, http: httpx.AsyncClient | None = None, timeout_s: float = 10.0
    ) -> None:
        self._settings = settings
        self._base = f"{settings.api_base_url.rstrip('/')}/bot{token}/"
        self._http = http or httpx.AsyncClient(timeout=timeout_s)
        self._own_http = http is None

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    async def call(self, method: str, payload: dict[str, Any] | None = None, timeout_s: float | None = None) -> Any:
        kwargs: dict[str, Any] = {"json": payload or {}}
        if timeout_s is not None:
            kwargs["timeout"] = timeout_s
        response = await self._http.post(self._base + method, **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("ok") is True and response.status_code == 200:
            return data.get("result")
        code = data.get("error_code", response.status_code) if isinstance(data, dict) else response.status_code
        desc = str(data.get("description", "")) if isinstance(data, dict) else response.text[:200]
        params = data.get("parameters") if isinstance(data, dict) else None
        retry = params.get("retry_after") if isinstance(params, dict) else None
        header = response.headers.get("retry-after")
        if retry is None and header and header.isdigit():
            retry = int(header)
        raise ZaloBotError(
            response.status_code, int(code) if isinstance(code, int) else response.status_code, desc,
            float(retry) if isinstance(retry, int | float) else None,
        )

    async def get_updates(self) -> list[dict[str, Any]]:
        """The next update(s); empty when the long poll timed out."""
        timeout = self._settings.poll_timeout_s
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout_s=timeout + 10)
        except ZaloBotError as exc:
            if exc.status == 408 or exc.code == 408:
                return []
            raise
        if isinstance(result, list):
            return [u for u in result if isinstance(u, dict)]
        return [result] if isinstance(result, dict) and result else []

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_me(self) -> Any:
        return await self.call("getMe")
