"""Colab and Kaggle: one declared home for every link, an install cell that leaves the runtime alone."""

import importlib.util
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parent.parent


def _script(name):
    """A module of scripts/, loaded from its file (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hosted_links = _script("hosted_links")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_every_link_and_install_cell_comes_from_the_declared_url():
    assert hosted_links.sync(write=False) == [], "run `make links` (scripts/hosted_links.py)"


@pytest.fixture
def project_copy(tmp_path):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    return tmp_path


def test_a_new_home_rewrites_every_cell_and_link_once(project_copy):
    old = hosted_links.repository_url(project_copy)
    pyproject = project_copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(old, "https://github.com/someone/fork"))

    changed = hosted_links.sync(project_copy)
    assert sorted(p.name for p in changed) == sorted([p.name for p in NOTEBOOKS] + ["README.md"])
    readme = (project_copy / "README.md").read_text()
    assert old.removeprefix("https://github.com/") not in readme
    for path in NOTEBOOKS:
        name = path.name
        assert hosted_links.online_links("https://github.com/someone/fork", name) in readme
        assert ("colab.research.google.com/github/someone/fork/blob/main/notebooks/" + name) in readme
        cell = nbformat.read(project_copy / "notebooks" / name, as_version=4).cells[0].source
        assert '"git+https://github.com/someone/fork"' in cell and old not in cell
    assert hosted_links.sync(project_copy) == []  # idempotent


@pytest.mark.parametrize("url", ["", "https://gitlab.com/a/b", "https://github.com/only-owner"])
def test_a_home_colab_cannot_open_is_refused(project_copy, url):
    old = hosted_links.repository_url(project_copy)
    pyproject = project_copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'"{old}"', f'"{url}"'))
    with pytest.raises(ValueError, match="Expected .*Repository.* Received"):
        hosted_links.sync(project_copy, write=False)


def test_only_the_notebooks_that_read_words_install_the_word_list():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        reads_words = any("load_words" in c.source or "char_lm" in c.source for c in nb.cells[1:])
        assert ("wamerican" in nb.cells[0].source) == reads_words, path.name


class _Pip:
    """Stands in for subprocess.run: records each command and the constraints pip was given."""

    def __init__(self, returncode=0, stderr=""):
        self.calls, self.pins, self.returncode, self.stderr = [], None, returncode, stderr

    def __call__(self, command, **kwargs):
        self.calls.append(command)
        if "--constraint" in command:
            self.pins = Path(command[command.index("--constraint") + 1]).read_text().split()
        return subprocess.CompletedProcess(command, self.returncode, "", self.stderr)


def _run_first_cell(path, monkeypatch, pip):
    monkeypatch.setattr(subprocess, "run", pip)
    namespace = {}
    exec(compile(nbformat.read(path, as_version=4).cells[0].source, str(path), "exec"), namespace)
    return namespace


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_off_colab_and_kaggle_the_first_cell_does_nothing(path, monkeypatch):
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    pip = _Pip()
    assert _run_first_cell(path, monkeypatch, pip)["ON_HOSTED"] is False and pip.calls == []


def test_on_kaggle_the_cell_pins_the_runtime_and_says_what_it_installed(monkeypatch, capsys):
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    monkeypatch.delenv("DLKIT_SOURCE", raising=False)
    pip = _Pip()
    _run_first_cell(NOTEBOOKS[0], monkeypatch, pip)
    install = pip.calls[0]
    assert install[1:4] == ["-m", "pip", "install"]
    assert install[-1] == "git+" + hosted_links.repository_url()
    kept = {name: metadata.version(name) for name in ("tensorflow", "keras", "numpy")}
    assert pip.pins == [f"{name}=={version}" for name, version in kept.items()]
    line = capsys.readouterr().out
    assert line.startswith(f"dlkit {metadata.version('dlkit')} installed from git+")
    assert f"tensorflow {kept['tensorflow']}" in line and "left as they were" in line

    monkeypatch.setenv("DLKIT_SOURCE", "/wheels/dlkit-0.1.0-py3-none-any.whl")
    pip = _Pip()
    _run_first_cell(NOTEBOOKS[0], monkeypatch, pip)
    assert pip.calls[0][-1] == "/wheels/dlkit-0.1.0-py3-none-any.whl"


def test_when_pip_cannot_keep_the_runtime_the_cell_stops_with_pips_reason(monkeypatch):
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    monkeypatch.setenv("DLKIT_SOURCE", "git+https://github.com/someone/fork")
    pip = _Pip(returncode=1, stderr="ResolutionImpossible: keras==3.0.0 (constraint)")
    with pytest.raises(RuntimeError, match="(?s)from git\\+https://github.com/someone/fork.*"
                       "Internet on.*ResolutionImpossible"):
        _run_first_cell(NOTEBOOKS[1], monkeypatch, pip)


def test_the_readme_states_the_floors_the_hosted_run_installs(project_copy):
    oldest = _script("simulate_hosted").floors()
    readme = (ROOT / "README.md").read_text()
    assert f"TensorFlow {oldest['tensorflow']} and Keras {oldest['keras']} or newer" in readme
    assert f'"tensorflow>={oldest["tensorflow"]}" "keras>={oldest["keras"]}"' in readme
    # A pyproject without a floor is refused, not run against whatever pip picks.
    pyproject = project_copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(f'"keras>={oldest["keras"]}"', '"keras"'))
    with pytest.raises(ValueError, match="keras>=Y. Received floors for: \\['tensorflow'\\]"):
        _script("simulate_hosted").floors(project_copy)
