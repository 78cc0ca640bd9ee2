"""Settings from the environment (prefix XINYIDAI_), one cached instance per process."""

from __future__ import annotations

import base64
import ipaddress
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Development-only secrets: refused when env is "production" (see the validator below).
_DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"
_DEV_AUDIT_ANCHOR_KEY = "dev-only-audit-anchor-key-change-me-0123456789"
_DEV_DATA_KEY = base64.b64encode(b"dev-only-data-key-32-bytes-long!").decode()

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything the deployment decides; nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix="XINYIDAI_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'xinyidai.db'}"
    sql_echo: bool = False
    # The connection pool of each process: at most pool_size + pool_max_overflow connections; a request that waits
    # pool_timeout_seconds for one is answered 503 with Retry-After, never left to fail as a 500.
    pool_size: int = Field(default=5, ge=1)
    pool_max_overflow: int = Field(default=10, ge=0)
    pool_timeout_seconds: float = Field(default=10.0, gt=0)
    # What a 503 for an exhausted pool (or a busy SQLite file) tells the client to wait before retrying.
    busy_retry_after_seconds: int = Field(default=2, ge=1)
    # SQLite (the embedded default): how long a writer waits for the file's one write lock.
    sqlite_busy_timeout_seconds: float = Field(default=30.0, gt=0)
    # Background jobs (xinyidai.jobs): "auto" runs them on procrastinate when the database is PostgreSQL (start
    # `xinyidai worker` processes) and in process on SQLite.
    jobs_engine: Literal["auto", "in_process", "procrastinate"] = "auto"
    # In process: `serve` also fires the periodic jobs (end of day, batch scoring, ...) on their schedule.
    jobs_schedule_in_process: bool = True
    # A worker silent this long is presumed dead and the job it held goes to another; checked on this schedule.
    jobs_stalled_after_seconds: float = Field(default=60.0, ge=2)
    jobs_stalled_check_cron: str = "* * * * *"
    # How often an idle worker looks for jobs whose time has come (a retry deferred for later); new jobs wake it at
    # once.
    jobs_poll_seconds: float = Field(default=5.0, gt=0, le=60)
    # Finished jobs are kept this many days in the engine's history.
    jobs_keep_days: int = Field(default=30, ge=1, le=3650)

    secret_key: SecretStr = SecretStr(_DEV_SECRET)
    # Field encryption keys: key id -> base64 of 32 bytes. The active one encrypts; all decrypt.
    data_keys: dict[str, SecretStr] = {"k1": SecretStr(_DEV_DATA_KEY)}
    active_data_key_id: str = "k1"
    # Keys the blind indexes of encrypted fields (lookup by identity number); unset: derived from secret_key.
    # Set it to rotate secret_key without touching the indexes.
    blind_index_key: SecretStr | None = None

    session_cookie_name: str = "xyd_session"
    session_cookie_secure: bool = False
    session_ttl_minutes: int = 480
    csrf_cookie_name: str = "xyd_csrf"

    login_max_failures: int = 5
    login_failure_window_minutes: int = 15
    login_lockout_minutes: int = 15

    token_issuer: str = "xinyidai"
    token_ttl_seconds: int = 600

    order_sla_working_days: int = 10
    # The one-year loan prime rate (贷款市场报价利率); products may not exceed 4 × it (`products.policy`).
    lpr_one_year: Decimal = Decimal("0.030")
    annual_report_url: str = "https://www.gsxt.gov.cn/"

    # Verification (核验): source department code -> the URL of its verification endpoint, e.g.
    # XINYIDAI_VERIFICATION_ENDPOINTS='{"tax": "https://tax.example/verify"}'. A department without one
    # answers every question "unavailable".
    verification_endpoints: dict[str, str] = {}
    verification_timeout_seconds: float = 5.0
    # Shared with the source systems: each request carries an HMAC-SHA256 signature made with it.
    verification_secret: SecretStr = SecretStr(_DEV_SECRET)

    # Where the public reaches the portal (https://credit.example.gov.cn): printed on credit reports, in words and
    # as a QR code, as the address to verify them at. Required in production; unset elsewhere, a report names the
    # address its request came in on.
    public_url: str | None = None
    # An uploaded data file (CSV or XLSX) is refused, with a Chinese message, past any of these, each checked before
    # the work it would cost: its size, what an XLSX unpacks to (by its zip's declared sizes), its data rows, the
    # columns of its header or any row, and its cells (rows × columns; for an XLSX, also as its sheet declares).
    import_max_file_bytes: int = 256 << 20
    # Any other request body (JSON, a form) is refused past this (413), before it is read whole: no JSON the API
    # takes comes near it, and a network batch is allowed its own bound if that is larger.
    request_max_bytes: int = Field(default=16 << 20, ge=1 << 20)
    import_max_unpacked_bytes: int = 512 << 20
    import_max_rows: int = 5_000_000
    import_max_columns: int = 256
    import_max_cells: int = 50_000_000
    # A CJK font file for credit reports (path, or path#n for a face of a .ttc); empty: Debian's fonts-noto-cjk.
    report_font: str = ""
    # Whether the district publishes entities' credit grades (信用等级) in public credit checks (公共信用核查) for
    # procurement and bidding. Off by default: a grade is the platform's assessment, not a public fact, and is shown
    # to a trading platform only when the district decides to publish grades.
    creditcheck_publish_grades: bool = False

    # Who may read /metrics: callers from these networks (the operator's monitoring network; behind a reverse
    # proxy, the proxy's address is the caller's), or anyone presenting `metrics_token` as a bearer token.
    metrics_allowed_networks: list[str] = ["127.0.0.0/8", "::1/128"]
    metrics_token: SecretStr | None = None

    # Checkpoints of the audit chain (audit/anchor.py): an append-only file the database's users cannot write, one
    # HMAC-SM3-keyed line per checkpoint; the key must differ from secret_key and is required in production.
    audit_anchor_key: SecretStr = SecretStr(_DEV_AUDIT_ANCHOR_KEY)
    audit_anchor_path: Path = PROJECT_ROOT / "var" / "audit-anchor.jsonl"
    audit_anchor_interval: int = Field(default=100, ge=1)

    # The platform network (融资信用服务平台网络, `xinyidai.network`). Unset `network_node_code`: a single deployment,
    # nothing of the network runs. Otherwise this node's administrative division code (500000 Chongqing, 500108
    # Nan'an), its tier, its own address as its neighbours reach it, its parent's address and public key (the first
    # trust anchor: later the parent's keys come from the last good copy of its directory), its Ed25519 signing key
    # (`xinyidai network keygen`) and the bounds a received batch or directory must keep.
    network_node_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    network_node_role: Literal["national", "provincial", "local"] = "local"
    network_node_name: str = ""
    network_endpoint: str | None = None
    network_parent_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    network_parent_url: str | None = None
    network_parent_public_key: str | None = None  # base64 of the raw 32-byte Ed25519 key, or a PEM file's path
    network_signing_key_path: Path = PROJECT_ROOT / "var" / "network-signing-key.pem"
    network_topics: list[str] = ["registry.enterprise", "creditdata.record", "products.product", "orders.order",
                                 "orders.outcome", "reporting.monthly_report"]
    network_batch_max_entries: int = Field(default=1000, ge=1, le=100_000)
    network_batch_max_bytes: int = Field(default=8 << 20, ge=1024)
    network_request_max_skew_seconds: int = Field(default=300, ge=5)
    network_timeout_seconds: float = Field(default=30.0, gt=0)
    # A push right after a commit waits this long for the neighbour, then leaves the batch to the next pull.
    network_push_timeout_seconds: float = Field(default=5.0, gt=0, le=300)
    # Single sign-on across the network (统一身份认证): a provincial node is the OpenID Connect provider of the nodes
    # in its directory, a node with a parent signs in through it. Off: the login page and the API are as before.
    network_signon_enabled: bool = False
    network_signon_session_minutes: int = Field(default=480, ge=5, le=1440)
    # The provider, when it is not the parent (the national node's portal signs in at a provincial node).
    network_signon_provider_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    network_signon_provider_url: str | None = None

    # Webhooks to institutions (xinyidai.webhooks): an endpoint is https; `webhook_allow_local_http` also admits
    # http://127.0.0.1 and http://localhost (tests, the demo). Each delivery is tried up to `webhook_max_attempts`
    # times, the n-th retry after base × 2^(n-1) seconds (at most `webhook_retry_max_delay_seconds`), each call
    # giving up after `webhook_timeout_seconds`; a rotated secret still signs for `webhook_secret_grace_hours`.
    webhook_allow_local_http: bool = False
    webhook_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    webhook_max_attempts: int = Field(default=8, ge=1, le=30)
    webhook_retry_base_seconds: float = Field(default=30.0, gt=0)
    webhook_retry_max_delay_seconds: float = Field(default=6 * 3600.0, gt=0)
    webhook_secret_grace_hours: int = Field(default=24, ge=0, le=24 * 30)
    webhook_max_endpoints: int = Field(default=10, ge=1, le=100)

    # Text messages (短信, identity.notifications.sms): "log" only writes them to the log (the demo, development);
    # "http" posts them to a provider's gateway at `sms_http_url`, signed with the key id and secret it issued.
    # A message is tried up to `sms_max_attempts` times, the n-th retry after base × 2^(n-1) seconds.
    sms_gateway: Literal["log", "http"] = "log"
    sms_http_url: str | None = None
    sms_http_key_id: str = ""
    sms_http_secret: SecretStr = SecretStr("")
    sms_sign_name: str = "信易贷"
    sms_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    sms_max_attempts: int = Field(default=5, ge=1, le=20)
    sms_retry_base_seconds: float = Field(default=60.0, gt=0)

    # The API sandbox (接口沙箱): a deployment that holds only demo data (`make demo` runs one) lets a bank's developer
    # open a sandbox bank there, with a login and API credentials, to try the whole API on demo firms' applications.
    # A production deployment leaves it off and may name the sandbox's address for the banks (`api_sandbox_url`).
    api_sandbox: bool = False
    api_sandbox_url: str | None = Field(default=None, max_length=200)
    api_sandbox_max_banks: int = Field(default=200, ge=1, le=10_000)

    log_json: bool = False
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _no_dev_secrets_in_production(self) -> Settings:
        if self.env == "production":
            if self.secret_key.get_secret_value() == _DEV_SECRET:
                raise ValueError("XINYIDAI_SECRET_KEY must be set in production")
            if any(k.get_secret_value() == _DEV_DATA_KEY for k in self.data_keys.values()):
                raise ValueError("XINYIDAI_DATA_KEYS must be set in production")
            if not self.session_cookie_secure:
                raise ValueError("XINYIDAI_SESSION_COOKIE_SECURE must be true in production")
            anchor_key = self.audit_anchor_key.get_secret_value()
            if anchor_key == _DEV_AUDIT_ANCHOR_KEY:
                raise ValueError("XINYIDAI_AUDIT_ANCHOR_KEY must be set in production")
            if anchor_key == self.secret_key.get_secret_value():
                raise ValueError("XINYIDAI_AUDIT_ANCHOR_KEY must differ from XINYIDAI_SECRET_KEY")
            if self.verification_endpoints and self.verification_secret.get_secret_value() == _DEV_SECRET:
                raise ValueError("XINYIDAI_VERIFICATION_SECRET must be set in production")
            if self.webhook_allow_local_http:
                raise ValueError("XINYIDAI_WEBHOOK_ALLOW_LOCAL_HTTP is for tests and the demo, not production")
            if not self.public_url:
                raise ValueError("XINYIDAI_PUBLIC_URL must be set in production (where the public reaches the "
                                 "portal, printed on credit reports to verify them at)")
        for network in self.metrics_allowed_networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(f"XINYIDAI_METRICS_ALLOWED_NETWORKS: {network!r} is not a network") from exc
        if self.public_url is not None and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", self.public_url):
            raise ValueError("XINYIDAI_PUBLIC_URL must be an http(s) address without query, e.g. https://credit.example")
        if self.sms_gateway == "http" and not self.sms_http_url:
            raise ValueError("XINYIDAI_SMS_GATEWAY=http needs XINYIDAI_SMS_HTTP_URL")
        if self.active_data_key_id not in self.data_keys:
            raise ValueError("XINYIDAI_ACTIVE_DATA_KEY_ID names no key in XINYIDAI_DATA_KEYS")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
