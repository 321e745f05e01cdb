"""Import the national portal's procedure records into knowledge-base entries.

One compressed JSON-lines file of ``Procedure`` entries (``curated: false``), sorted by code and
written byte-for-byte reproducibly, plus a report of what could not be parsed. Curated YAML
entries always win over imported ones (``merge``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from tqdm import tqdm

from knowledge_base.aliases import derive_aliases, naming_families, shared_too_widely
from knowledge_base.everyday import load_everyday, with_everyday
from knowledge_base.import_report import render_report
from knowledge_base.record_parsing import Issue, clean, clip, parse_channels
from knowledge_base.record_rates import date_rows
from knowledge_base.record_tables import (
    Vocabulary,
    parse_documents,
    parse_legal_basis,
    parse_lines,
    parse_result,
    parse_steps,
)
from knowledge_base.schema import Procedure
from knowledge_base.shared_values import ValuePool

__all__ = ["NATIONAL_PATH", "ImportResult", "build_entry", "import_records", "load_national", "merge"]

NATIONAL_PATH = Path(__file__).with_name("national.jsonl.gz")
TEXT_FIELDS = (
    "ten_thu_tuc", "co_quan_thuc_hien", "co_quan_co_tham_quyen", "ket_qua_xu_ly", "yeu_cau_dieu_kien",
    "trinh_tu_thuc_hien", "thanh_phan_ho_so", "can_cu_phap_ly", "cach_thuc_thuc_hien", "doi_tuong_thuc_hien",
)  # fmt: skip


class MalformedRecord(ValueError):
    """A record that cannot become an entry at all."""


@dataclass
class ImportResult:
    read: int = 0
    entries: list[Procedure] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    issues: list[tuple[str, Issue]] = field(default_factory=list)  # (code, issue)
    day: dt.date | None = None
    unchanged: bool = False

    def report(self) -> str:
        return render_report(self.read, self.entries, self.skipped, self.issues, self.day)


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return value if isinstance(value, str) else ""


def build_entry(record: Mapping[str, Any], vocab: Vocabulary) -> tuple[dict[str, Any], list[Issue]]:
    """The entry (not yet validated, without dates) of one record, and the issues met."""
    code = _text(record, "ma_thu_tuc").strip()
    if not code:
        raise MalformedRecord("missing code (ma_thu_tuc)")
    issues: list[Issue] = []

    def whole(value: str | None, name: str) -> str | None:
        # A value cut in the middle of a word is no longer the official wording: drop it.
        if value and vocab.cut_mid_word(value):
            issues.append(Issue(name, "cut mid-word, dropped", clip(value[-80:])))
            return None
        return value

    channels, found = parse_channels(_text(record, "cach_thuc_thuc_hien"), _text(record, "trinh_tu_thuc_hien"))
    found += date_rows(channels)
    documents, more = parse_documents(_text(record, "thanh_phan_ho_so"))
    legal, most = parse_legal_basis(_text(record, "can_cu_phap_ly"))
    issues += found + more + most
    for doc in documents:  # kept: a listed document matters more than its tidy name
        if vocab.cut_mid_word(doc["name"]):
            issues.append(Issue("documents", "name cut mid-word, kept", clip(doc["name"][-80:])))
    agency = clean(_text(record, "co_quan_thuc_hien")) or clean(_text(record, "co_quan_co_tham_quyen"))
    url = clean(_text(record, "detail_url"))
    entry: dict[str, Any] = {
        "code": code,
        "name": " ".join(_text(record, "ten_thu_tuc").split()),
        "level": [lv.strip() for lv in _text(record, "cap_thuc_hien").split(",") if lv.strip()],
        "field": clean(_text(record, "linh_vuc")),
        "agency": whole(agency.removesuffix("_old") if agency else None, "agency"),
        "where": whole(clean(_text(record, "dia_chi_tiep_nhan")), "where"),
        "who": whole(clean(_text(record, "doi_tuong_thuc_hien")), "who"),
        "channels": channels,
        "documents": documents,
        "steps": [s for s in parse_steps(_text(record, "trinh_tu_thuc_hien")) if whole(s, "steps")],
        "conditions": [c for c in parse_lines(_text(record, "yeu_cau_dieu_kien")) if whole(c, "conditions")],
        "legal_basis": legal,
        "result": whole(parse_result(_text(record, "ket_qua_xu_ly")), "result"),
        # The records do not say the online level; a "Trực tuyến" row says it can be filed online.
        "online": (
            {"available": any(c["channel"] == "online" for c in channels), "url": url} if channels else None
        ),
        "aliases": derive_aliases(_text(record, "ten_thu_tuc")),
        "curated": False,
        "source": {"code": code, "decision": clean(_text(record, "so_quyet_dinh")), "url": url},
    }
    if entry["online"] and not entry["online"]["available"]:
        entry["online"]["url"] = None
    return entry, issues


def _read_records(files: list[Path], root: Path, result: ImportResult) -> list[tuple[str, dict[str, Any]]]:
    records = []
    for path in tqdm(files, desc="reading records", unit=" rec", disable=None):
        name = path.relative_to(root).as_posix()
        result.read += 1
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            result.skipped.append((name, f"not readable JSON: {exc}"))
            continue
        if not isinstance(data, dict):
            result.skipped.append((name, f"not a JSON object but {type(data).__name__}"))
            continue
        # Some records mix decomposed tone marks in; the parsers and the resolver expect NFC.
        records.append(
            (
                name,
                {
                    k: unicodedata.normalize("NFC", v) if isinstance(v, str) else v
                    for k, v in data.items()
                    if k != "raw_text"
                },
            )
        )
    return records


def _entries(
    records: list[tuple[str, dict[str, Any]]], result: ImportResult
) -> list[tuple[str, dict[str, Any]]]:
    vocab = Vocabulary([_text(r, k) for _, r in records for k in TEXT_FIELDS])
    entries: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for name, record in tqdm(records, desc="parsing records", unit=" rec", disable=None):
        try:
            entry, issues = build_entry(record, vocab)
        except MalformedRecord as exc:
            result.skipped.append((name, str(exc)))
            continue
        if entry["code"] in seen:
            result.skipped.append((name, f"duplicate code {entry['code']}, also in {seen[entry['code']]}"))
            continue
        seen[entry["code"]] = name
        result.issues += [(entry["code"], i) for i in issues]
        entries.append((name, entry))
    wide = shared_too_widely(e["aliases"] for _, e in entries)
    for _, entry in entries:
        entry["aliases"] = [a for a in entry["aliases"] if a.casefold() not in wide]
    families = naming_families([(e["name"], e["aliases"]) for _, e in entries])
    for (_, entry), family in zip(entries, families, strict=True):
        entry["aliases"] = [a for a in entry["aliases"] if a.casefold() not in family]
    return entries


def _validated(entries: list[tuple[str, dict[str, Any]]], day: dt.date, result: ImportResult) -> None:
    for name, entry in entries:
        entry["source"].update(checked=day, imported=day)
        try:
            result.entries.append(Procedure.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            result.skipped.append((name, f"schema: {problems}"))
    result.entries.sort(key=lambda p: p.code)


def render(entries: list[Procedure]) -> bytes:
    """The gzip bytes of the entries, reproducibly: sorted, fixed header (no name, mtime 0)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        for entry in sorted(entries, key=lambda p: p.code):
            gz.write(entry.model_dump_json(exclude_none=True).encode("utf-8") + b"\n")
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace path with data in one step: readers see the old file or the new, never a part."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _previous_day(path: Path) -> dt.date | None:
    try:
        with gzip.open(path, "rb") as lines:
            first = lines.readline()
        return Procedure.model_validate_json(first).source.imported if first else None
    except (OSError, EOFError, ValueError):
        return None


