"""Writes every Colab/Kaggle link and install cell from the one URL pyproject.toml declares.

    python scripts/hosted_links.py           # rewrite what differs (make links)
    python scripts/hosted_links.py --check   # list what differs, exit 1 if anything does

The home is `[project.urls] Repository`. From it come: the first cell of every
notebook (which installs dlkit on Colab and Kaggle only, from `git+URL` unless
`DLKIT_SOURCE` names a fork or a wheel), the "open online" links of the
README's notebook table, and the README's install line for hosted runtimes.
Nothing else may name the repository; `tests/test_hosted.py` runs the check.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BRANCH = "main"  # the branch the Colab and Kaggle links open
# The first line of the generated cell: how the generator recognises the cell it owns.
CELL_MARK = "# Colab / Kaggle only:"


def project_table(root: Path = ROOT) -> dict:
    """The `[project]` table of `root/pyproject.toml`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib.loads((root / "pyproject.toml").read_text())["project"]


def repository_url(root: Path = ROOT) -> str:
    """The `Repository` URL of `[project.urls]`, checked to be a GitHub repository."""
    url = project_table(root).get("urls", {}).get("Repository", "")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url):
        # Colab opens notebooks from GitHub only; Kaggle's importer takes the same address.
        raise ValueError("Expected [project.urls] Repository in pyproject.toml to be "
                         f"https://github.com/OWNER/NAME. Received: {url!r}")
    return url


def online_links(url: str, notebook: str) -> str:
    """The README's "open online" cell for `notebook` (a file name in notebooks/)."""
    on_github = f"{url}/blob/{BRANCH}/notebooks/{notebook}"
    colab = f"https://colab.research.google.com/github/{url.removeprefix('https://github.com/')}" \
            f"/blob/{BRANCH}/notebooks/{notebook}"
    return f"[Colab]({colab}) · [Kaggle](https://kaggle.com/kernels/welcome?src={on_github})"


def install_cell(url: str, words: bool) -> str:
    """The first cell of a notebook; `words`: whether it also installs the word list."""
    cell = f'''{CELL_MARK} installs dlkit and leaves the runtime's TensorFlow, Keras and
# NumPy as they are; elsewhere this cell does nothing. To install a fork or a wheel instead, run
# `import os; os.environ["DLKIT_SOURCE"] = "git+https://github.com/YOU/dlkit"` (or the path or
# URL of a .whl) in a cell before this one.
import os
import sys

ON_HOSTED = "google.colab" in sys.modules or "KAGGLE_KERNEL_RUN_TYPE" in os.environ
if ON_HOSTED:
    import importlib
    import subprocess
    import tempfile
    from importlib import metadata

    def versions(names):
        found = {{}}
        for name in names:
            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
        return found

    SOURCE = os.environ.get("DLKIT_SOURCE", "git+{url}")
    kept = versions(["tensorflow", "keras", "numpy"])
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pins:
        pins.write("".join(f"{{name}}=={{version}}\\n" for name, version in kept.items()))
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--constraint",
                          pins.name, SOURCE], capture_output=True, text=True)
    if pip.returncode != 0:
        raise RuntimeError(
            f"pip could not install dlkit from {{SOURCE}} beside {{kept}} (kept as they are). "
            "On Kaggle, switch the notebook's Internet on, or add dlkit's wheel as a dataset and "
            f"set DLKIT_SOURCE to its path. pip said:\\n{{pip.stderr[-3000:]}}")
    importlib.invalidate_caches()
    if versions(kept) != kept:
        raise RuntimeError(f"Installing dlkit changed {{kept}} to {{versions(kept)}}: restart the runtime")
    print(f"dlkit {{metadata.version('dlkit')}} installed from {{SOURCE}};",
          ", ".join(f"{{name}} {{version}}" for name, version in kept.items()), "left as they were")'''
    if words:
        cell += '''
    if not os.path.exists("/usr/share/dict/words"):  # the word list; needs the internet
        subprocess.run(["apt-get", "-qq", "install", "-y", "wamerican"], capture_output=True)'''
    return cell


def _notebooks(root: Path) -> list[Path]:
    return sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _uses_words(nb) -> bool:
    return any("load_words" in c.source or "char_lm" in c.source
               for c in nb.cells[1:] if c.cell_type == "code")


def _sync_notebook(path: Path, url: str, write: bool) -> bool:
    nb = nbformat.read(path, as_version=4)
    first = nb.cells[0]
    if first.cell_type != "code" or not first.source.startswith(CELL_MARK):
        raise ValueError(f"{path}: expected the first cell to be the hosted-install cell "
                         f"starting with {CELL_MARK!r}. Received: {first.source[:60]!r}")
    wanted = install_cell(url, _uses_words(nb))
    if first.source == wanted:
        return False
    if write:
        first.source = wanted
        nbformat.write(nb, path)
    return True


def _readme_text(text: str, url: str, notebooks: list[str]) -> str:
    for name in notebooks:
        row = re.compile(r"\[Colab\]\([^)\s]*/notebooks/" + re.escape(name) + r"\) · "
                         r"\[Kaggle\]\([^)\s]*/notebooks/" + re.escape(name) + r"\)")
        text = row.sub(lambda _, name=name: online_links(url, name), text)
    return re.sub(r'`DLKIT_SOURCE` defaults to `git\+[^`]*`',
                  f"`DLKIT_SOURCE` defaults to `git+{url}`", text)


def sync(root: Path = ROOT, write: bool = True) -> list[Path]:
    """Brings the notebooks and the README in line with the declared URL; returns what differed."""
    url = repository_url(root)
    paths = _notebooks(root)
    stale = [p for p in paths if _sync_notebook(p, url, write)]
    readme = root / "README.md"
    text = readme.read_text()
    new = _readme_text(text, url, [p.name for p in paths])
    if new != text:
        stale.append(readme)
        if write:
            readme.write_text(new)
    return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only list the files that differ; exit 1 if any does")
    args = parser.parse_args(argv)
    stale = sync(write=not args.check)
    for path in stale:
        print(("out of date: " if args.check else "rewrote: ") + str(path.relative_to(ROOT)))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
