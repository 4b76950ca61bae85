"""Telegram channel on python-telegram-bot 22.

PTB owns the Bot API details (polling, uploads); this module only translates:
Update -> Incoming, our sends -> Bot calls, and telegram.error -> DeliveryError. The
Application is started piecewise (initialize/start/updater) because we run inside our
own event loop. In webhook mode the bot's own aiohttp server (bot/web.py) receives the
POSTs, with the same body limits as Zalo's webhook, and hands them to `handle_webhook`.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.channels.base import (
    Attachment,
    Button,
    DeliveryError,
    Incoming,
    Sent,
    UpdateHandler,
    split_text,
)

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CAPTION_LIMIT = 1024
# Only what the bot understands; everything else would be acknowledged and ignored anyway.
ALLOWED_UPDATES = ("message", "callback_query")

# How a failed send maps to DeliveryError:
#
#   PTB exception                        cause                          permanent  retry_after
#   Forbidden (403)                      user blocked the bot           True       None
#   BadRequest "chat not found" (400)    unknown / deleted chat         True       None
#   other BadRequest (400)               our bug (bad markup, too       True       None
#                                        long, bad file); logged
#   InvalidToken (401/404)               bad token                      True       None
#   ChatMigrated                         group became a supergroup      True       None
#   RetryAfter (429)                     flood control                  False      seconds
#   TimedOut / NetworkError (incl. 5xx)  Telegram or the network down   False      None
#   any other TelegramError (e.g. 409)   unexpected                     True       None


def _retry_seconds(error: RetryAfter) -> float:
    # PTB 22 warns that `retry_after` will become a timedelta; accept both.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def _chat_not_found(error: TelegramError) -> bool:
    return "chat not found" in str(error).lower()


def _keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


# One update at a time: with several, httpx's connection pool bookkeeping costs more than
# the overlap gains (bench/bench_updates.py); the Zalo webhook path is kept in order per chat
# by the caller anyway.
CONCURRENT_UPDATES = 1


class TelegramChannel:
    name = "telegram"
    max_text = 4096
    supports_buttons = True
    supports_files = True

    def __init__(
        self,
        token: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        *,
        api_base_file_url: str | None = None,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        rate_limit: bool = True,
        poll_timeout: float = 10,
    ) -> None:
        if not token:
            raise ValueError("telegram: the bot token is empty")
        if webhook_url and not webhook_secret:
            # Without it anyone who finds the URL could post updates in a user's name.
            raise ValueError("telegram: webhook mode needs webhook_secret")
        self._token = token
        self._api_base_url = api_base_url
        if api_base_file_url is None and api_base_url.endswith("/bot"):
            # https://api.telegram.org/bot -> https://api.telegram.org/file/bot, and the
            # same shape for a local Bot API server or a test fake.
            api_base_file_url = api_base_url.removesuffix("/bot") + "/file/bot"
        self._api_base_file_url = api_base_file_url
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self._rate_limit = rate_limit
        self._poll_timeout = poll_timeout
        self._application: Application[Any, Any, Any, Any, Any, Any] | None = None
        self._on_update: UpdateHandler | None = None
        self._chat_limiters: dict[str, AsyncLimiter] = {}

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, on_update: UpdateHandler) -> None:
        if self._application is not None:
            raise RuntimeError("telegram channel is already started")
        # No JobQueue: scheduling lives in the project's own scheduler, not in PTB.
        builder = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self._api_base_url)
            .job_queue(None)
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if self._webhook_url:
            builder = builder.updater(None)  # updates come in through handle_webhook
        if self._api_base_file_url is not None:
            builder = builder.base_file_url(self._api_base_file_url)
        if self._rate_limit:
            builder = builder.rate_limiter(
                AIORateLimiter(
                    overall_max_rate=30,
                    overall_time_period=1,
                    group_max_rate=20,
                    group_time_period=60,
                    # A RetryAfter goes back to the caller as a temporary DeliveryError;
                    # the caller's retry schedule decides when to try again.
                    max_retries=0,
                )
            )
        application = builder.build()

        async def handle(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            if isinstance(update, Update):
                await self._handle_update(update, on_update)

        application.add_handler(TypeHandler(Update, handle))
        try:
            await application.initialize()
        except TelegramError as error:
            # A failed initialize leaves the bot's HTTP clients open.
            await application.bot.shutdown()
            if isinstance(error, InvalidToken):  # PTB's own message quotes the token
                raise RuntimeError("telegram rejected the bot token (getMe)") from None
            raise RuntimeError(f"telegram getMe failed: {self._scrub(str(error))}") from None
        try:
            await application.start()
            if self._webhook_url:
                await application.bot.set_webhook(
                    self._webhook_url,
                    secret_token=self._webhook_secret,
                    allowed_updates=ALLOWED_UPDATES,
                )
            else:
                updater = application.updater
                assert updater is not None  # ApplicationBuilder makes one unless told not to
                await updater.start_polling(
                    timeout=timedelta(seconds=self._poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
        except BaseException:
            await self._shutdown(application)
            raise
        self._application = application
        self._on_update = on_update
        log.info(
            "telegram bot @%s started (%s)",
            application.bot.username,
            "webhook" if self._webhook_url else "long polling",
        )

    async def stop(self) -> None:
        # A webhook stays set: updates that arrive while we restart are retried by Telegram.
        self._on_update = None
        application, self._application = self._application, None
        if application is not None:
            await self._shutdown(application)

    @staticmethod
    async def _shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await application.shutdown()

    def _scrub(self, text: str) -> str:
        return text.replace(self._token, "***")

    @property
    def _bot(self) -> Bot:
        if self._application is None:
            # Not yet (or no longer) connected: a send waits for the caller's next retry.
            raise DeliveryError("telegram channel is not started", permanent=False)
        return self._application.bot

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> int:
        """Handle one POST from Telegram; return the HTTP status to answer with.

        `headers` must match names case-insensitively (aiohttp's do). The body has been
        checked to be JSON within bot/web.py's limits.
        """
        given = headers.get(SECRET_HEADER)
        expected = self._webhook_secret
        if not expected or given is None or not hmac.compare_digest(
            given.encode(), expected.encode()
        ):
            log.warning("telegram webhook: refused a request with a wrong or missing secret")
            return 403
        application, on_update = self._application, self._on_update
        if application is None or on_update is None:
            return 503  # not started (or stopping): Telegram delivers it again later
        try:
            update = Update.de_json(json.loads(body), application.bot)
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # Acknowledged: resending cannot make it readable.
            log.warning("telegram webhook: skipped an update we cannot read (%s)", error)
            return 200
        # A failure to take the update (not even journalled) escapes to bot/web.py: 503, resent.
        await self._handle_update(update, on_update, acknowledge_failure=False)
        return 200

    # -- receiving -----------------------------------------------------------------------

    async def _handle_update(self, update: Update, on_update: UpdateHandler, *,
                             acknowledge_failure: bool = True) -> None:
        try:
            incoming = self._to_incoming(update)
        except (AttributeError, TypeError, ValueError) as error:
            log.warning("telegram: skipped update %s we cannot read (%s)", update.update_id, error)
            incoming = None
        try:
            if incoming is not None:
                await on_update(incoming)
        except Exception:
            if not acknowledge_failure:
                raise
            # Polling has already confirmed the update: logged here rather than by PTB's
            # "no error handlers" fallback.
            log.exception("telegram: handling update %s failed", update.update_id)
        finally:
            if update.callback_query is not None:
                # Stops the spinner on the pressed button, whatever the outcome.
                try:
                    await update.callback_query.answer()
                except TelegramError as error:
                    log.warning("telegram: answering callback query failed: %s", error)

    def _to_incoming(self, update: Update) -> Incoming | None:
        """Update -> Incoming; None for kinds the bot does not handle."""
        query = update.callback_query
        if query is not None:
            carrier = query.message
            # An old bot message may come back as InaccessibleMessage: no chat details
            # beyond the id, which is all we need.
            chat_id = carrier.chat.id if carrier is not None else query.from_user.id
            return Incoming(
                channel=self.name,
                chat_id=str(chat_id),
                user_id=str(query.from_user.id),
                display_name=query.from_user.full_name,
                date=datetime.now(UTC),  # a button press carries no date of its own
                reply_to_message_id=str(carrier.message_id) if carrier is not None else None,
                callback_data=query.data,
                callback_id=query.id,
                update_key=f"{self.name}:callback:{query.id}",
            )
        message = update.message
        if message is None or message.from_user is None:
            return None  # edits, channel posts, membership changes, ...
        reply = message.reply_to_message
        return Incoming(
            channel=self.name,
            chat_id=str(message.chat.id),
            user_id=str(message.from_user.id),
            display_name=message.from_user.full_name,
            date=message.date,
            text=message.text or message.caption or "",
            message_id=str(message.message_id),
            reply_to_message_id=str(reply.message_id) if reply is not None else None,
            attachment=self._attachment(message),
            # Message ids are unique within a chat for good; update ids may restart after a
            # quiet week (Bot API, getUpdates).
            update_key=f"{self.name}:{message.chat.id}:{message.message_id}",
        )

    def _attachment(self, message: Message) -> Attachment | None:
        if message.document is not None:
            document = message.document
            return Attachment(
                kind="document",
                file_name=document.file_name or f"document-{document.file_unique_id}",
                mime_type=document.mime_type,
                size=document.file_size,
                fetch=self.fetcher(document.file_id),
                source=document.file_id,
            )
        if message.photo:
            largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
            return Attachment(
                kind="photo",
                file_name=f"photo-{largest.file_unique_id}.jpg",
                mime_type="image/jpeg",
                size=largest.file_size,
                fetch=self.fetcher(largest.file_id),
                source=largest.file_id,
            )
        return None

    def fetcher(self, file_id: str) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            try:
                file = await self._bot.get_file(file_id)
                return bytes(await file.download_as_bytearray())
            except TelegramError as error:
                raise self._delivery_error("getFile", error) from None

        return fetch

    # -- sending -------------------------------------------------------------------------

    async def send_text(
        self,
        chat_id: str,
        text: str,
        *,
        buttons: list[list[Button]] | None = None,
        reply_to: str | None = None,
    ) -> Sent:
        if not text.strip():
            raise DeliveryError("telegram: empty text", permanent=True)
        parts = split_text(text, self.max_text)
        sent = Sent(message_id=None)
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            kwargs: dict[str, Any] = {}
            if last and buttons:
                kwargs["reply_markup"] = _keyboard(buttons)
            if index == 0 and reply_to is not None:
                if reply_to.isdigit():
                    # allow_sending_without_reply: a deleted original must not cost the send.
                    kwargs["reply_parameters"] = ReplyParameters(
                        message_id=int(reply_to), allow_sending_without_reply=True
                    )
                else:
                    log.warning("telegram: ignored reply_to %r, not a message id", reply_to)
            # No parse_mode: plain text, so user-provided words can never break markup.
            sent = await self._send(
                "sendMessage", chat_id, self._bot.send_message(chat_id, part, **kwargs)
            )
        return sent

    async def send_file(
        self, chat_id: str, content: bytes, file_name: str, caption: str | None = None
    ) -> Sent:
        caption = await self._caption_or_text(chat_id, caption)
        return await self._send(
            "sendDocument",
            chat_id,
            self._bot.send_document(chat_id, content, filename=file_name, caption=caption),
        )

    async def send_photo(self, chat_id: str, content: bytes, caption: str | None = None, *,
                         file_name: str = "bieu-do.png") -> Sent:
        caption = await self._caption_or_text(chat_id, caption)
        return await self._send(
            "sendPhoto", chat_id,
            self._bot.send_photo(chat_id, content, caption=caption, filename=file_name),
        )

    async def _caption_or_text(self, chat_id: str, caption: str | None) -> str | None:
        """Captions stop at 1,024 characters; a longer one goes first as a message."""
        # Telegram counts UTF-16 code units (an emoji may count as two).
        if caption is not None and len(caption.encode("utf-16-le")) // 2 > CAPTION_LIMIT:
            await self.send_text(chat_id, caption)
            return None
        return caption or None

    async def _send(self, method: str, chat_id: str, call: Awaitable[Message]) -> Sent:
        if self._rate_limit:
            # Telegram allows about one message a second to one chat; AIORateLimiter only
            # paces groups and the overall rate, so private chats are paced here.
            limiter = self._chat_limiters.get(chat_id)
            if limiter is None:
                limiter = self._chat_limiters[chat_id] = AsyncLimiter(1, 1)
            await limiter.acquire()
        started = time.monotonic()
        try:
            message = await call
        except TelegramError as error:
            ms = (time.monotonic() - started) * 1000
            delivery_error = self._delivery_error(method, error)
            # A bad request other than an unknown chat means we built a wrong call.
            our_bug = isinstance(error, BadRequest) and not _chat_not_found(error)
            log.log(
                logging.ERROR if our_bug else logging.WARNING,
                "telegram %s chat=%s error=%s permanent=%s %.0f ms",
                method, chat_id, delivery_error.reason, delivery_error.permanent, ms,
            )  # fmt: skip
            raise delivery_error from None
        ms = (time.monotonic() - started) * 1000
        # DEBUG: the caller writes the one line per delivery or reply that operators read.
        log.debug(
            "telegram %s chat=%s ok message_id=%s %.0f ms", method, chat_id, message.message_id, ms
        )
        return Sent(message_id=str(message.message_id))

    def _delivery_error(self, method: str, error: TelegramError) -> DeliveryError:
        reason = f"telegram {method}: {type(error).__name__}: {self._scrub(str(error))}"
        if isinstance(error, RetryAfter):
            return DeliveryError(reason, permanent=False, retry_after=_retry_seconds(error))
        if isinstance(error, BadRequest):  # before NetworkError: BadRequest subclasses it
            return DeliveryError(reason, permanent=True)
        if isinstance(error, NetworkError):  # TimedOut, 5xx, connection errors
            return DeliveryError(reason, permanent=False)
        # Forbidden, InvalidToken, ChatMigrated, Conflict, ...: retrying cannot help.
        return DeliveryError(reason, permanent=True)
