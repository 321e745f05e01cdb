"""The web side of the app: the ASGI app (asgi.py), the process runner, and the pages it mounts.

The pages (``chat``, ``results``, ``staff``) build on ``base`` (shared templates, static files),
never on this package, which assembles them. ``security`` adds the response headers every page
needs (a strict Content-Security-Policy).
"""
