"""Secrets never reach the log: one filter on the root handlers rewrites every record.

Bot API URLs carry the token (`.../bot<digits>:<token>/method`), and any library may log
a URL, at any level, or put one in an exception message. The filter sees each record
before it is written, whichever logger made it, and removes the secret values themselves,
anything shaped like a Bot API token, and passwords in connection URLs, from the message,
the traceback and the stack.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

from bot.config import secret

SECRET_NAMES = ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET",
                "ZALO_WEBHOOK_SECRET")
MASK = "***"
TOKEN_IN_URL = re.compile(r"bot\d+(?::|%3A)[A-Za-z0-9_-]+", re.IGNORECASE)
PASSWORD_IN_URL = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.IGNORECASE)
# Shorter values would mask ordinary words; the services' secrets are all longer.
MIN_SECRET = 6


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        values = {value for value in secrets if value and len(value) >= MIN_SECRET}
        values |= {quote(value, safe="") for value in values}
        # Longest first, so a secret containing another is masked whole.
        self._secrets = sorted(values, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for value in self._secrets:
            text = text.replace(value, MASK)
        text = TOKEN_IN_URL.sub(f"bot{MASK}", text)
        return PASSWORD_IN_URL.sub(rf"\g<1>{MASK}@", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: the handler reports it in its own way
            return True
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def environment_secrets() -> list[str]:
    found = []
    for name in SECRET_NAMES:
        try:
            value = secret(name)
        except OSError:  # an unreadable *_FILE is reported where the secret is used
            continue
        if value:
            found.append(value)
    return found


def install(logger: logging.Logger | None = None,
            secrets: Iterable[str] | None = None) -> RedactSecrets:
    """Put the filter on every handler of `logger` (the root logger by default)."""
    redactor = RedactSecrets(environment_secrets() if secrets is None else secrets)
    for handler in (logger or logging.getLogger()).handlers:
        handler.addFilter(redactor)
    return redactor
