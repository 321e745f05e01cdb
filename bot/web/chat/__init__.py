"""The citizens' web chat: a channel on the same inbox → dialogue → outbox path as Telegram and Zalo."""
