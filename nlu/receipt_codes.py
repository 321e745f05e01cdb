"""Receipt codes (mã hồ sơ) as citizens type them: find and canonicalise.

Format (Thông tư 01/2018/TT-VPCP, Art. 19): ``V1V2V3.Z1Z2.Y1Y2.MX1X2-YYMMDD-XXXX``,
with short forms such as ``H49.27-251120-0031`` and police codes ``G01.xxx.xxx-…``.
Citizens write them in lower case, with spaces and Unicode dashes; the canonical
form is upper case with ASCII dashes and no spaces. Only whole codes are found:
an agency part, a six-digit date and a four-digit sequence must all be present.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_DASH = r"\s*[-\u2010-\u2015\u2212_]\s*"
_SEGMENT = r"[A-Za-z0-9]{1,4}"
CODE_RE = re.compile(
    rf"(?<![A-Za-z0-9.])({_SEGMENT}(?:\s*\.\s*{_SEGMENT}){{1,4}}){_DASH}(\d{{6}}){_DASH}(\d{{4}})(?![0-9])"
)
_SPACES = re.compile(r"\s+")


def canonical(agency: str, date: str, seq: str) -> str:
    return f"{_SPACES.sub('', agency).upper()}-{date}-{seq}"


def iter_codes(text: str) -> Iterator[tuple[re.Match[str], str]]:
    """Each complete receipt code in ``text`` with its canonical form."""
    for m in CODE_RE.finditer(text):
        agency = m.group(1)
        # An agency part has a letter (H49) or several dotted parts (000.00.27…):
        # plain numbers such as "12.5-251120-0031" are not codes.
        if re.search(r"[A-Za-z]", agency) or agency.count(".") >= 2:
            yield m, canonical(agency, m.group(2), m.group(3))


def find_codes(text: str) -> list[str]:
    """Every complete receipt code in ``text``, canonical, in order of appearance."""
    return list(dict.fromkeys(code for _, code in iter_codes(text)))
