"""What a person meant by a chat reply: `read_reply` (bot.replies.language)."""

from bot.replies.language import INTENTS, ROLES, Understood, read_reply

__all__ = ["INTENTS", "ROLES", "Understood", "read_reply"]
