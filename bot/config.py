"""Settings: the one place that reads the environment (and `.env` files).

Where things are, whatever the working directory: settings come from the environment, then `.env` in the working
directory, then `$XDG_CONFIG_HOME/ai-advisor/.env` (`~/.config/ai-advisor/.env`); data lives in ADVISOR_DATA_DIR,
by default `$XDG_DATA_HOME/ai-advisor` (`~/.local/share/ai-advisor`; `/data` in the container image). Every secret
can also be read from a file named by `<NAME>_FILE` (Docker and Kubernetes secrets).
"""

from __future__ import annotations

import os
import types
import typing
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_config_path, user_data_path
from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.errors import InputError

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
APP_NAME = "ai-advisor"
FILE_SUFFIX = "_FILE"


def default_data_dir() -> Path:
    """The user's data directory for the advisor (XDG rules on Linux)."""
    return user_data_path(APP_NAME)


def env_files() -> tuple[Path, ...]:
    """The `.env` files read, lowest priority first: the user's config directory, then the working directory."""
    return (user_config_path(APP_NAME) / ".env", Path(".env"))


def _is_secret(field: FieldInfo) -> bool:
    """`SecretStr` or `SecretStr | None` (not a mapping of secrets such as `connections`)."""
    annotation = field.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return SecretStr in typing.get_args(annotation)
    return annotation is SecretStr


def secret_names(settings_cls: type[BaseSettings]) -> list[str]:
    """The settings that hold a secret (and so may be given as `<NAME>_FILE`), by environment name."""
    return [name.upper() for name, field in settings_cls.model_fields.items() if _is_secret(field)]


