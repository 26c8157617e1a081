import json

import numpy as np
import pytest

from benchmarks import __main__ as runner
from dlkit.precision import policy_blocker


def test_benchmark_runner_lists_every_benchmark(capsys):
    assert runner.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in runner.BENCHMARKS)


def test_benchmark_runner_rejects_unknown_names(capsys):
    assert runner.main(["nope"]) == 2
    assert "unknown ['nope']" in capsys.readouterr().err


def test_table_ratios_compare_rates_against_the_group_baseline(capsys):
    from benchmarks._timing import Table

    table = Table("t")
    base = table.add("g", "slow", [2.0, 4.0, 3.0], work=300)
    fast = table.add("g", "fast", [1.0, 1.5, 0.5], work=300, baseline="slow")
    other = table.add("g", "half the work", [1.0], work=150, baseline="slow")
    assert base["median_seconds"] == 3.0 and base["ratio"] == 1.0
    assert fast["ratio"] == pytest.approx(3.0)
    assert other["ratio"] == pytest.approx(1.5)  # 150 images/s against 100
    assert "3.00x" in capsys.readouterr().out


def test_table_pairs_each_repetition_with_the_baseline_repetition_beside_it(capsys):
    from benchmarks._timing import Table

    table = Table("t")
    # A machine that slows down over the run: medians alone would hide that B is always 2x faster.
    base = table.add("g", "A", [1.0, 2.0, 4.0, 8.0, 16.0], work=10)
    fast = table.add("g", "B", [0.5, 1.0, 2.0, 4.0, 8.0], work=10, baseline="A")
    short = table.add("g", "C", [1.0, 2.0], work=10, baseline="A")
    assert base["paired_ratio"] is None
    assert fast["paired_ratio"] == pytest.approx(2.0)
    assert fast["paired_q1"] == pytest.approx(2.0) and fast["paired_q3"] == pytest.approx(2.0)
    assert short["paired_ratio"] is None and short["ratio"] == pytest.approx(4.0 / 1.5)  # counts differ: no pairs
    assert "2.00x  [2.00, 2.00-2.00]" in capsys.readouterr().out


def test_alternate_rotates_which_variant_opens_each_round_after_warmup():
    from benchmarks._timing import alternate

    calls = []
    variants = {name: (lambda n=name: calls.append(n) or 1.0) for name in "abc"}
    variants["b"] = lambda: calls.append("b")  # timed from outside
    times = alternate(variants, 4, warmup=1)
    assert calls == list("abc") + list("abc") + list("bca") + list("cab") + list("abc")
    assert times["a"] == [1.0] * 4 and len(times["b"]) == 4 and all(t >= 0 for t in times["b"])


def test_step_flop_count_matches_the_analytic_count():
    """Profiler count of forward + backward for a conv + dense net against the formula, within 5 %."""
    import keras

    from benchmarks.machine_limit import ADAM_FLOPS_PER_WEIGHT, count_step_flops

    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(8, 3, use_bias=False)(inputs)
    outputs = keras.layers.Dense(10, use_bias=False)(keras.layers.Flatten()(h))
    model = keras.Model(inputs, outputs)
    batch = 16
    conv = 2 * 26 * 26 * 9 * 8 * batch
    dense = 2 * 26 * 26 * 8 * 10 * batch
    # Forward conv and dense; the conv's filter gradient (no input gradient for
    # the first layer); the dense layer's weight and input gradients.
    expected = 2 * conv + 3 * dense + ADAM_FLOPS_PER_WEIGHT * model.count_params()
    assert count_step_flops(model, batch) == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("kind", ["dcgan", "wgan-gp"])
def test_hand_written_reference_step_trains_both_networks(kind):
    import keras

    from benchmarks.gan_steps import build_fit_side, hand_written_step

    model = build_fit_side(kind)
    generator = keras.models.clone_model(model.generator)
    second = keras.models.clone_model(model.discriminator if kind == "dcgan" else model.critic)
    before = [w.copy() for w in generator.get_weights() + second.get_weights()]
    step, (d_opt, g_opt) = hand_written_step(kind, generator, second)
    real = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    d_loss, g_loss = step(real)
    assert np.isfinite(float(d_loss)) and np.isfinite(float(g_loss))
    # The same update rule as dlkit's loop: critic_steps critic updates per generator update.
    assert int(d_opt.iterations) == (1 if kind == "dcgan" else model.critic_steps)
    assert int(g_opt.iterations) == 1
    after = generator.get_weights() + second.get_weights()
    changed = [not np.array_equal(a, b) for a, b in zip(before, after, strict=True)]
    n_gen = len(generator.get_weights())
    assert any(changed[:n_gen]) and any(changed[n_gen:])


