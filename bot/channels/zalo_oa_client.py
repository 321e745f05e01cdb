"""A small httpx client of our own for the Zalo Official Account API (v3 messages, v4 OAuth).

No SDK: the Python packages for Zalo are unmaintained or target personal accounts.
URLs and paths come from settings, error codes from ``zalo_errors`` (check them against a
real OA with ``python -m bot zalo check``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.settings.channels import ZaloOASettings


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in_s: int | None = None


class ZaloApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo error {code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SendResult:
    http_status: int
    code: int  # Zalo's "error" field: 0 is success
    message: str
    retry_after_s: float | None = None
    data: dict[str, Any] = field(default_factory=dict)  # the answer's "data" (e.g. an uploaded file's token)

    @property
    def ok(self) -> bool:
        return self.code == 0 and self.http_status == 200


def signature(app_id: str, raw_body: bytes, timestamp: str, secret_key: str) -> str:
    """X-ZEvent-Signature: "mac=" + sha256_hex(app_id + raw body + timestamp + OA secret key)."""
    digest = hashlib.sha256(app_id.encode() + raw_body + timestamp.encode() + secret_key.encode()).hexdigest()
    return f"mac={digest}"


class ZaloOAClient:
    def __init__(
        self,
        settings: ZaloOASettings,
        app_id: str,
        app_secret: str,
        *,
        http: httpx.AsyncClient | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self._settings = settings
        self._app_id = app_id
        self._app_secret = app_secret
        self._http = http or httpx.AsyncClient(timeout=timeout_s)
        self._own_http = http is None

    async def aclose(self) -> None:
        if self._own_http:
            await self._http.aclose()

    def message_body(self, user_id: str, text: str, buttons: list[tuple[str, str]]) -> dict[str, Any]:
        message: dict[str, Any] = {"text": text}
        if buttons:
            message["attachment"] = {
                "type": "template",
                "payload": {
                    "buttons": [
                        {"title": title, "type": self._settings.button_type, "payload": payload}
                        for title, payload in buttons
                    ]
                },
            }
        return {"recipient": {"user_id": user_id}, "message": message}

    async def send(
        self, access_token: str, user_id: str, text: str, buttons: list[tuple[str, str]] | None = None
    ) -> SendResult:
        """One customer-service message; network errors propagate (the sender retries them)."""
        body = self.message_body(user_id, text, buttons or [])
        return await self._call(self._settings.send_path, access_token, json=body)

    async def upload_file(self, access_token: str, path: Path) -> SendResult:
        """Uploads a file; on success ``data["token"]`` names it in a file message."""
        files = {"file": (path.name, path.read_bytes())}
        return await self._call(self._settings.upload_file_path, access_token, files=files)

    async def send_file(self, access_token: str, user_id: str, file_token: str) -> SendResult:
        body = {
            "recipient": {"user_id": user_id},
            "message": {"attachment": {"type": "file", "payload": {"token": file_token}}},
        }
        return await self._call(self._settings.send_path, access_token, json=body)

    async def get_oa(self, access_token: str) -> SendResult:
        """The OA's own profile (``data["oa_id"]``): shows whether a token works, sending nothing."""
        return await self._call(self._settings.oa_profile_path, access_token, method="GET")

    async def _call(self, path: str, access_token: str, method: str = "POST", **kwargs: Any) -> SendResult:
        url = self._settings.api_base_url.rstrip("/") + path
        response = await self._http.request(method, url, headers={"access_token": access_token}, **kwargs)
        retry_after = response.headers.get("retry-after")
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult(
                response.status_code, -1, response.text[:200],
                float(retry_after) if retry_after and retry_after.isdigit() else None,
            )
        try:
            data = response.json()
        except ValueError:
            return SendResult(response.status_code, -1, "not JSON: " + response.text[:200])
        code = data.get("error", -1) if isinstance(data, dict) else -1
        message = str(data.get("message", "")) if isinstance(data, dict) else ""
        body = data.get("data") if isinstance(data, dict) else None
        return SendResult(
            response.status_code, int(code) if isinstance(code, int | str) else -1, message,
            data=body if isinstance(body, dict) else {},
        )

    async def refresh(self, refresh_token: str) -> TokenPair:
        """A new pair for a refresh token (single use: the old one is spent once this answers)."""
        url = self._settings.oauth_base_url.rstrip("/") + self._settings.token_path
        response = await self._http.post(
            url,
            data={"refresh_token": refresh_token, "app_id": self._app_id, "grant_type": "refresh_token"},
            headers={"secret_key": self._app_secret},
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise ZaloApiError(-1, f"HTTP {response.status_code}, not JSON") from exc
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
            code = data.get("error", -1) if isinstance(data, dict) else -1
            desc = data.get("error_description") or data.get("message") if isinstance(data, dict) else ""
            raise ZaloApiError(int(code) if str(code).lstrip("-").isdigit() else -1, str(desc or "no token"))
        expires = str(data.get("expires_in", ""))
        return TokenPair(
            str(data["access_token"]), str(data["refresh_token"]), int(expires) if expires.isdigit() else None
        )