class SecretFilesSource(PydanticBaseSettingsSource):
    """`<NAME>_FILE=/run/secrets/x` in the environment: the secret NAME is that file's content (one trailing newline
    dropped, as files written by editors and `echo` end with one)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """The secret read from the file named by `<NAME>_FILE`, if that is set."""
        env = field_name.upper()
        path = os.environ.get(env + FILE_SUFFIX, "").strip()
        if not path or not _is_secret(field):
            return None, field_name, False
        if os.environ.get(env, "").strip():
            raise InputError(f"invalid setting: both {env} and {env}{FILE_SUFFIX} are set; keep one")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise InputError(f"invalid setting: {env}{FILE_SUFFIX}={path}: {reason}") from None
        value = text.removesuffix("\n").removesuffix("\r")
        if not value.strip():
            raise InputError(f"invalid setting: {env}{FILE_SUFFIX}={path} is empty")
        return value, field_name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            value, key, _ = self.get_field_value(field, name)
            if value is not None:
                out[key] = value
        return out


class Settings(BaseSettings):
    """Every setting the advisor reads; names match the environment variables."""

    model_config = SettingsConfigDict(
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
    # OAuth mode (install in many workspaces and Enterprise Grid orgs): on when the client id and secret are set.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_state_secret: SecretStr | None = Field(
        default=None, description="Signs the OAuth `state` of install links (required in OAuth mode)."
    )
    slack_scopes: str | None = Field(
        default=None, description="Bot scopes asked at install, comma-separated (default: the manifest's)."
    )
    slack_redirect_uri: str | None = Field(
        default=None, description="The OAuth redirect URL, e.g. https://advisor.example.com/slack/oauth_redirect."
    )
    slack_token_rotation_minutes: int = Field(
        default=120, ge=1, le=720, description="Refresh a rotating bot token this long before it expires."
    )

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
    advisor_teams_public_url: str | None = Field(
        default=None,
        description="https:// base URL where Teams clients reach this server (chart images, record downloads).",
    )
    advisor_teams_link_days: float = Field(
        default=7.0, gt=0, le=365, description="Days a chart image or record download link keeps working."
    )

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

    advisor_data_dir: Path = Field(
        default_factory=default_data_dir, description="Database and knowledge index (made absolute at start)."
    )
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
    advisor_slack_progress_after: float = Field(
        default=0.5,
        ge=0,
        le=60,
        description="Seconds a turn runs before the ⏳ reaction shows on the user's message (0: at once).",
    )
    advisor_slack_least_privilege: bool = Field(
        default=False,
        description="Installed from `ai-advisor manifest --least-privilege`: thread replies need a mention.",
    )
    advisor_slack_charts: bool = Field(
        default=True, description="Upload a cost chart (PNG) into the thread with each new card version."
    )
    advisor_slack_streaming: bool = Field(
        default=True, description="Stream prose answers (chat.startStream); off: post them as one message."
    )
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

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then `<NAME>_FILE` secrets, then the `.env` files (see `env_files`)."""
        dotenv = DotEnvSettingsSource(settings_cls, env_file=env_files())
        return init_settings, env_settings, SecretFilesSource(settings_cls), dotenv

    @field_validator("advisor_data_dir", "advisor_db")
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        # Relative to the directory the process started in, then fixed: logs and `doctor` name the real place.
        if value is None or str(value) == ":memory:":
            return value
        return value.expanduser().absolute()

    @field_validator("advisor_teams_public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        # Teams clients only load card images over HTTPS; plain http is for a server on this machine (trying it out).
        if value is None:
            return None
        parts = urlsplit(value.strip())
        local = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.hostname or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
            raise ValueError("must be an https:// URL (http:// only for localhost), e.g. https://advisor.example.com")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError(
                "must be a plain base URL such as https://advisor.example.com (no credentials, query or fragment)"
            )
        return value.strip().rstrip("/")

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
    def teams_missing(self) -> list[str]:
        """The Teams connection settings still needed once a client id is given (empty when complete or when
        Teams is not configured): a secret and a tenant for client-secret auth (the default), a tenant for
        certificates, nothing more for a managed identity."""
        if not self.connections__service_connection__settings__clientid:
            return []
        prefix = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"
        auth = (self.connections__service_connection__settings__authtype or "ClientSecret").strip().lower()
        needed = {"clientsecret": ["CLIENTSECRET", "TENANTID"], "certificate": ["TENANTID"]}.get(
            "certificate" if auth.startswith("certificate") else auth, []
        )
        have = {
            "CLIENTSECRET": self.connections__service_connection__settings__clientsecret is not None,
            "TENANTID": bool(self.connections__service_connection__settings__tenantid),
        }
        return [prefix + name for name in needed if not have[name]]

    @property
    def azure_missing(self) -> list[str]:
        """Azure OpenAI settings still needed when some are given (empty when none or all are)."""
        given = {
            "AZURE_OPENAI_ENDPOINT": bool(self.azure_openai_endpoint),
            "AZURE_OPENAI_API_KEY": self.azure_openai_api_key is not None,
            "AZURE_OPENAI_DEPLOYMENT": bool(self.azure_openai_deployment),
        }
        if not any(given.values()):
            return []
        return [name for name in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY") if not given[name]]

    @property
    def slack_oauth(self) -> bool:
        """True in OAuth mode (installs in many workspaces, tokens from the database) rather than one bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def slack_enabled(self) -> bool:
        """True when the Slack app has what it needs to run (HTTP or Socket Mode; a bot token, or OAuth mode)."""
        return (
            self.slack_bot_token is not None
            and (self.slack_signing_secret is not None or self.slack_app_token is not None)
        ) or (self.slack_oauth and self.slack_signing_secret is not None)

    @property
    def llm_enabled(self) -> bool:
        """True when a model is configured (OpenAI key, an OpenAI-compatible base URL, or Azure OpenAI)."""
        return bool(self.openai_api_key or self.openai_base_url or self.azure_enabled)

    @property
    def azure_enabled(self) -> bool:
        """True when Azure OpenAI settings are given (endpoint and key)."""
        return bool(self.azure_openai_endpoint and self.azure_openai_api_key)