@pytest.mark.parametrize("name, expected", [
    ("cnn_fit", {"NumPy arrays (keras-io)", "NumPy arrays, a second model (noise check)", "dlkit pipeline",
                 "dlkit pipeline, steps_per_execution=8", "dlkit pipeline, no model"}),
    ("gan_steps", {"hand-written tf.function loop", "dlkit fit()", "dlkit fit(), mixed_bfloat16"}),
    ("rnn_cells", {"LSTM", "GRU", "plain RNN", "LSTM, recurrent_dropout=0.2", "GRU, reset_after=False"}),
    ("scaling", {"1/8 (256 images)", "all (2,048 images)", "batch 32", "batch 256"}),
    ("machine_limit", {"matmul 512x512", "CNN training step"}),
])
def test_performance_suite_quick_mode_prints_and_records_every_ratio(name, expected, tmp_path, monkeypatch,
                                                                     capsys, fashion):
    """Each benchmark at toy size (2 repetitions): the code runs and every row has a positive ratio."""
    monkeypatch.setenv("DLKIT_BENCH_QUICK", "1")
    path = tmp_path / "bench.json"
    assert runner.main([name, "--json", str(path)]) == 0
    out = capsys.readouterr().out
    record = json.loads(path.read_text())
    rows = [r for r in record["benchmarks"][0]["rows"] if r.get("variant")]
    if policy_blocker("mixed_bfloat16"):  # the bfloat16 row would abort the process here; it says so instead
        expected = {v for v in expected if "bfloat16" not in v}
        assert name != "gan_steps" or "no mixed_bfloat16 row" in out
    assert {r["variant"] for r in rows} >= expected
    assert all(r["repetitions"] == 2 and r["ratio"] > 0 and r["rate"] > 0 for r in rows)
    assert "Every ratio" in out and record["machine"]["tensorflow"]


def test_compare_puts_records_side_by_side_as_multiples_of_the_first(tmp_path, capsys):
    from benchmarks import compare

    def record(rate):
        rows = [{"group": "CNN", "variant": "dlkit pipeline", "rate": rate, "unit": "images/s"},
                {"note": "not a row"}]
        return {"benchmarks": [{"rows": rows}]}

    (tmp_path / "f32.json").write_text(json.dumps(record(100.0)))
    (tmp_path / "xla.json").write_text(json.dumps(record(250.0)))
    assert compare.main([str(tmp_path / "f32.json"), str(tmp_path / "xla.json")]) == 0
    out = capsys.readouterr().out
    assert "| variant | unit | f32 | xla |" in out
    assert "| CNN: dlkit pipeline | images/s | 100.0 | 250.0 (2.50x) |" in out
    assert compare.main([str(tmp_path / "missing.json")]) == 2


