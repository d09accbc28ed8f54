"""The documentation works: its code runs, its nav is complete, and the site builds.

Every ```python block of every docs/**/*.md page runs. Blocks of one page run in order
in one shared namespace, like the cells of a notebook, inside a temporary working
folder. A block whose first line is `# not executed` is shown to readers but skipped
here (for code that needs real data or hours). Only the site build needs mkdocs; it is
skipped, with the reason, where mkdocs is not installed.
"""

import importlib.util
import linecache
import os
import pathlib
import re
import subprocess
import sys
import traceback

import keras
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
MKDOCS_YML = ROOT / "mkdocs.yml"
PAGES = sorted(DOCS.rglob("*.md"))
SKIP_MARK = "# not executed"

# A fence opening at the start of a line (top level, not inside a list or an admonition).
_PYTHON_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_ANY_PYTHON_FENCE = re.compile(r"^[ \t]*```python", re.MULTILINE)


def page_name(page):
    return page.relative_to(DOCS).as_posix()


def python_blocks(page):
    """Returns `(number, line, code)` for each ```python block of `page`, from 1."""
    text = page.read_text(encoding="utf-8")
    blocks = [
        (number, text.count("\n", 0, match.start()) + 1, match.group(1))
        for number, match in enumerate(_PYTHON_BLOCK.finditer(text), start=1)
    ]
    fences = len(_ANY_PYTHON_FENCE.findall(text))
    if fences != len(blocks):
        raise AssertionError(
            f"{page_name(page)}: {fences} ```python fences but {len(blocks)} top-level blocks; "
            "indented python blocks would not be tested, put them at the start of a line"
        )
    return blocks


def test_pages_exist():
    assert PAGES, f"no .md pages under {DOCS}"


@pytest.mark.parametrize("page", PAGES, ids=page_name)
def test_code_blocks_run(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks that save files write into a temporary folder
    filename = str(page.relative_to(ROOT))
    text = page.read_text(encoding="utf-8")
    # Tracebacks then quote the page's own lines, at their line numbers.
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    namespace = {"__name__": "__docs__"}
    try:
        for number, line, code in python_blocks(page):
            if code.lstrip().startswith(SKIP_MARK):
                continue
            error = None
            try:
                exec(compile("\n" * line + code, filename, "exec"), namespace)
            except Exception as exception:
                error = exception
            if error is not None:
                details = "".join(
                    traceback.format_exception(type(error), error, error.__traceback__.tb_next)
                )
                pytest.fail(
                    f"{page_name(page)}: block {number} (line {line}) failed:\n{details}",
                    pytrace=False,
                )
    finally:
        namespace.clear()
        keras.utils.clear_session()  # frees the page's models for the rest of the suite


def nav_entries():
    """The .md paths listed in the `nav:` section of mkdocs.yml."""
    text = MKDOCS_YML.read_text(encoding="utf-8")
    match = re.search(r"^nav:\s*\n((?:[ \t]+.*\n|\s*\n)*)", text, re.MULTILINE)
    assert match, "mkdocs.yml has no nav: section"
    return re.findall(r"([\w./-]+\.md)\b", match.group(1))


def test_nav_lists_every_page():
    listed = nav_entries()
    pages = {page_name(page) for page in PAGES}
    orphans = sorted(pages - set(listed))
    missing = sorted(set(listed) - pages)
    duplicates = sorted({entry for entry in listed if listed.count(entry) > 1})
    assert not orphans, f"pages under docs/ missing from the mkdocs.yml nav: {orphans}"
    assert not missing, f"mkdocs.yml nav entries without a page: {missing}"
    assert not duplicates, f"pages listed twice in the mkdocs.yml nav: {duplicates}"


def readme_command(marker):
    """The command on the line after `<!-- marker -->` and its ```bash fence in README.md."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```bash\n(.*)\n```", readme)
    assert match, f"README.md has no ```bash block after <!-- {marker} -->"
    return match.group(1)


@pytest.mark.parametrize("marker", ["main-command", "test-command"])
def test_index_quotes_the_readme_commands(marker):
    index_lines = (DOCS / "index.md").read_text(encoding="utf-8").splitlines()
    command = readme_command(marker)
    assert command in index_lines, f"docs/index.md must quote README's {marker}: {command}"


def test_mkdocs_build_strict(tmp_path):
    for module in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"`{module}` is not installed; pip install -e '.[docs]' to build the site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"


def test_readme_quick_start_runs_and_its_export_serves_any_length(tmp_path, monkeypatch):
    """The README's Quick start runs as written, and its SavedModel takes what its comment
    says: ids of any length, int32 or int64."""
    import numpy as np
    import tensorflow as tf

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = _PYTHON_BLOCK.findall(quick_start)
    assert blocks, "README.md's Quick start has no ```python block"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    try:
        for code in blocks:
            exec(compile(code, "README.md (Quick start)", "exec"), namespace)
        model = namespace["model"]
        reloaded = tf.saved_model.load("classifier_savedmodel")  # keep: it owns the variables
        ids = np.array([[3, 4, 5, 6, 7, 8, 1], [2, 9, 0, 0, 0, 0, 0]])
        for dtype in ("int32", "int64"):
            for batch in (ids, ids[:, :3]):
                np.testing.assert_allclose(
                    reloaded.serve(batch.astype(dtype)).numpy(),
                    model.predict(batch, verbose=0),
                    atol=1e-5,
                )
    finally:
        namespace.clear()
        keras.utils.clear_session()
