"""Zalo's error codes as Zalo publishes them, each with what the sender does about it.

One table, so the meaning of a code is written once: the Official Account API's error
table ("Bảng mã lỗi", developers.zalo.me, the same codes as Zalo's own
``zalo-java-sdk`` and ``ZaloDotNetSDK``) and the Zalo Bot Platform's error list. A code
missing here is a plain failure. ``channels.zalo_oa.error_overrides`` in config.yml can
change what is done with a code without a release, should Zalo change its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.settings.channels import Action


@dataclass(frozen=True)
class ZaloCode:
    code: int
    meaning: str
    action: Action


OA_CODES: dict[int, ZaloCode] = {
    c.code: c
    for c in (
        ZaloCode(-32, "the app reached its API call limit", Action.RETRY),
        ZaloCode(-201, "a parameter is invalid", Action.FAILED),
        ZaloCode(-204, "the Official Account is disabled", Action.FAILED),
        ZaloCode(-205, "the Official Account does not exist", Action.FAILED),
        ZaloCode(-209, "the API is not supported (app not activated)", Action.FAILED),
        ZaloCode(-210, "a parameter exceeds its limit", Action.FAILED),
        ZaloCode(-211, "out of quota", Action.RETRY),
        ZaloCode(-212, "the app has not registered this API", Action.FAILED),
        ZaloCode(-213, "the user has not followed the OA", Action.UNDELIVERABLE),
        ZaloCode(-214, "still being processed", Action.RETRY),
        ZaloCode(-216, "the access token is invalid", Action.TOKEN),
        ZaloCode(-217, "the user has blocked invitations from the OA", Action.UNDELIVERABLE),
        ZaloCode(-218, "the user's receiving limit is reached", Action.UNDELIVERABLE),
        ZaloCode(-219, "the app is removed or disabled", Action.FAILED),
        ZaloCode(-220, "the access token is expired or removed", Action.TOKEN),
        ZaloCode(-221, "the OA must be verified for this feature", Action.FAILED),
        ZaloCode(-223, "the OA has not authorised this API", Action.FAILED),
        ZaloCode(-224, "the OA must upgrade its tier package", Action.FAILED),
        ZaloCode(-227, "the user is banned or inactive for more than 45 days", Action.UNDELIVERABLE),
        ZaloCode(-230, "the user has not interacted with the OA in the past 7 days", Action.UNDELIVERABLE),
        ZaloCode(-232, "the user has not interacted, or the last interaction expired", Action.UNDELIVERABLE),
        ZaloCode(-233, "the message type is invalid or not supported", Action.FAILED),
        ZaloCode(-244, "the user has restricted this message type from the OA", Action.UNDELIVERABLE),
        ZaloCode(-248, "the message violates platform standards", Action.FAILED),
    )
}

# The Zalo Bot Platform answers with HTTP statuses (its "error_code" repeats the status).
BOT_STATUSES: dict[int, ZaloCode] = {
    c.code: c
    for c in (
        ZaloCode(400, "bad request", Action.FAILED),
        ZaloCode(401, "unauthorized: the bot token is wrong", Action.FAILED),
        ZaloCode(403, "a server error on the platform (its error list says so)", Action.RETRY),
        ZaloCode(404, "not found", Action.FAILED),
        ZaloCode(408, "request timeout (a long poll that ended empty)", Action.RETRY),
        ZaloCode(429, "too many requests", Action.RETRY),
    )
}


def oa_action(code: int, http_status: int = 200, overrides: dict[int, Action] | None = None) -> Action:
    """What to do with an OA API answer that is not a success."""
    if overrides and code in overrides:
        return overrides[code]
    if http_status == 401:  # the gateway's shape of a refused token: no Zalo code in a JSON body
        return Action.TOKEN
    if http_status == 429 or http_status >= 500:
        return Action.RETRY
    known = OA_CODES.get(code)
    return known.action if known else Action.FAILED


def oa_meaning(code: int) -> str:
    known = OA_CODES.get(code)
    return known.meaning if known else "not in Zalo's error table"


def bot_action(status: int) -> Action:
    """What to do with a Bot Platform error of this HTTP status."""
    if status >= 500:
        return Action.RETRY
    known = BOT_STATUSES.get(status)
    return known.action if known else Action.FAILED