def test_gpu_check_script_refuses_to_measure_without_a_gpu(tmp_path):
    import subprocess
    import sys

    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("a GPU is present: the script would measure")
    result = subprocess.run(["bash", "benchmarks/gpu_check.sh", str(tmp_path / "out")], capture_output=True,
                            text=True, env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 1
    assert "TensorFlow sees no GPU here" in result.stderr


def _g2p_run(directory, seed, attention, per, wer=0.3, seconds=1000.0, **changes):
    """An output directory as `dlkit train g2p` leaves it, holding only what the benchmark reads."""
    from dlkit.families import FAMILIES

    settings = FAMILIES["g2p"].FULL.replace(attention=attention, **changes).as_dict()
    directory.mkdir()
    metrics = {"seed": seed, "attention": attention, "settings": settings, "beam_per": per, "beam_wer": wer,
               "greedy_per": per, "baseline_per": 0.3, "epochs_run": 11, "train_seconds": seconds,
               "parameters": 1000}
    (directory / "g2p_metrics.json").write_text(json.dumps(metrics))
    return str(directory)


def test_seq2seq_benchmark_asks_every_seed_to_clear_the_margin(tmp_path, capsys):
    from benchmarks import seq2seq

    runs = [_g2p_run(tmp_path / "a0", 0, True, 0.078), _g2p_run(tmp_path / "n0", 0, False, 0.099),
            _g2p_run(tmp_path / "a1", 1, True, 0.080), _g2p_run(tmp_path / "n1", 1, False, 0.0842)]
    report = seq2seq.main(["--seeds", "--runs", *runs])
    assert report["per_lower_with_attention"][0] > 0.2
    assert abs(report["per_lower_with_attention"][1] - 0.05) < 1e-3  # 0.080 / 0.0842: 5 % lower, under the margin
    assert not report["margin_target_met"]
    assert report["wer_target_met"]
    assert "seed 1: attention's beam PER 5.0% lower" in capsys.readouterr().out

    better = _g2p_run(tmp_path / "n1b", 1, False, 0.095)
    assert seq2seq.main(["--seeds", "--runs", *runs[:3], better])["margin_target_met"]
    # One seed alone decides nothing, however wide its margin.
    assert not seq2seq.main(["--seeds", "--runs", *runs[:2]])["margin_target_met"]
    slow = _g2p_run(tmp_path / "a0s", 0, True, 0.078, seconds=2400.0)
    assert not seq2seq.main(["--seeds", "--runs", slow, runs[1]])["wer_target_met"]


def test_seq2seq_benchmark_refuses_runs_it_cannot_compare(tmp_path):
    from benchmarks import seq2seq

    other = _g2p_run(tmp_path / "small", 0, True, 0.078, units=64)
    with pytest.raises(SystemExit, match="differing: units"):
        seq2seq.main(["--seeds", "--runs", other])
    alone = _g2p_run(tmp_path / "alone", 0, True, 0.078)
    with pytest.raises(SystemExit, match="Missing: seed 0 no attention"):
        seq2seq.main(["--seeds", "--runs", alone])
    with pytest.raises(SystemExit, match="holding g2p_metrics.json"):
        seq2seq.main(["--seeds", "--runs", str(tmp_path / "nowhere")])


def _quality_runs(part, values, reference=None, cut=(), coverage=0.99):
    """Records of `benchmarks.quality_budget` runs: dlkit's `values` by seed, the reference's beside them."""
    metric = "test_accuracy" if part == "cnn" else "fcd"
    common = {"train_seconds": 100.0, "budget_seconds": 99.0, "steps": 50, "epochs_run": 3}
    runs = {}
    for seed, value in enumerate(values):
        runs[f"{part}/dlkit/{seed}"] = {metric: value, "cut_by_budget": seed in cut, "coverage_entropy": coverage,
                                        **common}
    ref_part = "cnn" if part == "cnn" else "gan"
    for seed, value in enumerate(reference or ()):
        runs[f"{ref_part}/reference/{seed}"] = {metric: value, "cut_by_budget": True, "coverage_entropy": 0.9,
                                                **common}
    return runs


def test_quality_budget_summary_asks_for_the_median_of_three_seeds_within_the_budget(capsys):
    from benchmarks import quality_budget as qb

    runs = _quality_runs("cnn", [0.936, 0.930, 0.941], reference=[0.912, 0.915, 0.910])
    entry = qb.summarise(runs, ["cnn"])["cnn"]
    assert entry["dlkit_median"] == 0.936 and entry["reference_median"] == 0.912
    assert abs(entry["ratio"] - 0.936 / 0.912) < 1e-12
    assert entry["target_met"]
    # A run the budget cut short did not train within it: the target is not met, however accurate.
    assert not qb.summarise(_quality_runs("cnn", [0.936, 0.930, 0.941], cut=(1,)), ["cnn"])["cnn"]["target_met"]
    # Two seeds decide nothing; a median below 93.5 % misses.
    assert not qb.summarise(_quality_runs("cnn", [0.95, 0.95]), ["cnn"])["cnn"]["target_met"]
    assert not qb.summarise(_quality_runs("cnn", [0.95, 0.934, 0.930]), ["cnn"])["cnn"]["target_met"]
    # GANs: lower FCD is better, and the classes must be covered evenly too.
    gan = _quality_runs("dcgan", [55.0, 70.0, 58.0], reference=[120.0, 130.0, 110.0])
    entry = qb.summarise(gan, ["dcgan"])["dcgan"]
    assert entry["dlkit_median"] == 58.0 and entry["target_met"] and entry["reference"] == "keras-io DCGAN"
    uneven = _quality_runs("dcgan", [55.0, 70.0, 58.0], coverage=0.90)
    assert not qb.summarise(uneven, ["dcgan"])["dcgan"]["target_met"]
    assert not qb.summarise(_quality_runs("wgan-gp", [85.0, 70.0, 90.0]), ["wgan-gp"])["wgan-gp"]["target_met"]
    qb.print_summary(runs, qb.summarise(runs, ["cnn"]), "a test machine", fast=False)
    out = capsys.readouterr().out
    assert "median: dlkit 93.60%, Keras mnist_convnet 91.20%, ratio dlkit/reference 1.026" in out
    assert "target (test_accuracy >= 93.50%, median of 3 seeds, within the budget): met" in out


def test_quality_budget_trains_both_sides_and_refuses_records_of_other_budgets(tmp_path, capsys):
    from benchmarks import quality_budget as qb

    record = qb.main(["--only", "cnn", "--seeds", "0", "--fast", "--json", str(tmp_path / "r.json")])
    assert set(record["runs"]) == {"cnn/dlkit/0", "cnn/reference/0"}
    for run in record["runs"].values():
        assert 0.0 <= run["test_accuracy"] <= 1.0 and run["steps"] > 1
    # An earlier record merges in (its seed is not trained again) ...
    merged = qb.main(["--only", "cnn", "--seeds", "--fast", "--records", str(tmp_path / "r.json")])
    assert merged["runs"] == record["runs"]
    # ... unless it was measured with other budgets or mode.
    with pytest.raises(SystemExit, match="fast=True; this run uses"):
        qb.main(["--only", "cnn", "--seeds", "--records", str(tmp_path / "r.json")])
    with pytest.raises(SystemExit, match="expected a JSON record"):
        qb.main(["--seeds", "--records", str(tmp_path / "missing.json")])
    # ... or if its dlkit run trained another recipe than today's (a median must not mix two).
    assert all(run["settings"] == qb.REFERENCE_SETTINGS["cnn"]
               for key, run in record["runs"].items() if key.startswith("cnn/reference/"))
    stale = json.loads((tmp_path / "r.json").read_text())
    stale["runs"]["cnn/dlkit/0"]["settings"]["label_smoothing"] = 0.0
    (tmp_path / "stale.json").write_text(json.dumps(stale))
    with pytest.raises(SystemExit, match=r"cnn/dlkit/0 was trained with settings other than today's recipe "
                                         r"\(label_smoothing: 0.0 then, 0.1 now\)"):
        qb.main(["--only", "cnn", "--seeds", "--fast", "--records", str(tmp_path / "stale.json")])
    # A record is never overwritten unless it is also read (and so kept in the new one).
    with pytest.raises(SystemExit):
        qb.main(["--only", "cnn", "--seeds", "--fast", "--json", str(tmp_path / "r.json")])
    assert "exists: name a new file" in capsys.readouterr().err
    extended = qb.main(["--only", "cnn", "--seeds", "--fast", "--records", str(tmp_path / "r.json"),
                        "--json", str(tmp_path / "r.json")])
    assert extended["runs"] == record["runs"]
    assert json.loads((tmp_path / "r.json").read_text())["runs"] == record["runs"]


def test_quality_budget_refuses_records_it_cannot_trust_and_names_why(tmp_path):
    from benchmarks import quality_budget as qb

    recipe = json.loads(json.dumps(qb.recipe("dcgan", fast=True).as_dict()))
    good = {"dcgan/dlkit/0": {"fcd": 100.0, "settings": recipe},
            "gan/reference/0": {"fcd": 500.0, "settings": qb.REFERENCE_SETTINGS["gan"]}}

    def read(runs, name="r.json", **record):
        path = tmp_path / name
        path.write_text(json.dumps({"budgets": qb.BUDGETS, "fast": True, "runs": runs, **record}))
        return qb.read_records([str(path)], fast=True)

    assert read(good) == good
    # A setting the record lacks is not taken for a None one.
    lacking = {**good, "dcgan/dlkit/0": {"fcd": 100.0, "settings": {k: v for k, v in recipe.items()
                                                                    if k != "train_subset"}}}
    with pytest.raises(SystemExit, match=r"dcgan/dlkit/0 .* \(train_subset: '\(absent\)' then, 2048 now\)"):
        read(lacking)
    # The reference's settings are checked too, and a run that recorded none is refused.
    other_reference = {**good, "gan/reference/0": {"fcd": 500.0,
                                                   "settings": {**qb.REFERENCE_SETTINGS["gan"], "batch_size": 128}}}
    with pytest.raises(SystemExit, match=r"today's reference \(batch_size: 128 then, 64 now\)"):
        read(other_reference)
    with pytest.raises(SystemExit, match=r"gan/reference/0 .*\(settings: 'not recorded' then"):
        read({"gan/reference/0": {"fcd": 500.0}})
    # Keys and shapes this benchmark does not write are named, not a traceback.
    for runs in ({"wgan/dlkit/0": {}}, {"dcgan/dlkit": {}}, {"cnn/reference/x": {}}, {"gan/dlkit/0": {}}):
        with pytest.raises(SystemExit, match=f"expected run keys part/side/seed .* Received: '{list(runs)[0]}'"):
            read(runs)
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(SystemExit, match=r"expected a JSON object with a \"runs\" object.* \(list\)"):
        qb.read_records([str(tmp_path / "list.json")], fast=True)


def test_quality_budget_counts_a_diverged_run_as_the_worst_not_as_missing():
    from benchmarks import quality_budget as qb

    # A non-finite FCD is written to the record as null (saving.write_json) and read back as None.
    runs = _quality_runs("dcgan", [50.0, 55.0, 58.0], reference=[500.0, 520.0, 510.0])
    runs["dcgan/dlkit/0"]["fcd"] = None
    runs["dcgan/dlkit/1"]["fcd"] = float("nan")
    entry = qb.summarise(runs, ["dcgan"])["dcgan"]
    assert entry["dlkit_median"] == float("inf") and entry["ratio"] is None and not entry["target_met"]
    runs["dcgan/dlkit/1"]["fcd"] = 52.0
    assert qb.summarise(runs, ["dcgan"])["dcgan"]["dlkit_median"] == 58.0  # the worst of three is not the median


def test_quality_budget_gans_train_their_recipe_until_the_budget_stops_them(monkeypatch):
    import types

    from benchmarks import quality_budget as qb
    from dlkit import families

    for part in ("dcgan", "wgan-gp"):
        assert qb.recipe(part, fast=False) == families.FAMILIES[part].FULL.replace(epochs=100_000)
    # A cap that stops the run: the GANs' intended end, the CNN's cut (its planned decay did not finish).
    stopped = types.SimpleNamespace(stopped=True, seconds_used=900.2, steps=12)
    monkeypatch.setattr(qb, "_budget", lambda part, fast: stopped)
    metrics = {"train_seconds": 901.0, "epochs_run": 3, "test_accuracy": 0.9, "fcd": 100.0,
               "coverage_entropy": 0.99, "classes_covered": 10}
    for part, cut in (("dcgan", False), ("wgan-gp", False), ("cnn", True)):
        real = families.FAMILIES[part]
        stub = types.SimpleNamespace(FULL=real.FULL, FAST=real.FAST,
                                     train=lambda settings, **kwargs: types.SimpleNamespace(metrics=metrics))
        monkeypatch.setitem(families.FAMILIES, part, stub)
        assert qb.train_dlkit(part, 0, fast=False)["cut_by_budget"] is cut, part


def test_gan_probe_measures_at_its_checkpoints_and_its_decays_follow_the_budget(capsys):
    import keras

    from benchmarks import gan_probe

    result = gan_probe.main(["--kind", "wgan-gp", "--learning-rate", "4e-4", "--critic-steps", "1",
                             "--seconds", "2", "--checks", "1", "2", "--fast", "--samples", "500",
                             "--averaging", "0.99"])
    assert [row["seconds"] >= check for row, check in zip(result["checkpoints"], (1, 2), strict=True)] == [True, True]
    assert all(np.isfinite(row["fcd"]) and row["generator_steps"] > 1 for row in result["checkpoints"])
    # With an average, each checkpoint scores it and the last weights: two generators, two distances.
    assert all(np.isfinite(row["fcd_last"]) and row["fcd_last"] != row["fcd"] for row in result["checkpoints"])
    out = capsys.readouterr().out
    assert "critic steps" in out and "averaging 0.99" in out and "(last weights: FCD" in out
    progress = keras.Variable(0.0)
    shapes = {decay: gan_probe._time_decay(1e-3, progress, decay) for decay in gan_probe.DECAYS}
    for share, expected in ((0.0, {"none": 1e-3, "cos": 1e-3, "late": 1e-3}),
                            (0.75, {"none": 1e-3, "cos": 0.5e-3 * (1 + np.cos(0.75 * np.pi)), "late": 0.5e-3}),
                            (1.0, {"none": 1e-3, "cos": 0.0, "late": 0.0})):
        progress.assign(share)
        for decay, schedule in shapes.items():
            assert float(schedule(0)) == pytest.approx(expected[decay], abs=1e-9), (decay, share)
    with pytest.raises(SystemExit):
        gan_probe.main(["--kind", "dcgan", "--learning-rate", "6e-4", "--seconds", "10", "--checks", "20"])
    assert "expected checkpoints within (0, --seconds]" in capsys.readouterr().err


def test_cnn_probe_scores_a_changed_recipe_on_the_validation_images(capsys):
    from benchmarks import cnn_probe

    assert cnn_probe._model_value("48,96,192") == (48, 96, 192)
    assert [cnn_probe._model_value(t) for t in ("2", "0.25", "global", "none", "True")] == [2, 0.25, "global",
                                                                                           None, True]
    result = cnn_probe.main(["--seconds", "3", "--fast", "--set", "batch_size=256", "--model", "filters=8,16",
                             "--model", "dense_units=16"])
    assert result["changes"] == {"batch_size": "256"} and result["model"] == {"filters": (8, 16), "dense_units": 16}
    assert result["epochs_run"] == len(result["val_accuracy_by_epoch"]) >= 1
    assert 0.0 <= result["val_accuracy"] <= 1.0 and 0.0 <= result["val_accuracy_flipped"] <= 1.0
    assert result["parameters"] < 20_000  # the network asked for, not the default's 242k
    assert "validation accuracy" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="--set: "):
        cnn_probe.main(["--seconds", "3", "--fast", "--set", "batch_sise=256"])
    with pytest.raises(SystemExit, match="--model: expected NAME=VALUE. Received: 'filters'"):
        cnn_probe.main(["--seconds", "3", "--fast", "--model", "filters"])


