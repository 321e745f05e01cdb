"""A large sheet's rows written as ready-made sheet XML, then put into the workbook openpyxl saved.

openpyxl builds an object and an XML element per cell, which made three quarters of a
100,000-row export's time. Here each row becomes one string written to a temporary
file; after openpyxl has saved the workbook (with that sheet's header only), the rows
are inserted before the sheet's ``</sheetData>`` while the zip is copied. Strings are
inline (as openpyxl writes them), numbers stay numbers, dates and times are serial
numbers with the same number formats openpyxl gives them, so the file reads back
with the same cells.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from posixpath import dirname, join, normpath
from typing import IO, TYPE_CHECKING, Any
from xml.etree import ElementTree

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from bot.storage.db import private_file

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Characters XML 1.0 cannot carry at all (openpyxl refuses them too); they are dropped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"))  # \r escaped: parsers fold it
_LEVEL = 1  # the fastest deflate: a third of the time of the default for a file a fifth larger
_CACHED_STRINGS = 4096  # bounded: memory must stay flat whatever the number of rows
_FLUSH_PARTS = 8192
_CACHED_LENGTH = 120  # codes, names and labels repeat; longer text is mostly free text, written once
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def clean_text(value: str) -> str:
    """Text a sheet can hold: without the control characters XML forbids."""
    return _ILLEGAL.sub("", value) if _ILLEGAL.search(value) else value


def _string_tail(value: str) -> str:
    """An inline string cell after its reference."""
    text = clean_text(value)
    for char, entity in _ESCAPES:
        if char in text:
            text = text.replace(char, entity)
    space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    return f' t="inlineStr"><is><t{space}>{text}</t></is></c>'


class SheetRows:
    """Rows of one write-only sheet, to a temporary file, from row ``first`` on (the header is openpyxl's)."""

    def __init__(self, ws: WriteOnlyWorksheet, columns: int, first: int = 2) -> None:
        # Registering one date and one date-time cell gives the style ids openpyxl's own cells would get.
        self._date_style = WriteOnlyCell(ws, value=dt.date(2000, 1, 1)).style_id
        self._time_style = WriteOnlyCell(ws, value=dt.datetime(2000, 1, 1)).style_id
        self._epoch = ws.parent.epoch
        self._letters = [get_column_letter(i) for i in range(1, columns + 1)]
        self._strings: dict[str, str] = {}
        self._tmp = tempfile.TemporaryFile("w+b")  # noqa: SIM115  (closed in close(), used across calls)
        self.next_row = first

    def append_all(self, rows: Iterable[Sequence[Any]]) -> None:
        parts: list[str] = []
        add = parts.append
        strings, letters = self._strings, self._letters
        for values in rows:
            r = self.next_row
            self.next_row = r + 1
            add(f'<row r="{r}">')
            for letter, value in zip(letters, values, strict=False):
                if value is None:
                    continue
                if type(value) is str:  # most cells: codes, names and labels that repeat row after row
                    tail = strings.get(value)
                    if tail is None:
                        tail = _string_tail(value)
                        if len(value) <= _CACHED_LENGTH and len(strings) < _CACHED_STRINGS:
                            strings[value] = tail
                    add(f'<c r="{letter}{r}"{tail}')
                else:
                    add(self._cell(f"{letter}{r}", value))
            add("</row>")
            if len(parts) > _FLUSH_PARTS:  # a few hundred rows at a time: the text of a whole page is megabytes
                self._write(parts)
        self._write(parts)

    def _write(self, parts: list[str]) -> None:
        self._tmp.write("".join(parts).encode(errors="replace"))  # a lone surrogate from a client becomes "?"
        parts.clear()

    def _cell(self, ref: str, value: Any) -> str:
        kind = type(value)
        if kind is bool:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if kind is int:
            return f'<c r="{ref}" t="n"><v>{value}</v></c>'
        if kind is float:
            return f'<c r="{ref}" t="n"><v>{value!r}</v></c>'
        if kind is dt.datetime:
            return f'<c r="{ref}" s="{self._time_style}" t="n"><v>{to_excel(value, self._epoch)!r}</v></c>'
        if kind is dt.date:
            return f'<c r="{ref}" s="{self._date_style}" t="n"><v>{to_excel(value, self._epoch)}</v></c>'
        return f'<c r="{ref}"{_string_tail(str(value))}'

    def close(self) -> None:
        self._tmp.close()

    def insert_into(self, book: Path, sheet_title: str) -> None:
        """Put the rows into ``book``'s sheet ``sheet_title`` (a new zip replaces the file, still 0600)."""
        self._tmp.flush()
        part = _sheet_part(book, sheet_title)
        staged = book.with_name(book.name + ".part")
        private_file(staged)
        try:
            with zipfile.ZipFile(book) as src, zipfile.ZipFile(
                staged, "w", zipfile.ZIP_DEFLATED, compresslevel=_LEVEL) as dst:
                for info in src.infolist():
                    if info.filename == part:
                        _spliced(src.read(info).decode(), self._tmp, dst, info)
                    else:
                        dst.writestr(info, src.read(info))
            os.replace(staged, book)
        finally:
            staged.unlink(missing_ok=True)


def _spliced(sheet_xml: str, rows: IO[bytes], dst: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    head, sep, tail = sheet_xml.partition("</sheetData>")
    if not sep:  # a sheet with no row at all is written <sheetData/>
        head, sep, tail = sheet_xml.partition("<sheetData/>")
        head += "<sheetData>"
    if not sep:
        raise ValueError("sheet XML without sheetData")
    target = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    target.compress_type = zipfile.ZIP_DEFLATED
    with dst.open(target, "w", force_zip64=True) as out:
        out.write(head.encode())
        rows.seek(0)
        shutil.copyfileobj(rows, out, 1 << 20)
        out.write(("</sheetData>" + tail).encode())


def _sheet_part(book: Path, title: str) -> str:
    """The zip member holding the sheet called ``title`` (from the workbook and its relationships)."""
    with zipfile.ZipFile(book) as z:
        workbook = ElementTree.fromstring(z.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    rel_id = next(s.get(f"{{{_NS['r']}}}id") for s in workbook.iterfind("m:sheets/m:sheet", _NS)
                  if s.get("name") == title)
    target = next(r.get("Target", "") for r in rels.iterfind("p:Relationship", _NS) if r.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else normpath(join(dirname("xl/workbook.xml"), target))
