"""The front door: README.md and docs/*.md.

- the README stays short (at most 200 lines);
- every link of README.md and docs/*.md points at a file of the repository
  (tracked by git), never outside it (no ../shared), and every #anchor at a
  heading of its page;
- no file of the repository cites the old specification outside it;
- every SQL snippet of the README runs against a build of the bundled sample
  and returns rows; lists with a rank come in rank order.
"""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from dbt_runs import REPO, run_dbt

README = REPO / "README.md"
DOC_PAGES = sorted((REPO / "docs").glob("*.md"))

#: [text](target) and ![alt](target), with an optional "title".
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
FENCE = re.compile(r"^(```|~~~)")


def without_code(text: str, inline_code: bool = False) -> str:
    """The Markdown text without fenced code blocks and (unless inline_code)
    inline code spans."""
    kept, inside = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            inside = not inside
            continue
        if not inside:
            kept.append(line if inline_code else re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def fenced_blocks(text: str, language: str) -> list[str]:
    """The contents of the fenced code blocks of the given language."""
    blocks, current = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if current is None and stripped == f"```{language}":
            current = []
        elif current is not None and stripped == "```":
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    return blocks


def anchors(text: str) -> set[str]:
    """GitHub's anchors of the page's headings: lowercase, punctuation
    dropped (an inline code span's text kept), spaces to hyphens."""
    found = set()
    for line in without_code(text, inline_code=True).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if match:
            slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
            found.add(slug)
    return found


def tracked_files() -> set[Path]:
    """The files of the repository: tracked by git (the working tree when
    there is no git)."""
    result = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        return {path for path in REPO.rglob("*") if path.is_file() and ".venv" not in path.parts}
    return {(REPO / name).resolve() for name in result.stdout.split("\0") if name}


def test_readme_is_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 200, f"README.md has {len(lines)} lines; move details into docs/"


def test_the_docs_pages_exist_and_the_readme_lists_them():
    assert DOC_PAGES, "docs/*.md is empty"
    listed = {Path(target).name for target in LINK.findall(without_code(README.read_text(encoding="utf-8")))}
    missing = [page.name for page in DOC_PAGES if page.name not in listed]
    assert not missing, f"README.md does not link these docs pages: {missing}"


@pytest.mark.parametrize("page", [README, *DOC_PAGES], ids=lambda p: str(p.relative_to(REPO)))
def test_every_link_points_inside_the_repository(page):
    text = page.read_text(encoding="utf-8")
    files = tracked_files()
    assert "../shared" not in text, f"{page.name} points into ../shared, which is not in the repository"
    problems = []
    for target in LINK.findall(without_code(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        linked = (page.parent / path_part).resolve() if path_part else page.resolve()
        if not linked.is_relative_to(REPO):
            problems.append(f"{target}: outside the repository")
        elif linked not in files:
            problems.append(f"{target}: no such file in the repository")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked.read_text(encoding="utf-8")):
            problems.append(f"{target}: no heading #{anchor} in {linked.name}")
    assert not problems, f"{page.relative_to(REPO)}: broken links: {problems}"


def test_the_link_check_finds_broken_links(tmp_path):
    """The checker itself, on a page with known good and bad links."""
    text = (
        "[ok](docs/spec.md) [ok too](https://example.org) ![pic](docs/evaluation.png)\n"
        "[bad](docs/nope.md) [outside](../shared/SPEC.md)\n"
        "```\n[in code](not/checked.md)\n```\n`[inline](not/checked/either.md)`\n"
    )
    assert LINK.findall(without_code(text)) == [
        "docs/spec.md", "https://example.org", "docs/evaluation.png", "docs/nope.md", "../shared/SPEC.md",
    ]
    assert anchors("# A title\n## Two commands\n```\n# not a heading\n```\n") == {"a-title", "two-commands"}
    # as GitHub: a code span's text stays in the anchor, its backticks go
    assert anchors("## Same answers: part of `make test`\n") == {"same-answers-part-of-make-test"}


def test_no_file_cites_the_specification_outside_the_repository():
    """The rules are in docs/spec.md; nothing cites the old SPEC.md by name."""
    offenders = []
    for path in sorted(tracked_files()):
        text_file = path.suffix in {".md", ".py", ".sql", ".yml", ".yaml", ".toml", ".txt", ".in"}
        if not text_file and path.name != "Makefile":
            continue
        if "data" in path.relative_to(REPO).parts[:1]:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if re.search(r"\bSPEC\b|SPEC\.md|\.\./shared", line) and path != Path(__file__).resolve():
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:100]}")
    assert not offenders, "cite docs/spec.md sections instead:\n" + "\n".join(offenders)


# --- the README's SQL runs against the sample --------------------------------


@pytest.fixture(scope="module")
def sample_warehouse(tmp_path_factory) -> Path:
    """The bundled sample built with the default vars: the seed and the
    models, without the data and unit tests (the other test files' business)."""
    workdir = tmp_path_factory.mktemp("readme")
    result = run_dbt(workdir, "build", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    return workdir / "lastfm.duckdb"


README_SQL = fenced_blocks(README.read_text(encoding="utf-8"), "sql")


def test_the_readme_has_sql_recipes():
    assert len(README_SQL) >= 3, "the README's first queries are ```sql blocks"


@pytest.mark.parametrize("number", range(len(README_SQL)), ids=lambda n: f"snippet-{n + 1}")
def test_readme_sql_runs_on_the_sample(sample_warehouse, number):
    sql = README_SQL[number]
    with duckdb.connect(str(sample_warehouse), read_only=True) as con:
        cursor = con.execute(sql)
        columns = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    assert rows, f"README snippet {number + 1} returns no rows on the sample:\n{sql}"
    if "rank" in columns:
        ranks = [row[columns.index("rank")] for row in rows]
        assert ranks == list(range(1, len(ranks) + 1)), f"README snippet {number + 1}: ranks out of order: {ranks}"
    if "user_id" in sql and "rank" in columns:
        # one user's list: as many rows as the warehouse holds for that user
        with duckdb.connect(str(sample_warehouse), read_only=True) as con:
            user_rows = con.execute(
                "select count(*) from recommendations where user_id = (select min(user_id) from users)"
            ).fetchall()[0][0]
        assert len(rows) == user_rows, json.dumps({"snippet": number + 1, "rows": len(rows), "expected": user_rows})
