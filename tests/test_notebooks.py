"""The notebooks as a course: the links, the one quick switch, no typed numbers (hosted cell: test_hosted)."""

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _read(path):
    return nbformat.read(path, as_version=4)


def test_the_course_has_an_overview_and_its_walkthroughs():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05", "06", "07", "08"]


@pytest.mark.parametrize("path", NOTEBOOKS[:-1], ids=lambda p: p.name)
def test_every_notebook_links_to_the_next(path):
    following = NOTEBOOKS[NOTEBOOKS.index(path) + 1].name
    text = "\n".join(c.source for c in _read(path).cells if c.cell_type == "markdown")
    assert f"]({following})" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_carry_no_outputs_and_read_the_quick_switch(path):
    nb = _read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert any('os.environ.get("DLKIT_QUICK") == "1"' in c.source for c in code)


ROOT = Path(__file__).parent.parent


def test_every_notebook_link_in_the_readme_exists_and_every_notebook_is_listed():
    readme = (ROOT / "README.md").read_text()
    linked = set(re.findall(r"\]\((notebooks/[^)]+\.ipynb)\)", readme))
    assert linked == {f"notebooks/{p.name}" for p in NOTEBOOKS}
    for name in linked:
        assert (ROOT / name).is_file(), name
        # the links themselves are written from the declared URL (tests/test_hosted.py)
        assert re.search(r"\[Colab\]\([^)]*/" + re.escape(name) + r"\) · \[Kaggle\]", readme), name


def test_readme_make_commands_are_makefile_targets():
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), re.M))
    used = set(re.findall(r"\bmake ([a-z]+)", (ROOT / "README.md").read_text()))
    assert used and used <= targets, used - targets


# A number with a unit of measurement in prose (time, %, ppm, bits, a ratio), a
# metric followed by a value, or a run time in words: what a run measures. Code
# spans and math are exempt (settings such as `epochs=15`, formulas), and so are
# sizes such as 28×28. Such a figure belongs in a cell's output.
_UNIT = r"(?:seconds?|secs?|s|ms|minutes?|mins?|hours?|h|%|ppm|bits?|x|×|times|fold|images/s|steps/s)"
_NUMBER = r"(?<![\w.])\d[\d,]*(?:\.\d+)?"
MEASURED = re.compile(
    rf"{_NUMBER}\s?{_UNIT}(?![\w×])"
    rf"|\b(?:FCD|accuracy|MAE|MSE|loss|error|entropy|perplexity)\s+(?:of\s+|is\s+|was\s+|at\s+|=\s*)?~?{_NUMBER}(?![\d,.])"
    rf"(?!\s+(?:samples|images|words|epochs|steps))"
    r"|\b(?:about|around|roughly|nearly|almost|over|under|within)\s+(?:a|an|one|half an?|two|three|ten|twenty|thirty)"
    r"\s+(?:minutes?|hours?|seconds?)\b|\bhalf an hour\b",
    re.I,
)


def measured_figures(markdown):
    """The measured-looking figures in a Markdown cell, outside code spans, math and link targets."""
    text = re.sub(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", " ", markdown, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"\d+\s?[×x]\s?\d+", " ", text)  # sizes: 28×28, 3x3
    return [m.group(0) for m in MEASURED.finditer(text)]


def test_the_scan_flags_measured_figures_and_spares_settings():
    for typed in ("reaches 92.5 % accuracy", "an epoch takes 14.9 s", "the full run takes 12 minutes",
                  "FCD 238.9 after training", "GRU is 1.08x faster", "about half an hour on a CPU",
                  "0.525 ppm off", "2.65 bits per character", "accuracy of 0.93"):
        assert measured_figures(typed), typed
    for fine in ("28×28 images in 10 classes", "trained for `epochs=15`", "$\\lambda = 10$",
                 "the FCD of 2,000 samples", "a 3x3 filter", "[notebook 02](02_rnn.ipynb)"):
        assert not measured_figures(fine), fine


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_measured_number_is_typed_into_markdown(path):
    found = {i: figures for i, cell in enumerate(_read(path).cells)
             if cell.cell_type == "markdown" and (figures := measured_figures(cell.source))}
    assert not found, f"measured-looking figures typed into Markdown (cell: figures): {found}"


def test_the_readme_links_every_rendered_copy_make_docs_wrote():
    readme = (ROOT / "README.md").read_text().splitlines()
    for path in NOTEBOOKS:
        row = next(line for line in readme if line.startswith(f"| [`{path.name}`](notebooks/{path.name})"))
        rendered = ROOT / "docs" / "notebooks" / path.name
        if rendered.exists():
            assert f"](docs/notebooks/{path.name})" in row and f"](docs/notebooks/{path.stem}.html)" in row, row
            assert (ROOT / "docs" / "notebooks" / f"{path.stem}.html").is_file()
            assert "make docs" in _read(rendered).cells[0].source  # the header: machine, date, run time
        else:
            assert row.endswith("| not built yet |"), row


@pytest.mark.parametrize("path", NOTEBOOKS[1:], ids=lambda p: p.name)
def test_every_walkthrough_checks_its_page_against_dlkit_and_ends_claims_in_verdicts(path):
    code = "\n".join(c.source for c in _read(path).cells if c.cell_type == "code")
    assert "compare_networks(" in code  # the network written on the page is dlkit's
    if path.name.startswith(("04", "05")):
        assert "compare_weights(" in code  # and so is the GAN's train step
    assert "claims.verdict(" in code
