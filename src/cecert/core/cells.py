"""Cells written to .xlsx and CSV exports cannot carry formulas (OWASP "CSV injection").

Every export (report tables, the year-status CSV, import error sheets) writes
its cells through ``inert``: a text that a spreadsheet would read as a formula
or a command -- starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return -- gets a leading single quote, and in .xlsx every text is written with
the string data type, never as a formula. Numbers (ints, Decimals, floats,
negative ones included) and dates stay what they are.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def inert(value: Any) -> Any:
    """``value`` with a leading ``'`` if it is a text a spreadsheet would evaluate; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def xlsx_cell(sheet: Any, value: Any) -> Any:
    """An openpyxl write-only cell holding ``inert(value)``; texts are typed as strings (``data_type "s"``)."""
    from openpyxl.cell import WriteOnlyCell

    value = inert(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