def test_epoch_start_counts_the_waits_of_each_variant_at_epoch_starts_and_fit_ends():
    from benchmarks import epoch_start

    off, on = epoch_start.VARIANTS
    runs = [{"variant": off, "boundary_waits": [0.07, 0.08], "end_wait": 0.02, "fit_seconds": 207.9},
            {"variant": on, "boundary_waits": [12.48, 16.9], "end_wait": 0.01, "fit_seconds": 234.6},
            {"variant": on, "boundary_waits": [0.11, 16.58], "end_wait": 16.63, "fit_seconds": 229.2},
            {"variant": off, "boundary_waits": [0.07, 0.08], "end_wait": 0.01, "fit_seconds": 207.5}]
    summary = epoch_start.summarize(runs)
    assert summary[off] == {"epoch_starts": 4, "waited_at_start": 0, "fit_ends": 2, "waited_at_end": 0,
                            "median_wait": 0.0, "median_fit_seconds": 207.7}
    assert summary[on] == {"epoch_starts": 4, "waited_at_start": 3, "fit_ends": 2, "waited_at_end": 1,
                           "median_wait": 16.6, "median_fit_seconds": 231.9}
    assert summary["fit_ratio_on_over_off"] == round(231.9 / 207.7, 3)


def test_epoch_start_refuses_settings_it_cannot_measure_before_training(monkeypatch):
    from benchmarks import epoch_start

    def no_training(*args):
        raise AssertionError("a refused setting must not start a run")

    monkeypatch.setattr(epoch_start, "_in_subprocess", no_training)
    for argv in (["--epochs", "1"], ["--images", "10"], ["--repeats", "0"]):
        with pytest.raises(SystemExit, match="expected --epochs >= 2"):
            epoch_start.main(argv)


@pytest.mark.parametrize("autotune", [False, True])
def test_epoch_start_run_trains_the_variant_asked_for_and_times_every_later_epoch(autotune, fashion):
    from benchmarks import epoch_start

    run = epoch_start.one_run(autotune, epochs=3, images=64)
    assert run["autotune"] is autotune  # read from the dataset fit was given, not the argument echoed
    assert len(run["boundary_waits"]) == 2  # epochs 2 and 3; the first epoch's first batch traces
