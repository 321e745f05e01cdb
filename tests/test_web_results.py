"""`/ket-qua`: only periods with enough responses are published, with the figures /ketqua gives in chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fakes.assistant import Served, channel_settings, serving, sqlite_url
from fakes.http import free_port

from bot.app import build_services
from bot.features.surveys.demo import load_demo
from knowledge_base.resolver import Resolver
from knowledge_base.schema import Procedure


@pytest.fixture
async def served(tmp_path: Path, knowledge: dict[str, Procedure], resolver: Resolver) -> AsyncIterator[Served]:
    settings = channel_settings(sqlite_url(tmp_path), free_port())
    services = build_services(settings, [], None, procedures=knowledge, resolver=resolver)
    try:
        async with serving(services) as s:
            yield s
    finally:
        await services.aclose()


async def test_nothing_is_published_below_the_minimum(served: Served) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        page = await client.get("/ket-qua")
        data = (await client.get("/ket-qua/so-lieu.json")).json()
    assert page.status_code == 200 and "Chưa nhận đủ 30 phiếu" in page.text
    assert len(data["months"]) == 12 and not any(m["published"] or m["responses"] for m in data["months"])


def _figures(text: str) -> list[str]:
    return re.findall(r"\d+,\d %", text)


async def test_the_page_shows_the_chat_figures_and_withholds_thin_months(served: Served) -> None:
    svc = served.services.surveys
    assert svc is not None
    async with served.services.sessions() as session, session.begin():
        await load_demo(session, svc.service.form, 600, svc.service.today())
    async with served.services.sessions() as session:
        in_chat = (await svc.reports.public(session)).text
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        page = (await client.get("/ket-qua")).text
        data = (await client.get("/ket-qua/so-lieu.json")).json()
    quarter = page.split('id="quarter-title"', 1)[1].split("</section>", 1)[0]
    chat_lines = in_chat.split("phiếu (", 1)[1]
    chat_overall = re.search(r"Chung: (\d+,\d %)", chat_lines)
    assert chat_overall and f"<strong>{chat_overall.group(1)}</strong>" in quarter
    elements = chat_lines.split("• Chung:")[0]
    assert _figures(elements) and _figures(elements) == _figures(quarter.split("</p>", 1)[1])
    published = [m for m in data["months"] if m["published"]]
    withheld = [m for m in data["months"] if not m["published"]]
    assert published and withheld  # the demo spreads 600 responses over 4 months
    assert all(m["responses"] >= 30 and m["overall"] is not None for m in published)
    assert all(m["responses"] is None and m["overall"] is None for m in withheld)
    for m in published:
        assert m["label"] in page
