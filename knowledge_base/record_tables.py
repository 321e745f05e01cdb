"""Pure parsers of the flattened document, legal-basis and result tables and of free-text lists."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from knowledge_base.record_parsing import NO_INFO, Issue, clean, clip

DOC_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
LEGAL_HEADER = "Tên văn bản pháp lýMã văn bản"

_UPPER = "".join(c for c in map(chr, range(0x41, 0x1EFF)) if c.isalpha() and c.isupper())
_LOWER = "".join(c for c in map(chr, range(0x61, 0x1EFF)) if c.isalpha() and c.islower())
# A copies cell is glued to the name before it; "01 bản chính" after a space or inside
# parentheses is part of a name ("Hóa đơn: 01 bản chính"). After a digit only one digit is taken
# ("mẫu BM.NCC.20.031 bản chính" is form …20.03, 1 copy).
_COPIES = re.compile(
    r"(?:(?<![ (\d])\d{1,2}|(?<=[^\s(]\d)\d) bản (?:chính|sao)(?:,\d{1,2} bản (?:chính|sao))?(?![ )])"
)
_FILE = re.compile(r"\.(?:docx?|pdf|xlsx?|rar|zip|odt)", re.IGNORECASE)
# Issuer codes of legal documents. Listing them lets a number end where a known code ends:
# "…/NĐ-CPsửa đổi…" and "…/TT-BCALuật…" both split right, which case alone cannot tell.
_ISSUER_NAMES = (
    "NĐ CP ND TT TTLT QĐ QD NQ PL TTg BTC BCA BTP BXD BCT BYT BQP BNV BNG BNNMT BNNPTNT BTNMT BGTVT "
    "BKHĐT BKHCN BLĐTBXH BTTTT BVHTTDL BGDĐT NHNN VPCP VPQH VBHN UBND HĐND HĐTP UBTVQH BHXH CSXH "
    "TANDTC VKSNDTC CTN"
)
_ISSUERS = sorted(_ISSUER_NAMES.split(), key=len, reverse=True)  # longest first: "TTLT" before "TT"
_CODE_PART = r"(?:QH\d+|UBTVQH\d+|" + "|".join(_ISSUERS) + r"|[A-ZĐ]+?\d*)"
_CODE = _CODE_PART + r"(?:[-_]" + _CODE_PART + ")*"
_CODE_END = re.compile(r"\d/\d{4}/" + _CODE)
_LEGAL_NUMBER = re.compile(
    r"\d{1,5}(?:/\d{4})?/" + _CODE + f"(?!Tg)(?=[{_UPPER}][{_LOWER}]|[{_LOWER}]{{2}}|\\s*$)"
)
_RESULT_CODE = re.compile(r"Mã: ?[A-Z]{2,}(?:\.[A-Z]?\d+)*")
_RESULT_END = re.compile(r"Từ khóa|Chọn cơ quan thực hiện")
_ITEM_MARK = re.compile(r"(?:[a-zđ]|[ivx]+)[).]\s")  # "a) …", "iii. …": a new item though lower case
_STEP_MARK = re.compile(r"(?:(?<=\s)|^)[-+*]?\s*(?=Bước \d+\s*[:.\-–])")


def _form_start(text: str) -> int | None:
    """Where a template file name glued to a document name begins, or None when unsure."""
    strong = [m.end() for m in re.finditer(r"[);:\]]\.?|(?<=[^\W\d])\.+(?=[^\W\d_])", text)]
    strong += [m.end() for m in _CODE_END.finditer(text)]
    strong = [i for i in strong if i < len(text) - 2 and not text[i].isspace()]
    anchor = max(strong, default=0)
    for i in range(anchor + 1, len(text) - 2):
        before, here, after = text[i - 1], text[i], text[i + 1]
        glued = (
            (before in _LOWER and here in _UPPER)  # "cá nhânMẫu TP-QTV-06"
            or (before.isdigit() and here in _UPPER)  # "ngày 25/01/2026Mau đơn"
            or (before in _LOWER and text[i - 2] in _LOWER and here.isdigit())  # "nhân dân32-Mẫu"
            or (before in _UPPER and here in _UPPER and after in _LOWER)  # "nhóm IVMau 02"
        )
        # Without a space since the anchor, both belong to one mangled file name ("PhlcXc-Bocov").
        if glued and " " in text[anchor:i]:
            return i
    return anchor or None


def _split_form(item: str) -> tuple[str, str | None, bool]:
    """(name, template file names, sure) of a document cell."""
    files = list(_FILE.finditer(item))
    if not files or files[-1].end() != len(item):
        return item, None, True
    first = next(m for m in files if re.fullmatch(r"(?:.*?" + _FILE.pattern + ")*", item[m.end() :], re.I))
    start = _form_start(item[: first.start()])
    if start is None:
        return item, None, False
    names = re.findall(r".*?" + _FILE.pattern, item[start:], re.IGNORECASE)
    return item[:start].strip(), "; ".join(n.strip() for n in names), True


def _copies(text: str) -> str | None:
    parts = [p for p in text.split(",") if not p.startswith("0 ")]
    return ", ".join(parts) or None


def _label(text: str) -> str | None:
    text = text.strip().strip("-*+•").strip().rstrip(":").strip()
    return text or None


def parse_documents(text: str) -> tuple[list[dict[str, Any]], list[Issue]]:
    """Documents (name, form, copies, group) of a flattened `Tên giấy tờ…` table, per group."""
    if DOC_HEADER not in text:
        return [], ([Issue("documents", "no documents table", clip(text))] if clean(text) else [])
    docs: list[dict[str, Any]] = []
    issues: list[Issue] = []
    parts = text.split(DOC_HEADER)
    group = _label(parts[0])
    for i, part in enumerate(parts[1:], 1):
        last = 0
        for m in _COPIES.finditer(part):
            name, form, sure = _split_form(part[last : m.start()].strip())
            last = m.end()
            copies = _copies(m.group())
            if name.endswith(":") and copies is None:  # a row that only labels the rows below
                group = _label(name)
                continue
            if not sure:
                issues.append(Issue("documents", "template name not separated", clip(name)))
            name = name.lstrip("-+*•\t ").strip()
            if name:
                docs.append({"name": name, "form": form, "copies": copies, "group": group})
        tail = part[last:]
        if i < len(parts) - 1:
            group = _label(tail)
        elif clean(tail.strip("-*+ ")):
            issues.append(Issue("documents", "text after the last document", clip(tail)))
    return docs, issues


def parse_legal_basis(text: str) -> tuple[list[dict[str, Any]], list[Issue]]:
    """(title, number) pairs of a flattened `Tên văn bản pháp lý…` table."""
    if not text.startswith(LEGAL_HEADER):
        return [], ([Issue("legal_basis", "no legal-basis table", clip(text))] if clean(text) else [])
    body = text[len(LEGAL_HEADER) :]
    out: list[dict[str, Any]] = []
    issues: list[Issue] = []
    last = 0
    for m in _LEGAL_NUMBER.finditer(body):
        start, number = m.start(), m.group()
        # "Luật 54/2014/QH1354/2014/QH13": the title repeats the number, so the digits glued to
        # the title's "QH13" belong to the title.
        for j in range(1, len(number.split("/")[0])):
            if body[last : start + j].endswith(number[j:]):
                start, number = start + j, number[j:]
                break
        # "…ngày 17 tháng 11 năm 2" + "02072/2020/QH14": the end of a year got glued to the number.
        lead = number.split("/")[0]
        for j in range(1, len(lead) if len(lead) >= 4 else 0):
            if re.search(r"(?<!\d)(?:19|20)\d\d$", body[last:start] + lead[:j]):
                start, number = start + j, number[j:]
                break
        if number.endswith("/NĐ-C"):  # cut where the page had a link; a Nghị định is always NĐ-CP
            number += "P"
            issues.append(Issue("legal_basis", "number cut mid-word, completed", number, False))
        title = " ".join(body[last:start].split()).strip(" ;,.")
        out.append({"title": title or number, "number": number})
        last = m.end()
    rest = " ".join(body[last:].split())
    if rest:
        out.append({"title": rest, "number": None})
    issues += [Issue("legal_basis", "title without number", clip(d["title"])) for d in out if not d["number"]]
    return out, issues


def parse_result(text: str) -> str | None:
    """The result documents, without their KQ codes and the page chrome that follows them."""
    body = _RESULT_END.split(text, maxsplit=1)[0]
    names = [" ".join(n.split()).strip(" -+.;") for n in _RESULT_CODE.split(body)]
    return "; ".join(n for n in names if n) or None


def parse_lines(text: str) -> list[str]:
    """Paragraphs of a free text (conditions, steps); a line starting in lower case continues the
    one before (the portal wraps lines), and inline "Bước N:" markers start a new paragraph."""
    if clean(text) is None or text.strip().casefold() in {"không", "khồng"}:
        return []
    items: list[str] = []
    for line in _STEP_MARK.sub("\n", text).splitlines():
        line = " ".join(line.split())
        if not line or line.rstrip(":") in {"Từ khóa", NO_INFO}:
            continue
        if items and (line[0] in _LOWER or line[0] in ")]") and not _ITEM_MARK.match(line):
            items[-1] += " " + line
        else:
            items.append(line)
    return items


def parse_steps(text: str) -> list[str]:
    """Steps: with "Bước N" markers, one item per step, its sub-points kept on their own lines."""
    steps: list[str] = []
    for line in parse_lines(text):
        if steps and not line.startswith("Bước ") and any(s.startswith("Bước ") for s in steps):
            steps[-1] += "\n" + line
        else:
            steps.append(line)
    return steps


class Vocabulary:
    """Word counts over the whole import, to spot text cut in the middle of a word."""

    def __init__(self, texts: list[str]) -> None:
        self.counts = Counter(w.casefold() for t in texts for w in re.findall(r"[^\W\d_]+", t))
        common = [w for w, n in self.counts.items() if n >= 30]
        self.prefixes = {w[:k] for w in common for k in range(2, len(w))}

    def cut_mid_word(self, text: str) -> bool:
        """Whether text ends in a fragment of a word (the page had a link there): the last word
        is rare in the whole import and begins a common one, e.g. "biên giớ", "Bộ Xây dựn"."""
        # A cut text ends in letters; "Công ước Chi-ca-go;" ends as written.
        m = re.search(r"(?<![\w-])([^\W\d_]+)$", text.rstrip())
        word = m.group(1).casefold() if m else ""
        return self.counts[word] <= 2 and word in self.prefixes
