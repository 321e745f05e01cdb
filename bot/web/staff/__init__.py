"""The staff console in the browser (/staff): accounts and sign-in, the SIPAS dashboard, feedback tickets, exports.

Everything it needs lives in this folder (models, CLI, routes, templates, static files,
its own security headers); ``bot.web.asgi`` mounts ``routes.staff_mount`` with one line.
It reads the same tables the exports read and acts through the same outbox as the chat.
"""
