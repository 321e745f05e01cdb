"""Local fake platform servers (Telegram Bot API, Zalo OA, Zalo Bot Platform): real HTTP on loopback."""
