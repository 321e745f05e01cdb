"""Settings: config.yml for what an operator edits, the environment for secrets."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

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


class Settings(BaseSettings):
    """All settings; relative paths are relative to the project root."""

    model_config = SettingsConfigDict(env_prefix="TTHC_", env_nested_delimiter="__", extra="ignore")

    centre: CentreSettings = Field(default_factory=CentreSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    nlu: NluSettings = Field(default_factory=NluSettings)
    knowledge_base: KnowledgeBaseSettings = Field(default_factory=KnowledgeBaseSettings)
    dialogue: DialogueSettings = Field(default_factory=DialogueSettings)

    # Secrets: read from the environment only (never from config.yml).
    nlu_token: SecretStr | None = Field(default=None, validation_alias="NLU_TOKEN")
    telegram_bot_token: SecretStr | None = Field(default=None, validation_alias="TELEGRAM_BOT_TOKEN")

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
