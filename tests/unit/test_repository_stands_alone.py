"""The repository stands alone: it never points at notes that are not in it, and where code
cites docs/microsoft-facts.md, the part it names is there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Notes the project was started from, which a clone does not have.
OUTSIDE = re.compile(r"\b(DESIGN|FACTS|STYLE|RECIPES)\.md\b|/work/shared|\.\./shared")
CITATION = re.compile(r'docs/microsoft-facts\.md,\s*"([^"]+)"')


def tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    files = []
    for name in names:
        path = ROOT / name
        if path.suffix in {".png", ".ico"} or not path.is_file():
            continue
        files.append(path)
    return files


def test_nothing_cites_notes_outside_the_repository():
    this = Path(__file__).resolve()
    found = []
    for path in tracked_text_files():
        if path == this:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.relative_to(ROOT)}:{text[:m.start()].count(chr(10)) + 1}"
                  for m in OUTSIDE.finditer(text)]
    assert found == []


def test_every_cited_part_of_the_facts_exists():
    facts = (ROOT / "docs" / "microsoft-facts.md").read_text(encoding="utf-8")
    cited = set()
    for path in tracked_text_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        cited |= {" ".join(m.group(1).split()) for m in CITATION.finditer(text)}
    assert cited, "no citation found: the pattern is out of date"
    missing = sorted(part for part in cited if part not in " ".join(facts.split()))
    assert missing == []