def import_records(folder: Path, output: Path, day: dt.date | None = None) -> ImportResult:
    """Import every ``*.json`` record under folder into output.

    Without an explicit day, an output whose content would not change keeps its import date,
    so re-running the import on the same records rewrites nothing (and git sees no change).
    """
    result = ImportResult()
    files = sorted(folder.rglob("*.json"), key=lambda p: p.relative_to(folder).as_posix())
    entries = _entries(_read_records(files, folder, result), result)
    previous = _previous_day(output) if day is None else None
    result.day = day or previous or dt.date.today()
    _validated(entries, result.day, result)
    data = render(result.entries)
    if previous and not (output.exists() and output.read_bytes() == data):
        result.day = dt.date.today()  # the content changed: it is a new import
        result.entries = [_redated(p, result.day) for p in result.entries]
        data = render(result.entries)
    result.unchanged = output.exists() and output.read_bytes() == data
    if not result.unchanged:
        write_atomic(output, data)
    return result


def _redated(entry: Procedure, day: dt.date) -> Procedure:
    return entry.model_copy(
        update={"source": entry.source.model_copy(update={"checked": day, "imported": day})}
    )


def load_national(path: Path = NATIONAL_PATH) -> dict[str, Procedure]:
    """The imported entries by code; one JSON validation per line keeps this well under a second.
    Equal texts and field-name sets are shared as each entry is read (``shared_values``): the
    copies are freed at once, before the next entry's take their place."""
    pool = ValuePool()
    out: dict[str, Procedure] = {}
    with gzip.open(path, "rb") as lines:
        for line in lines:
            if line.strip():
                entry = Procedure.model_validate_json(line)
                pool.share(entry)
                out[entry.code] = entry
    return out


def merge(curated: Mapping[str, Procedure], imported: Mapping[str, Procedure]) -> dict[str, Procedure]:
    """All entries by code, a curated entry replacing the imported one of the same code, with the
    citizens' everyday names for them (``knowledge_base.everyday``)."""
    return with_everyday({**imported, **curated}, load_everyday())
