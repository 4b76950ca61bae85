"""What a person meant by a chat reply.

`read_reply` is the reply language (bot.replies.language); `understand` and `Reply` keep the
shape the conversation used before it, as a thin adapter over `read_reply`.
"""

from bot.replies.language import INTENTS, ROLES, Understood, read_reply
from bot.replies.legacy import Reply, understand

__all__ = ["INTENTS", "ROLES", "Reply", "Understood", "read_reply", "understand"]
