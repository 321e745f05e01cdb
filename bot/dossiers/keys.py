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
