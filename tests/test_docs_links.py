"""README.md and the Markdown under docs/ (and bench/, deploy/) link only to files inside the repository.

A relative link must resolve to a file or folder the repository holds (tracked, or new and not
ignored: generated folders such as var/ or node_modules/ do not count); absolute paths, ``file:``
links and references to the project's material outside the repository (``/work/…``, ``../shared``)
are refused. Web links (``https:``, ``mailto:``) and in-page anchors are fine.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WEB = re.compile(r"^(https?|mailto):", re.IGNORECASE)
FENCED = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
TARGETS = (
    re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)"),  # [text](target "title"), images, nested
    re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE),  # [label]: target
    re.compile(r"<([a-z][a-z0-9+.-]*:[^>\s]*)>", re.IGNORECASE),  # <scheme:…> autolinks
    re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE),  # raw HTML
)
OUTSIDE = re.compile(r"(?<![\w.])(/work/\S*|(?:\.\./)+shared\b\S*)")


def documents() -> list[Path]:
    docs = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    docs += [path for top in ("bench", "deploy") for path in sorted((REPO / top).rglob("*.md"))]
    return [path for path in docs if path.is_file()]


def repository_files() -> set[Path] | None:
    """Files git tracks or would track (new, not ignored); None outside a git checkout."""
    git = shutil.which("git")
    if git is None:
        return None
    listed = subprocess.run(  # noqa: S603 - fixed arguments
        [git, "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        return None
    return {REPO / name for name in listed.stdout.decode().split("\0") if name}


def held(path: Path, files: set[Path]) -> bool:
    """The repository itself, one of its files, or a folder with one of its files in it."""
    return path == REPO or path in files or any(f.is_relative_to(path) for f in files)


def link_targets(text: str) -> Iterable[str]:
    """Every link target in Markdown text; code blocks and code spans hold no links."""
    prose = CODE_SPAN.sub("", FENCED.sub("", text))
    for pattern in TARGETS:
        yield from pattern.findall(prose)


def problems(document: Path, text: str, files: set[Path] | None) -> list[str]:
    """What is wrong with ``document``'s links, one line each naming the link (empty when all is well)."""
    found = [f"{document.name}: refers to {m} outside the repository" for m in OUTSIDE.findall(text)]
    for target in link_targets(text):
        if WEB.match(target) or target.startswith("#"):
            continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith(("/", "\\", "~")):
            found.append(f"{document.name}: {target} is not a relative link to a file in the repository")
            continue
        path = (document.parent / re.split(r"[#?]", target)[0]).resolve()
        if not path.is_relative_to(REPO):
            found.append(f"{document.name}: {target} leads outside the repository")
        elif not path.exists():
            found.append(f"{document.name}: {target} does not exist")
        elif files is not None and not held(path, files):
            found.append(f"{document.name}: {target} is not part of the repository (generated or ignored)")
    return found


def test_the_docs_link_only_to_files_in_the_repository() -> None:
    files = repository_files()
    assert documents()[0] == REPO / "README.md"
    found = [line for document in documents() for line in problems(document, document.read_text("utf-8"), files)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    ("markdown", "complaint"),
    [
        ("the [spec](../shared/spec/crediting.md)", "outside the repository"),
        ("the [spec](/work/shared/spec/platform.md)", "outside the repository"),
        ("see `/work/shared/style/anchors.md`", "refers to /work/shared/style/anchors.md"),
        ("[hosts](file:///etc/hosts)", "is not a relative link"),
        ("[root](/etc/hosts)", "is not a relative link"),
        ("[home](~/notes.md)", "is not a relative link"),
        ("[gone](docs/nowhere.md)", "docs/nowhere.md does not exist"),
        ("[up and out](docs/../../outside.md)", "leads outside the repository"),
        ("[lab]: ../../elsewhere.md", "leads outside the repository"),
        ('<a href="docs/missing.md">missing</a>', "does not exist"),
        ("[generated](var/)", "var/"),
        ("[![badge](docs/none.png)](https://example.cn)", "docs/none.png does not exist"),
    ],
)
def test_a_link_outside_or_to_nothing_is_named(markdown: str, complaint: str) -> None:
    found = problems(REPO / "README.md", markdown + "\n", repository_files())
    assert found and any(complaint in line for line in found), found


def test_code_web_links_and_anchors_are_not_file_links() -> None:
    markdown = (
        "```sh\ncat [x](nowhere.md)\n```\n`[y](nowhere.md)` [web](https://example.cn/a) <https://example.cn>"
        " [mail](mailto:a@example.cn) [top](#settings) [arch](docs/architecture.md#rules) [adr](docs/decisions/)\n"
    )
    assert problems(REPO / "README.md", markdown, repository_files()) == []
