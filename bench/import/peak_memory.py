"""Peak memory (and time) of reading the worst import files that the limits still accept.

    PYTHONPATH=src .venv/bin/python bench/import/peak_memory.py [--only NAME]

Each case is generated into a temporary folder, then read in a fresh
subprocess the way an import reads it: ``sheets.check_file`` (the zip and
extent inspection, or the CSV pass) followed by every row of
``sheets.iter_rows`` (python-calamine for .xlsx). The subprocess reports its
peak resident set size (``resource.getrusage``). The limits are in
``cecert.catalogs.sheets``; see ADR 0014. Results are written to stdout as a
table; the numbers measured on the project VM are in ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from cecert.catalogs import sheets  # noqa: E402

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook {MAIN} '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def xlsx(path: Path, rows: int, cols: int, strings: list[str], cell: Callable[[int, int], str]) -> None:
    """A workbook written part by part (fast and exact): ``cell(row, col)`` gives each cell's XML."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
        archive.writestr("xl/sharedStrings.xml", f'<sst {MAIN} count="{len(strings)}">{sst}</sst>')
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f"<worksheet {MAIN}><sheetData>".encode())
            letters = [_column(c) for c in range(cols)]
            for r in range(1, rows + 1):
                sheet.write(
                    (
                        f'<row r="{r}">' + "".join(cell(r, c).replace("@", f"{letters[c]}{r}") for c in range(cols))
                    ).encode()
                    + b"</row>"
                )
            sheet.write(b"</sheetData></worksheet>")


def case_dense_text(path: Path) -> None:
    """The cell limit filled (100 000 rows × 20 columns), every cell a shared string, copied text at the limit."""
    rows, cols = 100_000, 20
    per_cell = sheets.MAX_TEXT_CHARS // (rows * cols)  # characters a cell may carry on average
    strings = [f"{i:04d}" + "文" * (per_cell - 4) for i in range(1000)]
    xlsx(path, rows, cols, strings, lambda r, c: f'<c r="@" t="s"><v>{(r * cols + c) % 1000}</v></c>')


def case_dense_numbers(path: Path) -> None:
    rows, cols = 100_000, 20
    xlsx(path, rows, cols, ["x"], lambda r, c: f'<c r="@"><v>{r * 1.5 + c}</v></c>')


def case_grid(path: Path) -> None:
    """Two cells, A1 and IV7800: calamine's grid is 256 × 7800 ≈ the cell limit."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/sharedStrings.xml", f'<sst {MAIN} count="0"></sst>')
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1"><v>1</v></c></row>'
            '<row r="7800"><c r="IV7800"><v>1</v></c></row></sheetData></worksheet>',
        )


def case_csv(path: Path) -> None:
    """A CSV at the upload limit: long rows of long fields."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        row = ["文" * 1000] * 20
        size = 0
        while size < sheets.MAX_UPLOAD_BYTES - 70_000:
            buffer = io.StringIO()
            csv.writer(buffer).writerow(row)
            size += len(buffer.getvalue().encode())
            writer.writerow(row)


CASES = {
    "dense_text.xlsx": case_dense_text,
    "dense_numbers.xlsx": case_dense_numbers,
    "grid.xlsx": case_grid,
    "wide.csv": case_csv,
}

READ = """
import resource, sys, time
from pathlib import Path
from cecert.catalogs import sheets
path = Path(sys.argv[1])
started = time.monotonic()
fmt = sheets.check_file(path)
checked = time.monotonic()
rows = sum(1 for _ in sheets.iter_rows(path, fmt))
done = time.monotonic()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(rows, peak, round(checked - started, 1), round(done - checked, 1))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(CASES))
    args = parser.parse_args()
    print("| file | size on disk | rows read | peak RSS | inspection | reading |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for name, build in CASES.items():
            if args.only and name != args.only:
                continue
            path = Path(folder) / name
            started = time.monotonic()
            build(path)
            built = time.monotonic() - started
            result = subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, "-c", READ, str(path)],
                capture_output=True,
                text=True,
                env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
                check=False,
            )
            if result.returncode:
                print(f"| {name} | {path.stat().st_size / 1e6:.1f} MB | refused or failed: {result.stderr[-300:]} |")
                continue
            rows, peak, inspect_s, read_s = result.stdout.split()
            print(
                f"| {name} | {path.stat().st_size / 1e6:.1f} MB | {rows} | {peak} MB | {inspect_s} s | {read_s} s |"
                f" <!-- built in {built:.0f} s -->"
            )


if __name__ == "__main__":
    main()
