"""The base every web page builds on: where the shared templates and static files are.

A package of its own (not ``bot/web/__init__.py``) so that the page packages (chat, results,
staff) depend on it without depending on the ASGI app that mounts them. The files stay in
``bot/web/templates`` and ``bot/web/static``: ``templates/base.html`` and ``static/site.css``
are the common layout. Every asset is served by the app itself: no CDN, no third-party
script or font.
"""

from __future__ import annotations

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
