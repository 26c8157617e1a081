"""The notebooks as a course: the hosted-setup cell, the links, the one quick switch."""

import re
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _read(path):
    return nbformat.read(path, as_version=4)


def test_the_course_has_an_overview_and_five_walkthroughs():
    assert [p.name[:2] for p in NOTEBOOKS] == ["00", "01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_installs_dlkit_only_on_colab_or_kaggle(path, monkeypatch):
    cell = _read(path).cells[0]
    assert cell.cell_type == "code"
    assert "google.colab" in cell.source and "KAGGLE_KERNEL_RUN_TYPE" in cell.source
    assert re.search(r"^if ON_HOSTED:\n    %pip install .*git\+https://", cell.source, re.M)

    calls = []

    class Shell:  # stands in for IPython: records every magic or shell command the cell runs
        def run_line_magic(self, name, line, *args):
            calls.append((name, line))

        def system(self, command):
            calls.append(("!", command))

        getoutput = system

    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    code = TransformerManager().transform_cell(cell.source)
    namespace = {"get_ipython": Shell}
    exec(compile(code, str(path), "exec"), namespace)
    assert namespace["ON_HOSTED"] is False and calls == []

    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")  # on Kaggle, the install runs
    exec(compile(code, str(path), "exec"), {"get_ipython": Shell})
    assert calls and calls[0][0] == "pip" and "dlkit" in calls[0][1]


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
        assert f"colab.research.google.com/github/dlkit/dlkit/blob/main/{name})" in readme
        assert f"kaggle.com/kernels/welcome?src=https://github.com/dlkit/dlkit/blob/main/{name})" in readme


def test_the_hosted_install_points_at_the_repository_pyproject_names():
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    url = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    for path in NOTEBOOKS:
        assert f"git+{url}\"" in _read(path).cells[0].source, path.name
    assert url.startswith("https://github.com/") and f"colab.research.google.com/github/{url[19:]}/" in \
        (ROOT / "README.md").read_text()


def test_readme_make_commands_are_makefile_targets():
    targets = set(re.findall(r"^([a-z]+):", (ROOT / "Makefile").read_text(), re.M))
    used = set(re.findall(r"\bmake ([a-z]+)", (ROOT / "README.md").read_text()))
    assert used and used <= targets, used - targets
