"""Settings: config.yml for what an operator edits, the environment for secrets."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

from bot.settings.channels import ChannelsSettings
from bot.settings.ops import OpsSettings
from bot.settings.staff import HandoffSettings, StaffConsoleSettings

ROOT = Path(__file__).resolve().parent.parent


class CentreSettings(BaseModel):
    province: str = "Quảng Ninh"
    serves_levels: list[str] = Field(default_factory=lambda: ["Cấp xã", "Cấp tỉnh"])


class DatabaseSettings(BaseModel):
    url: str = "sqlite+aiosqlite:///var/assistant.sqlite3"


class NluSettings(BaseModel):
    urls: list[str] = Field(default_factory=list)
    port: int = 0
    timeout_s: float = 3.0
    intent_threshold: float = 0.55


class KnowledgeBaseSettings(BaseModel):
    procedures_dir: Path = Path("knowledge_base/procedures")
    office_file: Path = Path("knowledge_base/office.yml")
    national_file: Path = Path("knowledge_base/national.jsonl.gz")


class DialogueSettings(BaseModel):
    max_text_chars: int = 2000


class SurveySettings(BaseModel):
    """Satisfaction surveys (config.yml `surveys:`); the forms themselves are YAML in `definitions_dir`."""

    form: str = "short"  # which definition invitations and "đánh giá" use
    definitions_dir: Path = Path("surveys")
    # Published figures (/ketqua) only from at least this many submitted responses.
    min_published: int = Field(default=30, ge=1)
    # Answers stay linked to the chat and dossier this long, then only anonymous.
    retention_days: int = Field(default=365, ge=1)
    index_method: Literal["satisfied_share", "mean_score"] = "satisfied_share"
    exports_dir: Path = Path("var/exports")  # XLSX files made for staff in chat


class RetentionSettings(BaseModel):
    """How long each kind of personal data is kept (config.yml `retention:`); `python -m bot purge` enforces it.

    Survey answers follow `surveys.retention_days`; inbox events and sent replies
    `channels.inbox.retention_hours`.
    """

    conversations_days: int = Field(default=30, ge=1)  # chat state idle this long is deleted
    lookup_failures_hours: int = Field(default=24, ge=24)  # never under the 24-hour lookup limit window
    notifications_days: int = Field(default=30, ge=1)  # delivered or undeliverable notifications, invitations
    revoked_consents_days: int = Field(default=365, ge=1)  # a withdrawn consent is kept as proof this long
    closed_subscriptions_days: int = Field(default=90, ge=1)  # follows of a closed dossier end after this
    export_files_days: int = Field(default=7, ge=1)  # staff XLSX files made in chat
    batch_size: int = Field(default=500, ge=1)  # rows per transaction: short locks, safe to interrupt


class Settings(BaseSettings):
    """All settings; relative paths are relative to the project root."""

    model_config = SettingsConfigDict(env_prefix="TTHC_", env_nested_delimiter="__", extra="ignore")

    centre: CentreSettings = Field(default_factory=CentreSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    nlu: NluSettings = Field(default_factory=NluSettings)
    knowledge_base: KnowledgeBaseSettings = Field(default_factory=KnowledgeBaseSettings)
    dialogue: DialogueSettings = Field(default_factory=DialogueSettings)
    surveys: SurveySettings = Field(default_factory=SurveySettings)
    ops: OpsSettings = Field(default_factory=OpsSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    # Staff chats, as "channel:user_id": they may ask for /baocao and /xuatbaocao.
    staff: list[str] = Field(default_factory=list)

    # The staff console in the browser (/staff): sessions, sign-in limits, overdue tickets.
    staff_console: StaffConsoleSettings = Field(default_factory=StaffConsoleSettings)
    staff_session_key: SecretStr | None = Field(default=None, validation_alias="STAFF_SESSION_KEY")
    # "Gặp cán bộ": working hours of the clerks who answer live, and how long a request waits.
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)

    # Secrets: read from the environment only (never from config.yml).
    nlu_token: SecretStr | None = Field(default=None, validation_alias="NLU_TOKEN")
    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")

    # Channels (Telegram, Zalo OA, Zalo Bot), their web server, inbox and sender.
    channels: ChannelsSettings = Field(default_factory=ChannelsSettings)
    telegram_webhook_secret: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_WEBHOOK_SECRET")
    zalo_oa_app_id: str | None = Field(default=None, validation_alias="ZALO_OA_APP_ID")
    # The app's secret (OAuth token refresh) and the OA secret key (webhook signatures) differ.
    zalo_oa_app_secret: SecretStr | None = Field(default=None, validation_alias="ZALO_OA_APP_SECRET")
    zalo_oa_secret_key: SecretStr | None = Field(default=None, validation_alias="ZALO_OA_SECRET_KEY")
    # First token pair only: refreshed pairs are stored in the database.
    zalo_oa_access_token: SecretStr | None = Field(default=None, validation_alias="ZALO_OA_ACCESS_TOKEN")
    zalo_oa_refresh_token: SecretStr | None = Field(default=None, validation_alias="ZALO_OA_REFRESH_TOKEN")
    # The first pair's "expires_in" (seconds) as Zalo gave it; unset: channels.zalo_oa.seed_expires_in_s.
    zalo_oa_token_expires_in: int | None = Field(default=None, validation_alias="ZALO_OA_TOKEN_EXPIRES_IN")
    zalo_bot_token: SecretStr | None = Field(default=None, validation_alias="ZALO_BOT_TOKEN")
    zalo_bot_webhook_secret: SecretStr | None = Field(default=None, validation_alias="ZALO_BOT_WEBHOOK_SECRET")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("TTHC_CONFIG", ROOT / "config.yml"))
        yaml_source = YamlConfigSettingsSource(settings_cls, yaml_file=config_file, yaml_file_encoding="utf-8")
        return init_settings, env_settings, yaml_source

    def path(self, p: Path) -> Path:
        return p if p.is_absolute() else ROOT / p

    @property
    def database_url(self) -> str:
        """The URL with a relative SQLite path anchored at the project root."""
        url = self.database.url
        prefix = "sqlite+aiosqlite:///"
        if url.startswith(prefix) and not url[len(prefix) :].startswith("/") and ":memory:" not in url:
            return prefix + str(ROOT / url[len(prefix) :])
        return url


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
