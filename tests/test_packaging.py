"""The install routes agree with each other."""

import json
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _expand(project, extra):
    """Requirements of an extra, with self-references like dlkit[a,b] expanded."""
    out = []
    for req in project["optional-dependencies"][extra]:
        if req.startswith(f"{project['name']}["):
            for inner in req[req.index("[") + 1 : req.index("]")].split(","):
                out += _expand(project, inner.strip())
        else:
            out.append(req)
    return out


def test_environment_yml_installs_exactly_the_dev_install():
    project = _pyproject()["project"]
    wanted = set(project["dependencies"]) | set(_expand(project, "dev"))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {r for r in pip_section if not r.startswith("-e")}
    assert listed == wanted
    assert "-e ." in pip_section
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace("python", "") == project["requires-python"]


def test_console_script_points_at_a_real_function():
    import importlib

    target = _pyproject()["project"]["scripts"]["dlkit"]
    module, func = target.split(":")
    assert callable(getattr(importlib.import_module(module), func))


def test_notebooks_are_committed_without_outputs():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs") == [], f"{path.name} has outputs"
                assert cell.get("execution_count") is None, f"{path.name} has execution counts"


def test_public_api_of_the_design_contract_exists():
    import dlkit
    from dlkit import data, evaluation
    from dlkit.models import cnn, gan, rnn

    names = {
        dlkit: ["set_seed"],
        data: ["load_fashion_mnist", "FASHION_MNIST_CLASSES", "load_words", "load_co2"],
        cnn: ["build_cnn_classifier"],
        rnn: ["build_rnn_classifier", "build_rnn_forecaster", "build_char_language_model"],
        gan: ["build_dcgan_generator", "build_dcgan_discriminator", "build_wgan_critic", "DCGAN", "WGAN"],
        evaluation: ["frechet_classifier_distance", "class_coverage"],
    }
    for module, attrs in names.items():
        for attr in attrs:
            assert hasattr(module, attr), f"{module.__name__}.{attr}"
    assert len(data.FASHION_MNIST_CLASSES) == 10


def test_model_loading_refuses_every_keras_release_with_a_known_safe_mode_bypass():
    """CVE-2025-1550 (fixed 3.9), CVE-2025-8747 and -9906 (3.11.0), CVE-2025-9905 (3.11.3).

    dlkit installs beside older Keras releases (hosted runtimes keep theirs), so the
    protection is in `saving.load_model`, which refuses them (tests/test_saving.py).
    """
    from packaging.version import Version

    from dlkit import saving

    first_safe = Version(".".join(map(str, saving.SAFE_KERAS)))
    assert all(Version(v) < first_safe for v in ("3.8.0", "3.10.0", "3.11.0", "3.11.2", "3.11.3"))


def test_no_load_turns_safe_mode_off_and_models_load_through_one_function():
    sources = {path: path.read_text() for path in (ROOT / "dlkit").rglob("*.py")}
    assert not [p for p, text in sources.items() if "safe_mode=False" in text]
    loaders = [p.name for p, text in sources.items() if "keras.saving.load_model(" in text]
    assert loaders == ["saving.py"]


def test_the_public_api_is_type_annotated():
    import inspect

    import dlkit
    from dlkit import data, evaluation, families
    from dlkit.models import cnn, gan, rnn

    functions = [dlkit.set_seed, data.load_fashion_mnist, data.load_words, data.load_co2,
                 cnn.build_cnn_classifier, rnn.build_rnn_classifier, rnn.build_rnn_forecaster,
                 rnn.build_char_language_model, gan.build_dcgan_generator, gan.build_dcgan_discriminator,
                 gan.build_wgan_critic, gan.DCGAN.__init__, gan.WGAN.__init__,
                 evaluation.frechet_classifier_distance, evaluation.class_coverage,
                 families.Family.train, families.Settings.replace, families.get, families.register]
    for function in functions:
        signature = inspect.signature(function)
        missing = [name for name, p in signature.parameters.items()
                   if name != "self" and p.annotation is inspect.Parameter.empty]
        assert not missing, f"{function.__qualname__}: {missing} have no type"
        assert signature.return_annotation is not inspect.Signature.empty, function.__qualname__


def test_mypy_as_make_lint_runs_it_catches_a_wrong_argument_type(tmp_path):
    """The type check is strict enough to fail a call with the wrong type, and passes the package."""
    from mypy import api

    wrong = tmp_path / "wrong.py"
    wrong.write_text("from dlkit import families\nfrom dlkit.models import rnn\n\n"
                     "families.FAMILIES['cnn'].train(seed='0')\n"
                     "rnn.build_rnn_forecaster(104, 1, horizon='26')\n")
    config = str(ROOT / "pyproject.toml")
    out, _, status = api.run(["--config-file", config, "--no-incremental", str(wrong)])
    assert status == 1, out
    assert 'Argument "seed" to "train" of "Family" has incompatible type "str"' in out
    assert 'Argument "horizon" to "build_rnn_forecaster" has incompatible type "str"' in out
