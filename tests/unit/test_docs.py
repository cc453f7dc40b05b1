"""The README and docs/ stay whole: every setting documented, every relative link resolving."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
MARKDOWN = sorted([ROOT / "README.md", ROOT / "CLAUDE.md", *DOCS.glob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
SETTING = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)
CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def anchors(path: Path) -> set[str]:
    """GitHub's anchors for a Markdown file's headings (code blocks left out)."""
    text = CODE_BLOCK.sub("", path.read_text(encoding="utf-8"))
    found = set()
    for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_every_setting_in_env_example_has_a_row_in_the_configuration_table() -> None:
    """Each variable .env.example names has its own row in docs/configuration.md."""
    settings = SETTING.findall((ROOT / ".env.example").read_text(encoding="utf-8"))
    table = (DOCS / "configuration.md").read_text(encoding="utf-8")
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    missing = [name for name in settings if not any(f"`{name}`" in row for row in rows)]
    assert settings
    assert missing == []


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda path: path.name)
def test_relative_links_reach_a_file_and_a_heading(path: Path) -> None:
    """Each relative link in the README, CLAUDE.md and docs/ names a file and heading that exist."""
    broken = []
    for target in LINK.findall(CODE_BLOCK.sub("", path.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_the_readme_points_at_every_guide_in_docs() -> None:
    """The quickstart links each docs/ file, so nothing moved out of it is out of reach."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    unlinked = [doc.name for doc in DOCS.glob("*.md") if f"](docs/{doc.name}" not in readme]
    assert unlinked == []
