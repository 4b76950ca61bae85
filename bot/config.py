"""config.toml as one typed object, checked at start-up.

Secrets never live here: they come from the environment (NAME or NAME_FILE).
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot import texts

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = ROOT / "config.toml"
SAMPLE_PLAN = Path(__file__).resolve().parent / "samples" / "ke-hoach-cchc-2023-bang-phuc.docx"


class _Strict(BaseModel):
    # An unknown key is a typo the office would never notice otherwise.
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Strict):
    url: str = "sqlite:///data/nhacviec.db"


class EscalationConfig(_Strict):
    after_working_days: int = Field(ge=1, le=60)
    to: list[Literal["owners", "coordinators", "plan_coordinator", "chairman"]] = Field(min_length=1)


class RemindersConfig(_Strict):
    timezone: str = "Asia/Ho_Chi_Minh"
    send_at: time = time(7, 30)
    lead_days: list[int] = [7, 3, 1]
    remind_on_due_day: bool = True
    overdue_every_working_days: int = Field(default=2, ge=1, le=30)
    escalation: list[EscalationConfig] = [
        EscalationConfig(after_working_days=1, to=["owners", "coordinators"]),
        EscalationConfig(after_working_days=3, to=["plan_coordinator"]),
        EscalationConfig(after_working_days=5, to=["chairman"]),
    ]
    checkin_day_of_month: int = Field(default=25, ge=1, le=31)
    event_due_days: int = Field(default=15, ge=1, le=365)
    days_off: list[date] = []
    working_days: list[date] = []
    tick_seconds: float = Field(default=60, gt=0, le=3600)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(texts.CONFIG_BAD_ZONE.format(zone=name)) from exc
        return name

    @field_validator("lead_days")
    @classmethod
    def _positive_leads(cls, days: list[int]) -> list[int]:
        if any(d < 1 or d > 60 for d in days):
            raise ValueError(texts.CONFIG_BAD_LEADS)
        return sorted(set(days), reverse=True)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StorageConfig(_Strict):
    # Evidence files and reports are kept here (relative to the working directory).
    data_dir: Path = Path("data")


class EvidenceConfig(_Strict):
    max_mb: int = Field(default=20, ge=1, le=50)
    allowed_types: list[str] = [".pdf", ".doc", ".docx", ".xls", ".xlsx", ".jpg", ".jpeg", ".png"]

    @field_validator("allowed_types")
    @classmethod
    def _dotted(cls, types: list[str]) -> list[str]:
        return [t.lower() if t.startswith(".") else f".{t.lower()}" for t in types]


class TelegramConfig(_Strict):
    api_base_url: str = "https://api.telegram.org/bot"
    # Used to print invitation links (https://t.me/USERNAME?start=CODE).
    bot_username: str = ""
    # Empty: long polling. Otherwise Telegram posts updates to this public URL.
    webhook_url: str = ""
    # Where the bot itself listens for those posts: behind a reverse proxy by default.
    webhook_listen: str = Field(default="127.0.0.1", min_length=1)
    webhook_port: int = Field(default=8443, ge=1, le=65535)

    @field_validator("webhook_url")
    @classmethod
    def _absolute_url(cls, url: str) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(texts.CONFIG_BAD_WEBHOOK_URL.format(url=url))
        return url


class WebConfig(_Strict):
    # The health check (/healthz) and the Zalo webhook; served by `python -m bot run`.
    listen: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)
    # The office's web page as people open it (behind the reverse proxy), e.g.
    # https://nhacviec.xa.gov.vn; empty: /web answers that the page is not set up.
    public_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _page_url(cls, url: str) -> str:
        if url and not url.startswith(("https://", "http://")):
            raise ValueError(texts.CONFIG_BAD_PAGE_URL.format(url=url))
        return url.rstrip("/")


class ZaloConfig(_Strict):
    api_base_url: str = "https://bot-api.zaloplatforms.com"
    webhook_url: str = ""


class DigestsConfig(_Strict):
    # ISO weekday the chairman's weekly summary goes out (1 = Monday), at reminders.send_at.
    chairman_weekday: int = Field(default=1, ge=1, le=5)
    coordinator_daily: bool = True


class ReportsConfig(_Strict):
    # The day of a period's last month its figures run to; 31 means the month's last day.
    quarter_cutoff_day: int = Field(default=31, ge=1, le=31)
    six_months_cutoff_day: int = Field(default=31, ge=1, le=31)
    nine_months_cutoff_day: int = Field(default=31, ge=1, le=31)
    year_cutoff_day: int = Field(default=31, ge=1, le=31)


class UnitReportConfig(_Strict):
    """How the unit heads and addresses a report it signs (Nghị định 30/2020/NĐ-CP)."""

    # The issuing body's name, one line each: "ỦY BAN NHÂN DÂN" over "XÃ BẰNG PHÚC".
    issuing_body: list[str] = Field(min_length=1, max_length=3)
    # The place in "<place>, ngày … tháng … năm …".
    place: str = Field(min_length=1)
    recipients: list[str] = []

    @field_validator("issuing_body")
    @classmethod
    def _upper(cls, lines: list[str]) -> list[str]:
        if any(not line.strip() for line in lines):
            raise ValueError(texts.CONFIG_BLANK_HEADING)
        return [line.strip().upper() for line in lines]


class RoleConfig(_Strict):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    people: list[str] = []


class UnitConfig(_Strict):
    name: str = Field(min_length=1)
    coordinator_role: str
    chairman_role: str
    # People who may act on every item and answer for the chairman (the office's administrators).
    admins: list[str] = []
    # People of this unit who also see every unit's board on the web page, read-only (the
    # district's or province's operator of an installation that serves many communes).
    overseers: list[str] = []
    roles: list[RoleConfig] = Field(min_length=1)
    # Absent: made from the name ("UBND xã Bằng Phúc" -> "ỦY BAN NHÂN DÂN" / "XÃ BẰNG PHÚC").
    report: UnitReportConfig

    @model_validator(mode="before")
    @classmethod
    def _default_report(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("report") is None and data.get("name"):
            data = {**data, "report": report_heading_for(str(data["name"]))}
        return data

    @model_validator(mode="after")
    def _special_roles_exist(self) -> "UnitConfig":
        names = {role.name for role in self.roles}
        for key in ("coordinator_role", "chairman_role"):
            if getattr(self, key) not in names:
                raise ValueError(texts.CONFIG_UNKNOWN_ROLE.format(key=key, value=getattr(self, key)))
        if len(names) != len(self.roles):
            raise ValueError(texts.CONFIG_DUPLICATE_ROLE)
        people = {person for role in self.roles for person in role.people}
        strangers = [name for name in self.admins if name not in people]
        if strangers:
            raise ValueError(texts.CONFIG_UNKNOWN_ADMIN.format(names=", ".join(strangers)))
        strangers = [name for name in self.overseers if name not in people]
        if strangers:
            raise ValueError(texts.CONFIG_UNKNOWN_OVERSEER.format(names=", ".join(strangers)))
        return self


def report_heading_for(name: str) -> UnitReportConfig:
    """A unit's report heading made from its name: "UBND xã Bằng Phúc"."""
    words = name.split()
    if words and words[0].upper() == "UBND":
        words = words[1:]
    kinds = ("xã", "phường", "thị trấn", "huyện", "tỉnh")
    rest = " ".join(words)
    place = next((rest[len(kind):].strip() for kind in kinds
                  if rest.casefold().startswith(kind + " ")), rest)
    return UnitReportConfig(issuing_body=[texts.REPORT_PEOPLES_COMMITTEE, rest or name],
                            place=place or name)


