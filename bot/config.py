"""Settings: the one place that reads the environment (and `.env`)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import InputError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(BaseSettings):
    """Every setting the advisor reads; names match the environment variables."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        # Only `connections` is nested: CONNECTIONS__<rest> lands in it as {"<rest>": value}.
        env_nested_delimiter="__",
        env_nested_max_split=1,
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL

    # Microsoft Teams: the bot's Entra ID app registration, under the names the Microsoft 365 Agents SDK reads.
    connections__service_connection__settings__clientid: str | None = None
    connections__service_connection__settings__clientsecret: SecretStr | None = None
    connections__service_connection__settings__tenantid: str | None = None
    connections__service_connection__settings__authtype: str | None = None
    connections: dict[str, SecretStr] = Field(
        default_factory=dict, description="Every CONNECTIONS__* variable (certificate auth, VALIDATE_ISSUER, ...)."
    )
    advisor_teams_anonymous: bool = Field(
        default=False, description="Accept Teams requests without a token (local testing only)."
    )
    advisor_teams_leads: str = Field(default="", description="Entra ID (AAD) object IDs of leads in Teams.")

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    advisor_llm_model: str = "gpt-4o-mini"
    advisor_llm_timeout: float = Field(default=20.0, gt=0, description="Seconds per model call.")
    advisor_llm_retries: int = Field(default=0, ge=0, le=3, description="Retries on 429/5xx/connection errors.")
    advisor_llm_daily_calls: int = Field(default=2000, ge=0, description="Model calls allowed per day (UTC).")
    advisor_llm_breaker_failures: int = Field(default=3, ge=1, description="Failures in a row that open the breaker.")
    advisor_llm_breaker_seconds: float = Field(default=60.0, ge=0, description="How long an open breaker waits.")
    advisor_llm_redact: str = Field(default="all", description="Redaction kinds: all, none, or a comma list.")
    azure_openai_api_key: SecretStr | None = None
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    openai_api_version: str = "2024-10-21"

    advisor_data_dir: Path = Path(".advisor")
    advisor_db: Path | None = None
    # "normal": a commit is on disk when the OS flushes it (a killed process loses nothing; a power cut may lose the
    # last commits); "full": every commit is fsynced first (see README, "Durability").
    advisor_db_synchronous: Literal["normal", "full"] = "normal"
    database_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host/db: PostgreSQL for several replicas (default: the SQLite file).",
    )
    advisor_knowledge_dirs: str = Field(
        default="", description="Extra knowledge directories, separated by os.pathsep or commas."
    )
    advisor_tco_config: Path | None = None

    advisor_leads: str = ""
    advisor_leads_group: str | None = None
    advisor_retention_days: int | None = Field(default=None, ge=1)
    advisor_purge_keep_counts: bool = Field(
        default=True, description="Keep anonymised counts (approach per month) when purging transcripts."
    )
    advisor_log_level: str = Field(default="INFO", description="DEBUG also logs user text; INFO, WARNING, ERROR.")
    advisor_slack_timeout: int = Field(default=15, ge=1, le=120, description="Seconds per Slack Web API call.")
    advisor_outbox_retry_base: float = Field(
        default=1.0, gt=0, le=60, description="First retry delay (seconds) of an unsent reply; it doubles each time."
    )
    advisor_outbox_retry_max: float = Field(default=300.0, gt=0, le=3600, description="Longest delay between retries.")
    advisor_outbox_max_attempts: int = Field(
        default=20, ge=1, le=1000, description="Attempts before an unsent reply is given up (and the user told)."
    )
    advisor_readyz_token: SecretStr | None = Field(
        default=None, description="Bearer token that shows /readyz details to callers not on this machine."
    )
    advisor_shutdown_timeout: float = Field(
        default=10.0, ge=0, le=300, description="Seconds SIGTERM waits for in-flight turns and unsent replies."
    )

    @cached_property
    def db_path(self) -> Path:
        """The SQLite database file (inside the data directory unless ADVISOR_DB says otherwise)."""
        return self.advisor_db or self.advisor_data_dir / "advisor.db"

    @property
    def database_target(self) -> str:
        """Where the store lives: DATABASE_URL when it names PostgreSQL, else the SQLite file (a secret: the URL may
        hold a password, never log it)."""
        url = self.database_url.get_secret_value() if self.database_url else ""
        if url and not url.startswith(("postgresql://", "postgres://")):  # the value itself is not echoed: a password
            raise InputError("DATABASE_URL must start with postgresql:// (unset it to use the SQLite file).")
        return url or str(self.db_path)

    @property
    def database_label(self) -> str:
        """The database as it may be shown: the SQLite file, or the PostgreSQL server and database (no password)."""
        if not self.database_url:
            return str(self.db_path)
        parts = urlsplit(self.database_url.get_secret_value())
        return f"PostgreSQL {parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"

    @property
    def extra_knowledge_dirs(self) -> list[Path]:
        """Customer knowledge directories added beside the shipped knowledge base."""
        parts = self.advisor_knowledge_dirs.replace(",", ":").split(":")
        return [Path(p.strip()) for p in parts if p.strip()]

    @property
    def lead_ids(self) -> frozenset[str]:
        """User IDs configured as leads."""
        return frozenset(x.strip() for x in self.advisor_leads.split(",") if x.strip())

    @property
    def teams_lead_ids(self) -> frozenset[str]:
        """Leads in Teams: ADVISOR_TEAMS_LEADS plus any ADVISOR_LEADS (the two ID formats never collide)."""
        ids = frozenset(x.strip() for x in self.advisor_teams_leads.split(",") if x.strip())
        return ids | self.lead_ids

    @property
    def teams_connection(self) -> dict[str, str]:
        """Every `CONNECTIONS__SERVICE_CONNECTION__SETTINGS__*` setting under its environment name, for the Agents
        SDK's `load_configuration_from_env` (empty without a client id). Values include secrets: never log them."""
        prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
        values = {"CONNECTIONS__" + k.upper(): v.get_secret_value() for k, v in self.connections.items()}
        secret = self.connections__service_connection__settings__clientsecret
        typed = {
            "CLIENTID": self.connections__service_connection__settings__clientid,
            "CLIENTSECRET": secret.get_secret_value() if secret else None,
            "TENANTID": self.connections__service_connection__settings__tenantid,
            "AUTHTYPE": self.connections__service_connection__settings__authtype,
        }
        values |= {prefix + k: v for k, v in typed.items() if v}
        if not values.get(prefix + "CLIENTID"):
            return {}
        return {k: v for k, v in values.items() if k.startswith(prefix) and v}

    @property
    def slack_enabled(self) -> bool:
        """True when the Slack app has what it needs to run (HTTP or Socket Mode)."""
        return self.slack_bot_token is not None and (
            self.slack_signing_secret is not None or self.slack_app_token is not None
        )

    @property
    def llm_enabled(self) -> bool:
        """True when a model is configured (OpenAI key, an OpenAI-compatible base URL, or Azure OpenAI)."""
        return bool(self.openai_api_key or self.openai_base_url or self.azure_enabled)

    @property
    def azure_enabled(self) -> bool:
        """True when Azure OpenAI settings are given (endpoint and key)."""
        return bool(self.azure_openai_endpoint and self.azure_openai_api_key)
