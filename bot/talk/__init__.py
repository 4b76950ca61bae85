"""The talk: what the bot does with each incoming chat message, whatever the channel.

One path for every message, in parts by what a message is about:
- `intake` stores each update once, identifies its writer and answers (exactly once, the
  journal while the database is down); `route` sends it to one of the parts below;
- `replies` — an official on where an item stands (done, progress, not yet, a note);
- `extensions` — a request to move a deadline, and the chairman's decision;
- `commands` — the slash commands (`COMMANDS`, one entry per command);
- `questions` — the numbered list or the date the bot asked for, and buttons;
- `evidence` — files sent as proof of work;
- `context` — who writes and which milestone a reply is about.
"""

from bot.talk.commands import build_report, save_report
from bot.talk.evidence import store_file
from bot.talk.intake import Answer, Runtime, create_invitation, handle_update, replay_journal

__all__ = ["Answer", "Runtime", "build_report", "create_invitation", "handle_update",
           "replay_journal", "save_report", "store_file"]
