"""`python -m bot zalo check`: before launch, what works against the real OA and Zalo bot, in plain words.

It uses the same client, token store and error table as the running service: the token
pair (stored, or seeded from the environment) is loaded, renewed if due, and tried on
the OA's own profile; with ``--user`` one text and one message with buttons go to a test
follower. What only a real event can show is listed as not verified, with how to see it.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import Any

from bot.config import Settings, load_settings

NOT_VERIFIED = [
    "the webhook signature variant (OA secret key or app secret, hex case): send the OA a message after "
    "launch; \"webhook refused: bad signature\" in the log means the variant is wrong",
    "whether Zalo's check after saving the webhook URL carries a signature: watch the log when you save it "
    "in the OA console (a 401 there is expected to be harmless)",
    "the retry header name (num_retry) and schedule: only visible when a delivery fails",
]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("zalo", help="Zalo tools: `zalo check` before launch")
    zsub = p.add_subparsers(dest="zalo_command", required=True)
    c = zsub.add_parser(
        "check", help="check the real OA and bot: token, expiry, a text and a message with buttons",
        description="Uses the settings and environment of `serve`. Prints OK / FAIL / NOT VERIFIED lines.",
    )
    c.add_argument("--user", help="a test follower's Zalo user id: one text and one message with buttons go to it")
    c.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    return asyncio.run(check(load_settings(), args.user, print))


async def check(settings: Settings, user: str | None, say: Callable[[str], Any]) -> int:
    """Prints one line per point; 0 when nothing failed."""
    failed = 0

    def report(ok: bool, text: str) -> None:
        nonlocal failed
        failed += not ok
        say(("OK    " if ok else "FAIL  ") + text)

    if not settings.zalo_oa_app_id and not settings.zalo_bot_token:
        report(False, "neither ZALO_OA_APP_ID nor ZALO_BOT_TOKEN is set: nothing to check")
        return 1
    if settings.zalo_oa_app_id:
        await _check_oa(settings, user, report)
    if settings.zalo_bot_token:
        await _check_bot(settings, report)
    for point in NOT_VERIFIED:
        say("NOT VERIFIED  " + point)
    return 1 if failed else 0


async def _check_oa(settings: Settings, user: str | None, report: Callable[[bool, str], None]) -> None:
    from bot.app import build_services
    from bot.channels.zalo_errors import oa_meaning
    from bot.channels.zalo_oa_client import ZaloOAClient
    from bot.runtime import _secret, _zalo_tokens, check_settings

    for problem in check_settings(settings, "webhook"):
        if "ZALO_OA" in problem or "zalo_oa" in problem:
            report(False, problem)
    oa = settings.channels.zalo_oa
    client = ZaloOAClient(oa, settings.zalo_oa_app_id or "", _secret(settings.zalo_oa_app_secret))
    services = build_services(settings, [], None)
    try:
        tokens = _zalo_tokens(settings, services.sessions, client)
        try:
            expires = await tokens.refresh_if_due()
        except Exception as exc:
            report(False, f"access token: none usable and renewing failed ({exc})")
            return
        report(True, f"access token stored, expires {expires:%Y-%m-%d %H:%M} UTC (renewed ahead by the service)"
               if expires else "access token stored (expiry unknown)")
        token = await tokens.access_token()
        profile = await client.get_oa(token)
        if profile.ok:
            found = str(profile.data.get("oa_id", ""))
            report(found == oa.oa_id, f"the token works for OA {found or '?'} (configured oa_id: {oa.oa_id or 'none'})")
        else:
            report(False, f"the token was refused: {profile.code} {oa_meaning(profile.code)}")
        if user:
            for what, buttons in (("a text", []), ("a message with buttons", [("Kiểm tra", "#0|m:greet")])):
                sent = await client.send(token, user, "Dạ, đây là tin nhắn kiểm tra của Trung tâm ạ.", buttons)
                detail = "" if sent.ok else f": {sent.code} {oa_meaning(sent.code)} {sent.message}"
                report(sent.ok, f"{what} to the test follower {'delivered' if sent.ok else 'refused'}{detail}")
        else:
            report(True, "no --user given: no test message sent (buttons not tried)")
    finally:
        await client.aclose()
        await services.aclose()


async def _check_bot(settings: Settings, report: Callable[[bool, str], None]) -> None:
    from bot.channels.zalo_bot_client import ZaloBotClient, ZaloBotError
    from bot.runtime import _secret

    bot = ZaloBotClient(settings.channels.zalo_bot, _secret(settings.zalo_bot_token))
    try:
        me = await bot.get_me()
        name = me.get("account_name", "?") if isinstance(me, dict) else "?"
        report(True, f"Zalo bot token works (bot {name})")
    except ZaloBotError as exc:
        report(False, f"Zalo bot token refused: {exc}")
    except Exception as exc:
        report(False, f"Zalo Bot Platform unreachable: {exc!r}")
    finally:
        await bot.aclose()
    url = settings.channels.zalo_bot.webhook_url
    report(bool(url), f"Zalo bot webhook URL: {url or 'not set (polling only)'}")
