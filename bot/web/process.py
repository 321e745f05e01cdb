"""`python -m bot serve [--workers N]`: the production web server, one or several worker processes.

One process (the default, and the only choice on SQLite, which allows one writer
process): the runtime and the web server in this process. Several (PostgreSQL): uvicorn
binds the port once and runs N worker processes; each builds its own services and
runtime (webhooks, inbox workers, a sender that sends only while it holds the cluster's
leader lock) against the shared database. Everything a worker could refuse is checked
here first, so a misconfiguration stops the start instead of making uvicorn respawn
failing workers; migrations also run once, here, rather than racing in every worker.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator

from starlette.applications import Starlette

from bot.app import Services
from bot.config import Settings, load_settings

# Set for the worker processes by the parent: which NLU replicas to use (`[]`: degraded mode).
WORKER_NLU_ENV = "TTHC_NLU__URLS"
WORKER_VERBOSE_ENV = "BOT_SERVE_VERBOSE"


def problems(settings: Settings, workers: int) -> list[str]:
    """Reasons not to start that are about the process layout (channel secrets: bot.runtime)."""
    if workers < 1:
        return ["--workers must be at least 1"]
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        return [
            f"--workers {workers} needs PostgreSQL (database.url): SQLite allows one writing process. "
            "Use --workers 1, or set database.url to postgresql+psycopg://..."
        ]
    return []


@contextlib.contextmanager
def _nlu(settings: Settings, wanted: bool) -> Iterator[tuple[list[str], str | None]]:
    from bot.app import nlu_endpoint

    if not wanted:
        yield [], None
        return
    with nlu_endpoint(settings) as endpoint:
        yield endpoint


def _checked_app(
    settings: Settings, urls: list[str], token: str | None, *, migrate: bool
) -> tuple[Starlette, Services]:
    """The app of one process; raises ConfigError or NotServed (a feature's routes) when it must not start."""
    from bot.app import build_services, warn_unconfirmed
    from bot.features.feature import NotServed
    from bot.runtime import ConfigError, build_runtime
    from bot.web.asgi import create_app

    services = build_services(settings, urls, token, migrate=migrate)
    services.settle()
    warn_unconfirmed(services.office)
    try:
        return create_app(build_runtime(services, "webhook")), services
    except (ConfigError, NotServed):
        asyncio.run(services.aclose())
        raise


def worker_app() -> Starlette:
    """uvicorn's app factory in each worker process (settings and NLU replicas from the environment)."""
    from bot.ops.logs import setup_process

    # Names this process's database sessions (pg_stat_activity), e.g. to see which worker sends.
    os.environ.setdefault("PGAPPNAME", f"tthc-worker-{os.getpid()}")
    settings = load_settings()
    setup_process(settings.ops, os.environ.get(WORKER_VERBOSE_ENV) == "1")  # as the parent's (masked) logs
    token = settings.nlu_token.get_secret_value() if settings.nlu_token else None
    return _checked_app(settings, settings.nlu.urls, token, migrate=False)[0]


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from bot.features.feature import NotServed
    from bot.runtime import ConfigError, check_settings

    settings = load_settings()
    workers = int(getattr(args, "workers", 1) or 1)
    if found := problems(settings, workers) + check_settings(settings, "webhook"):
        print("cannot start: " + "; ".join(found), file=sys.stderr)
        return 2
    has_channels = bool(settings.telegram_bot_token or settings.zalo_bot_token or settings.zalo_oa_app_id
                        or settings.channels.web.enabled)
    server = settings.channels.server
    host, port = args.host or server.host, args.port or server.port
    log_level = "info" if args.verbose else "warning"
    # The dossier push alone needs no NLU; the channels answer citizens and do.
    with _nlu(settings, has_channels and not args.no_nlu) as (urls, token):
        try:
            app, services = _checked_app(settings, urls, token, migrate=True)
        except (ConfigError, NotServed) as exc:
            print(f"cannot start: {exc}", file=sys.stderr)
            return 2
        if workers == 1:
            uvicorn.run(app, host=host, port=port, log_level=log_level, log_config=None,
                        timeout_graceful_shutdown=5)  # open chat streams must not hold a shutdown  # masked root logs
            return 0
        # Checked only: the workers build their own (this runtime was never started).
        asyncio.run(services.aclose())
        # The workers are spawned with this environment: the replicas found or started here.
        os.environ[WORKER_NLU_ENV] = json.dumps(urls)
        os.environ[WORKER_VERBOSE_ENV] = "1" if args.verbose else "0"
        if token:
            os.environ["NLU_TOKEN"] = token
        with _metrics_dir():
            uvicorn.run(
                "bot.web.process:worker_app", factory=True, workers=workers, host=host, port=port, log_level=log_level,
                log_config=None,  # uvicorn's records go through the masked root handler
                timeout_graceful_shutdown=5,
            )
    return 0


@contextlib.contextmanager
def _metrics_dir() -> Iterator[None]:
    """prometheus_client's multiprocess mode, so any worker's /metrics counts for all (bot.ops.metrics).

    An operator's PROMETHEUS_MULTIPROC_DIR is used as given; otherwise a fresh directory for this run.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        yield
        return
    with tempfile.TemporaryDirectory(prefix="tthc-metrics-") as path:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
        try:
            yield
        finally:
            del os.environ["PROMETHEUS_MULTIPROC_DIR"]
