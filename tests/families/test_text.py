"""The text-classifier family end to end: `dlkit train text-classifier --fast`, its files, resume."""

import json

import numpy as np
import pytest

from dlkit import cli, families, saving
from tests.families import CrashAfterFirstEpoch


def test_cli_fast_run_writes_a_model_that_reads_strings_and_scores_beside_the_baseline(tmp_path, spam_corpus,
                                                                                       capsys):
    assert cli.main(["train", "text-classifier", "--fast", "--out", str(tmp_path)]) == 0
    assert "TF-IDF baseline" in capsys.readouterr().out
    metrics = json.loads((tmp_path / "text-classifier_metrics.json").read_text())
    assert metrics["train_messages"] + metrics["validation_messages"] + metrics["test_messages"] == 1500
    # One epoch on 1,050 messages already separates spam far above the majority answer (about 0.7),
    # which an untrained model (a constant near 0.5) cannot pass.
    assert metrics["test_accuracy"] > 0.85 and metrics["test_f1"] > 0.7
    assert metrics["baseline_accuracy"] > 0.85
    assert 0 <= metrics["hard_ham_accuracy"] <= 1 and metrics["hard_ham_test_messages"] > 0
    model = saving.load_model(tmp_path / "text-classifier.keras")
    probabilities = model.predict(np.array(["", spam_corpus.texts[0]], dtype=object), verbose=0)
    assert probabilities.shape == (2, 1) and np.all((probabilities >= 0) & (probabilities <= 1))


def test_a_crashed_run_resumes_from_its_backup(tmp_path, spam_corpus):
    family = families.FAMILIES["text-classifier"]
    settings = family.FAST.replace(epochs=2, message_subset=600, patience=5)
    with pytest.raises(RuntimeError, match="simulated crash"):
        family.train(settings, out=tmp_path, verbose=0, callbacks=[CrashAfterFirstEpoch()])
    assert (tmp_path / "text-classifier_backup").exists()
    resumed = family.train(settings, out=tmp_path, verbose=0, resume=True)
    assert resumed.metrics["epochs_run"] == 1  # only the epoch the crash cost
    assert resumed.model.predict(np.array(["free money"], dtype=object), verbose=0).shape == (1, 1)
