"""The secret key of the phone-digit hashes: from the environment, or a local file in development.

Four digits have only 10,000 values, so a hash is only as strong as its key: it
must stay out of the database, the logs and the repository. Several workers or
machines must share one key (set ``DOSSIER_HASH_KEY``); changing it invalidates
every stored hash until the next import.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

ENV_VAR = "DOSSIER_HASH_KEY"
PUSH_SECRET_ENV = "DOSSIER_PUSH_SECRET"
MIN_HASH_KEY, MIN_SECRET = 16, 16  # 16 random characters are beyond guessing
# Values printed in the README and docs: anyone can read them, so they are no secret.
EXAMPLE_VALUES = frozenset({"change-me-to-a-long-random-secret", "...", "change-me", "secret", "changeme"})


def weak_secrets(env: dict[str, str] | None = None) -> list[str]:
    """Problems with the dossier secrets that are set: too short, or an example value. Names the variable."""
    env = dict(os.environ) if env is None else env
    found: list[str] = []
    for name, minimum in ((ENV_VAR, MIN_HASH_KEY), (PUSH_SECRET_ENV, MIN_SECRET)):
        value = env.get(name, "").strip()
        if not value:
            continue
        if value.lower() in EXAMPLE_VALUES:
            found.append(f"{name} is an example value from the documentation: set a random one")
        elif len(value) < minimum:
            found.append(f"{name} must be at least {minimum} characters (e.g. openssl rand -hex 32)")
    return found
DEFAULT_FILE = Path("var/dossier_hash.key")


def load_hash_key(path: Path) -> bytes:
    """``DOSSIER_HASH_KEY`` when set; else the key in ``path``, created once (mode 0600) if missing."""
    from_env = os.environ.get(ENV_VAR, "").strip()
    if from_env:
        return from_env.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not write two different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if not key:
            raise RuntimeError(f"{path} is empty: delete it or set {ENV_VAR}") from None
        return key.encode()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    log.warning("%s not set: created a development key in %s", ENV_VAR, path)
    return key.encode()
