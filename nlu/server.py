"""The Rasa server as a managed child process: venv, trained model, start and stop.

The Rasa venv (Python 3.10, ~2.7 GB) and trained models live in a cache outside
the checkout, keyed by a hash of what produced them, so a fresh clone on the same
machine (CI's) reuses them in seconds instead of reinstalling and retraining.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

NLU_DIR = Path(__file__).resolve().parent
ROOT = NLU_DIR.parent
REQUIREMENTS = NLU_DIR / "requirements-rasa.txt"
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}


class NluSetupError(RuntimeError):
    """The NLU server cannot be set up here; the message says what to do."""


def cache_dir() -> Path:
    base = os.environ.get("TTHC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "tthc-bot"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _log(msg: str) -> None:
    print(f"[nlu] {msg}", file=sys.stderr, flush=True)


def find_python310() -> str:
    """A Python 3.10 interpreter for Rasa, or a clear error saying how to get one."""
    candidates = [os.environ.get("RASA_PYTHON", ""), "python3.10"]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv")))
    candidates += sorted(str(p) for p in pyenv_root.glob("versions/3.10*/bin/python3.10"))
    candidates += ["/usr/bin/python3.10", "/usr/local/bin/python3.10"]
    for cand in filter(None, candidates):
        exe = shutil.which(cand) or (cand if Path(cand).exists() else None)
        if not exe:
            continue
        ok = subprocess.run([exe, "-c", "import sys; assert sys.version_info[:2] == (3, 10)"], capture_output=True)
        if ok.returncode == 0:
            return exe
    raise NluSetupError(
        "Rasa 3.6 needs Python 3.10, which was not found. Install one (`pyenv install 3.10`, "
        "the deadsnakes package python3.10-venv, or `uv python install 3.10`) and/or set RASA_PYTHON "
        "to its path; or point the assistant at a running Rasa server with "
        "TTHC_NLU__URLS='[\"http://host:5005\"]' and NLU_TOKEN."
    )


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.relative_to(ROOT).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


@contextlib.contextmanager
def _exclusive(name: str) -> Iterator[None]:
    """A lock file in the cache, so concurrent starts (tests, workers) build a thing once."""
    with open(cache_dir() / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_venv() -> Path:
    """The Rasa venv for the pinned requirements, created on first use."""
    venv = cache_dir() / f"rasa-venv-{_digest([REQUIREMENTS])}"
    with _exclusive(venv.name):
        _create_venv(venv)
    link = ROOT / ".venv-rasa"
    if not (link.is_symlink() and link.resolve() == venv.resolve()) and not (link.exists() and not link.is_symlink()):
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        link.symlink_to(venv)
    return venv


def _create_venv(venv: Path) -> None:
    if not (venv / ".complete").exists():
        py = find_python310()
        _log(f"creating the Rasa environment in {venv} (first use; several minutes)")
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([py, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "on"]
        subprocess.run([*pip, "--upgrade", "pip", "wheel", "setuptools<70"], check=True)
        subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
        (venv / ".complete").touch()


def training_inputs() -> list[Path]:
    data = sorted(p for p in (NLU_DIR / "data").rglob("*.yml"))
    return [NLU_DIR / "config.yml", *data, REQUIREMENTS]


def _regenerate_training_file() -> None:
    """nlu/data/nlu.yml is derived from nlu/source; rewrite it (atomically) only when the sources changed."""
    from nlu.build_data import OUT_FILE, build, render

    text = render(build()[0])
    if OUT_FILE.exists() and OUT_FILE.read_text(encoding="utf-8") == text:
        return
    tmp = OUT_FILE.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, OUT_FILE)


def ensure_model(venv: Path | None = None) -> Path:
    """The trained model for the current data and config; trained only when they changed."""
    _regenerate_training_file()
    model = cache_dir() / "models" / f"nlu-{_digest(training_inputs())}.tar.gz"
    if model.exists():
        return model
    venv = venv or ensure_venv()
    model.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(model.name):
        if not model.exists():  # trained by another process while this one waited
            _train(venv, model)
    return model


def _train(venv: Path, model: Path) -> None:
    _log(f"training the NLU model ({model.name}); this takes a few minutes")
    with tempfile.TemporaryDirectory(dir=model.parent) as out:
        cmd = [str(venv / "bin" / "python"), "-m", "rasa", "train", "nlu", "--config", "config.yml",
               "--nlu", "data", "--out", out, "--fixed-model-name", "model"]
        subprocess.run(cmd, cwd=NLU_DIR, env={**os.environ, **RASA_ENV}, check=True)
        os.replace(Path(out) / "model.tar.gz", model)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerHandle(NamedTuple):
    url: str
    token: str
    pid: int


@contextlib.contextmanager
def running_server(port: int | None = None, timeout_s: float = 300.0) -> Iterator[ServerHandle]:
    """Start a Rasa server on loopback with a fresh auth token; stops it on exit."""
    venv = ensure_venv()
    model = ensure_model(venv)
    port = port or free_port()
    token = secrets.token_urlsafe(24)
    log_path = cache_dir() / "rasa-server.log"
    cmd = [str(venv / "bin" / "python"), "-m", "rasa", "run", "--enable-api", "-m", str(model),
           # One argv item: a urlsafe token may start with "-", which argparse would read as an option.
           "-i", "127.0.0.1", "-p", str(port), f"--auth-token={token}"]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(cmd, cwd=NLU_DIR, env={**os.environ, **RASA_ENV}, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, token, timeout_s, log_path)
        yield ServerHandle(url, token, proc.pid)
    finally:
        _stop(proc)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, token: str, timeout_s: float, log: Path) -> None:
    _log(f"starting the NLU server at {url} (about 40 s)")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise NluSetupError(f"the Rasa server exited with code {proc.returncode}; see {log}")
        try:
            r = httpx.post(f"{url}/model/parse", params={"token": token}, json={"text": "xin chao"}, timeout=5)
            if r.status_code == 200:
                _log("NLU server ready")
                return
        except httpx.HTTPError:
            pass
        time.sleep(1.0)
    _stop(proc)
    raise NluSetupError(f"the Rasa server did not become ready in {timeout_s:.0f} s; see {log}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
