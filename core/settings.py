"""Machine-level settings: where the database is, which language. Company-wide settings
(enabled plugins, policies) live in the database, see ``core.company``."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "salesdesk"


def data_dir() -> Path:
    return Path(os.environ.get("SALESDESK_HOME") or platformdirs.user_data_dir(APP_NAME))


def settings_file() -> Path:
    explicit = os.environ.get("SALESDESK_SETTINGS")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_config_dir(APP_NAME)) / "settings.toml"


def default_database_url() -> str:
    return f"sqlite:///{data_dir() / 'salesdesk.db'}"


class Settings(BaseSettings):
    """Read from SALESDESK_* environment variables, then the settings file (TOML)."""

    model_config = SettingsConfigDict(env_prefix="SALESDESK_", extra="forbid")

    database_url: str = Field(default_factory=default_database_url)
    lang: str | None = None
    log_file: str | None = None
    # salesdesk serve (README "Deploying for a team")
    serve_address: str = "127.0.0.1"
    serve_port: int = Field(default=2222, ge=0, le=65535)
    serve_host_key: str | None = None  # default: ssh_host_ed25519_key in the data dir
    serve_node: str | None = None  # this node's name in session listings (default: host)
    serve_idle_timeout: float = Field(default=1800.0, gt=0)  # seconds without a key press
    serve_max_sessions: int = Field(default=100, ge=1)
    serve_max_sessions_per_user: int = Field(default=3, ge=1)
    serve_grace: float = Field(default=10.0, ge=0)  # seconds sessions get on shutdown
    serve_prefork: bool = True  # fork sessions from a warm parent (False: a new interpreter)

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=settings_file())
        return (init_settings, env_settings, toml)


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
