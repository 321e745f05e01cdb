"""Settings of the channels, the web server, the inbox and the sender (config.yml `channels:`).

Only non-secret values live here; tokens and keys come from the environment
(see ``bot.config.Settings``). Every platform URL is configurable because the
Zalo facts come from third-party sources and tests point them at local fakes.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class Action(StrEnum):
    """What the sender does about a Zalo error code: Zalo's table is in bot/channels/zalo_errors.py, and
    ``error_overrides`` below can change it for a code without a release."""

    TOKEN = "token"  # the access token is no longer valid: refresh it once and resend
    UNDELIVERABLE = "undeliverable"  # this citizen cannot get the message now: recorded, not retried
    RETRY = "retry"  # a limit or a hiccup on Zalo's side: try again later
    FAILED = "failed"  # our request is wrong (or the OA is misconfigured): recorded as failed


class RateLimits(BaseModel):
    """Outgoing pace of one platform: overall and per chat (token buckets)."""

    global_per_s: float = 30.0
    per_chat_per_s: float = 1.0
    # A reply of two or three messages may go out at once; Telegram tolerates short bursts.
    per_chat_burst: int = 3


class ServerSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080
    max_body_bytes: int = 256 * 1024
    # Past this, a webhook answers 503 rather than keep the platform waiting (it retries).
    # Well under Zalo's 2-second deadline: the answer must also travel back in time.
    store_timeout_s: float = 1.2


class InboxSettings(BaseModel):
    workers: int = 8
    max_attempts: int = 5
    # A claimed event not finished within this time is taken over by another worker.
    lease_s: float = 30.0
    poll_s: float = 1.0
    # Processed events are kept this long (duplicate detection needs 24 h at least),
    # with their text already erased; then deleted.
    retention_hours: int = 72


class SenderSettings(BaseModel):
    concurrency: int = 32
    max_attempts: int = 8
    poll_s: float = 1.0
    batch: int = 200


class TelegramSettings(BaseModel):
    api_base_url: str = "https://api.telegram.org"
    # Public HTTPS URL of /telegram/webhook, given to setWebhook (webhook mode only).
    webhook_url: str = ""
    set_webhook_on_start: bool = True
    max_connections: int = 40
    limits: RateLimits = Field(default_factory=RateLimits)


class ZaloOASettings(BaseModel):
    api_base_url: str = "https://openapi.zalo.me"
    oauth_base_url: str = "https://oauth.zaloapp.com"
    send_path: str = "/v3.0/oa/message/cs"
    token_path: str = "/v4/oa/access_token"
    oa_profile_path: str = "/v2.0/oa/getoa"  # read by `python -m bot zalo check`
    # Files: uploaded first (multipart "file", answers a token), then sent as a "file" message.
    # Zalo takes only these types and sizes (third-party sources); other files are not sent, and
    # the text says where the file is instead.
    upload_file_path: str = "/v2.0/oa/upload/file"
    file_types: list[str] = Field(default_factory=lambda: ["pdf", "doc", "docx"])
    max_file_bytes: int = 5 * 1024 * 1024
    # Our OA's id: required; events addressed to another OA are refused.
    oa_id: str = ""
    # Signed events older than this are refused as replays. Zalo resends a failed delivery
    # with its original timestamp for about 1 h 50 min (30 s, 5, 15, 30 min, 1 h), so this
    # covers the last retry; within it, the msg_id de-duplication is the guard.
    signature_max_age_s: int = 3 * 3600
    # Events stamped further in the future than this (clock skew) are refused.
    signature_max_future_s: int = 60
    # Which secret signs the webhook (sources differ; `python -m bot zalo check` says how to tell):
    # the OA secret key (ZALO_OA_SECRET_KEY, most sources) or the app secret (ZALO_OA_APP_SECRET).
    signature_key: Literal["oa_secret_key", "app_secret"] = "oa_secret_key"
    # Header carrying Zalo's retry count (logged).
    retry_header: str = "num_retry"
    button_type: str = "oa.query.hide"
    max_buttons: int = 5
    max_text_chars: int = 2000
    # What to do with an error code, where it should differ from Zalo's table in
    # bot/channels/zalo_errors.py: {code: token | undeliverable | retry | failed}.
    error_overrides: dict[int, Action] = Field(default_factory=dict)
    # Refresh this long before the access token's announced expiry (a job does it).
    refresh_margin_s: int = 3600
    # The seed pair's lifetime when ZALO_OA_TOKEN_EXPIRES_IN is not given (Zalo: 25 h).
    seed_expires_in_s: int = 90000
    limits: RateLimits = Field(default_factory=lambda: RateLimits(global_per_s=20.0, per_chat_burst=5))


class ZaloBotSettings(BaseModel):
    api_base_url: str = "https://bot-api.zaloplatforms.com"
    webhook_url: str = ""
    set_webhook_on_start: bool = True
    poll_timeout_s: int = 30
    max_text_chars: int = 2000
    limits: RateLimits = Field(default_factory=lambda: RateLimits(global_per_s=20.0))


class WebLimits(BaseModel):
    """What one browser or one address may send; past a limit the page gets one polite answer."""

    max_text_chars: int = 1000
    per_session_per_min: int = 20
    per_address_per_min: int = 120     # a whole office behind one address chats at once
    sessions_per_address_per_hour: int = 60


class WebChatSettings(BaseModel):
    """The web chat (`/`, `/widget.js`, `/ket-qua`) served by `make serve`; no secret needed."""

    enabled: bool = True
    # Origins whose pages may embed the widget (`<script src=".../widget.js">`), e.g. https://dichvucong.example.gov.vn
    allowed_origins: list[str] = Field(default_factory=list)
    # Set true behind HTTPS: the session cookie is then sent only over HTTPS.
    secure_cookie: bool = False
    # Seconds between keep-alive comments on the reply stream (proxies close idle connections).
    keepalive_s: float = 15.0
    limits: WebLimits = Field(default_factory=WebLimits)


class ChannelsSettings(BaseModel):
    server: ServerSettings = Field(default_factory=ServerSettings)
    inbox: InboxSettings = Field(default_factory=InboxSettings)
    sender: SenderSettings = Field(default_factory=SenderSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    zalo_oa: ZaloOASettings = Field(default_factory=ZaloOASettings)
    zalo_bot: ZaloBotSettings = Field(default_factory=ZaloBotSettings)
    web: WebChatSettings = Field(default_factory=WebChatSettings)
