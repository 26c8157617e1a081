"""`make docs` (scripts/build_docs.py) on two tiny notebooks: rendered copies, recorded times, failures named."""

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

from dlkit import claims

ROOT = Path(__file__).parent.parent


@pytest.fixture
def build_docs(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    monkeypatch.setattr(module, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(module, "OUT", tmp_path / "docs" / "notebooks")
    monkeypatch.setattr(module, "_RUNS", tmp_path / "runs.json")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "machine_line", lambda: "test machine")
    return module, notebooks


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_full_run_renders_with_outputs_and_records_its_time(build_docs, tmp_path):
    module, notebooks = build_docs
    _notebook(notebooks / "01_ok.ipynb", 'import os\nprint("quick" if os.environ.get("DLKIT_QUICK") == "1" else "full")',
              'open("written_beside.txt", "w").write("x")')
    _notebook(notebooks / "02_broken.ipynb", "raise RuntimeError('boom')")
    assert module.main([]) == 1  # the broken one fails the command ...

    executed = nbformat.read(tmp_path / "docs" / "notebooks" / "01_ok.ipynb", as_version=4)
    assert "make docs" in executed.cells[0].source and "test machine" in executed.cells[0].source
    assert executed.cells[1].outputs[0]["text"] == "full\n"
    assert "full" in (tmp_path / "docs" / "notebooks" / "01_ok.html").read_text()
    assert not nbformat.read(notebooks / "01_ok.ipynb", as_version=4).cells[0].outputs  # the source stays clean
    assert not (notebooks / "written_beside.txt").exists()

    runs = json.loads((tmp_path / "runs.json").read_text())
    assert set(runs) == {"01_ok"}  # ... and is not recorded
    assert runs["01_ok"]["full"]["machine"] == "test machine" and runs["01_ok"]["full"]["seconds"] >= 0
    assert "full run:" in claims.run_length("01_ok", tmp_path / "runs.json")


def test_quick_run_records_its_time_and_renders_nothing(build_docs, tmp_path):
    module, notebooks = build_docs
    _notebook(notebooks / "01_ok.ipynb", 'import os\nassert os.environ["DLKIT_QUICK"] == "1"')
    assert module.main(["--quick", "--only", "01"]) == 0
    assert "quick" in json.loads((tmp_path / "runs.json").read_text())["01_ok"]
    assert not (tmp_path / "docs").exists()
    with pytest.raises(SystemExit):
        module.main(["--only", "07"])