class Config(_Strict):
    database: DatabaseConfig = DatabaseConfig()
    storage: StorageConfig = StorageConfig()
    reminders: RemindersConfig = RemindersConfig()
    digests: DigestsConfig = DigestsConfig()
    evidence: EvidenceConfig = EvidenceConfig()
    telegram: TelegramConfig = TelegramConfig()
    zalo: ZaloConfig = ZaloConfig()
    web: WebConfig = WebConfig()
    reports: ReportsConfig = ReportsConfig()
    units: list[UnitConfig] = Field(min_length=1)

    @field_validator("units")
    @classmethod
    def _unique_units(cls, units: list[UnitConfig]) -> list[UnitConfig]:
        if len({u.name for u in units}) != len(units):
            raise ValueError(texts.CONFIG_DUPLICATE_UNIT)
        return units

    def unit(self, name: str | None) -> UnitConfig | None:
        if name is None:
            return self.units[0]
        return next((u for u in self.units if u.name.casefold() == name.casefold()), None)


class ConfigError(Exception):
    pass


def load_config(path: Path | None = None) -> Config:
    path = path or Path(os.environ.get("NHACVIEC_CONFIG", DEFAULT_CONFIG))
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        config = Config.model_validate(raw)
    except FileNotFoundError as exc:
        raise ConfigError(texts.CLI_BAD_CONFIG.format(path=path, details=texts.CONFIG_MISSING_FILE)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(texts.CLI_BAD_CONFIG.format(path=path, details=str(exc))) from exc
    except ValidationError as exc:
        details = "\n".join(
            f"- {'.'.join(str(p) for p in error['loc'])}: {error['msg']}" for error in exc.errors()
        )
        raise ConfigError(texts.CLI_BAD_CONFIG.format(path=path, details=details)) from exc
    url = os.environ.get("NHACVIEC_DATABASE_URL") or secret("DATABASE_URL")
    if url:
        config = config.model_copy(update={"database": DatabaseConfig(url=url)})
    return config


def secret(name: str) -> str | None:
    """A secret from NAME, or from the file NAME_FILE points at (Docker secrets)."""
    value = os.environ.get(name)
    if value:
        return value.strip()
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return None
