"""The staff console in the browser (/staff): accounts and sign-in, the SIPAS dashboard, feedback tickets, exports.

Everything it needs lives in this folder (models, CLI, routes, templates, static files);
``bot.web.asgi`` mounts ``routes.staff_mount`` with one line. It sets no security headers
of its own: ``bot.web.security`` sets them for every page of the server at once.
It reads the same tables the exports read and acts through the same outbox as the chat.
"""
