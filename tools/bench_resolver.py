"""Resolve latency against the full catalogue: ``python -m tools.bench_resolver``.

Prints one JSON line: ``{"resolve_p50_ms", "resolve_p95_ms", "resolve_p99_ms", "procedures",
"messages"}``. The catalogue is the one the assistant loads (curated YAML entries merged over
the imported national ones); the messages are a fixed, realistic mix: everyday questions
(with and without tone marks, chat abbreviations, typos, several sentences, nothing named)
and the formal portal-style questions of ``tests/data/resolver_formal.yml``.

Each message is normalised once (that is not the resolver's cost) and resolved REPEATS
times with the typo cache emptied before each run, so every run pays for its typo
lookups; a message's time is its fastest run, which leaves out the time the process
spent waiting for a busy machine's CPU. The percentiles are over messages.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import yaml

from knowledge_base.importer import NATIONAL_PATH, load_national, merge
from knowledge_base.loader import load_procedures
from knowledge_base.resolver import Resolver
from nlu.normalize import normalize

ROOT = Path(__file__).resolve().parents[1]
PROCEDURES_DIR = ROOT / "knowledge_base" / "procedures"
FORMAL_SET = ROOT / "tests" / "data" / "resolver_formal.yml"
REPEATS = 5

EVERYDAY = [
    "làm giấy khai sinh cho con cần những giấy tờ gì ạ",
    "dang ky ket hon can mang theo nhung gi vay ad",
    "cho e hỏi làm cccd lần đầu cho con 14 tuổi cần chuẩn bị gì ạ",
    "ho so dang ky thuong truu gom nhung gi",
    "Em muốn nhập khẩu cho con vào hộ nhà chồng, con em đã có giấy khai sinh rồi. Cần mang gì ạ?",
    "bố em mất hôm qua, giờ báo tử thì cần mang giấy gì",
    "lam so do lan dau can nhung giay to gi a",
    "mở hộ kinh doanh bán tạp hóa cần hồ sơ gì vậy mn",
    "xin giấy phép xây dựng nhà ở riêng lẻ mất bao lâu",
    "sang ten xe may thi can giay to gi",
    "xin giấy xác nhận tình trạng hôn nhân để mua nhà",
    "doi bang lai xe het han o dau",
    "mất căn cước thì làm lại thế nào",
    "lý lịch tư pháp số 2 xin ở đâu",
    "kết hôn với người nước ngoài cần những giấy tờ gì",
    "tach thua dat can dieu kien gi",
    "đăng ký tạm trú cho người thuê trọ online được không",
    "lam ho chieu bao lau thi co",
    "lệ phí cấp đổi sổ đỏ bao nhiêu tiền",
    "con e sinh ở nước ngoài giờ về đăng ký khai sinh thế nào",
    "khai tử cho bà ngoại cần những gì",
    "xin xét hộ cận nghèo năm nay",
    "đăng kí giám hộ cho cháu",
    "sửa sai ngày sinh trong giấy khai sinh",
    "trích lục khai sinh bản sao xin ở đâu",
    "cho mình hỏi thủ tục chấm dứt hộ kinh doanh",
    "khai báo tạm vắng đi làm xa",
    "tách hộ khẩu ra ở riêng",
    "xac nhan thong tin cu tru lam o dau",
    "giấy phép lái xe quốc tế làm ở đâu",
    "lệ phí bao nhiêu vậy",
    "trung tâm mấy giờ mở cửa",
    "hồ sơ của tôi xong chưa",
    "cảm ơn ad nhiều nhé",
    "hôm nay có mưa không",
    "tôi muốn đánh giá mức độ hài lòng",
    "ho so cua toi tre hen 10 ngay ma khong ai thong bao, toi muon khieu nai",
    "Kính gửi Trung tâm, xin cho biết thời hạn giải quyết hồ sơ đăng ký kết hôn. Trân trọng cảm ơn.",
    "Con em 3 tuổi, giấy khai sinh chưa có tên bố, giờ bố cháu muốn nhận con thì làm sao",
    "thủ tục cấp phép kinh doanh rượu cần gì",
]


def messages() -> list[tuple[str, str]]:
    """The fixed message set: (normalised, as written) -- a message with tone marks is also read toned."""
    texts = list(EVERYDAY)
    if FORMAL_SET.exists():
        texts += [str(case["text"]) for case in yaml.safe_load(FORMAL_SET.read_text(encoding="utf-8"))["cases"]]
    return [(normalize(text), text) for text in texts]


def bench(resolver: Resolver, texts: list[tuple[str, str]], repeats: int = REPEATS) -> list[float]:
    """Per message, its fastest resolve in milliseconds."""
    # Emptied before each run: every run pays for its typo lookups.
    caches = (resolver._index._variant_cache, resolver._toned._variant_cache)
    for text, original in texts:  # warm-up: imports, first allocations
        resolver.resolve(text, original=original)
    times = []
    for text, original in texts:
        best = float("inf")
        for _ in range(repeats):
            for cache in caches:
                cache.clear()
            start = time.perf_counter()
            resolver.resolve(text, original=original)
            best = min(best, time.perf_counter() - start)
        times.append(best * 1000.0)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_resolver", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per message (its fastest counts)")
    args = parser.parse_args(argv)
    procedures = merge(load_procedures(PROCEDURES_DIR), load_national(NATIONAL_PATH))
    resolver = Resolver(procedures)
    texts = messages()
    times = bench(resolver, texts, max(1, args.repeats))
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    print(
        json.dumps(
            {
                "resolve_p50_ms": round(cuts[49], 3),
                "resolve_p95_ms": round(cuts[94], 3),
                "resolve_p99_ms": round(cuts[98], 3),
                "procedures": len(procedures),
                "messages": len(texts),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
