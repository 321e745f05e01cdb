"""The web pages served by the app (citizens' chat and results page, staff console): shared base.

``security`` adds the response headers every page needs (a strict Content-Security-Policy);
``templates/base.html`` and ``static/site.css`` are the common layout. Every asset is served
by the app itself: no CDN, no third-party script or font.
"""

from __future__ import annotations

from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
