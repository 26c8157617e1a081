"""Spam or not: a bidirectional recurrent text classifier beside TF-IDF logistic regression.

Both read the same seeded split of the SpamAssassin corpus (stratified by
folder, so every split holds its share of the hard ham) and are scored on
the same test messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlkit import plots, validation
from dlkit.families.base import Family, Fitted, Run, TrainingResult, settings
from dlkit.families.common import RecurrentSettings, compile_and_fit


@settings(epochs=6, batch_size=32, cell="gru", units=32, learning_rate=2e-3)
class TextSettings(RecurrentSettings):
    """How the text classifier trains (`rnn.build_text_classifier`): the fields of
    `RecurrentSettings` (6 epochs of batches of 32, a GRU of 32 units per direction, Adam at
    2e-3 cosine-decayed to 0), and:

    Attributes:
        corpus: `data.TEXT_CORPORA` name: `"spam-assassin"` (offline) or
            `"imdb_reviews"` (TFDS, online). Defaults to `"spam-assassin"`.
        max_tokens: Vocabulary size, padding and unknown-word ids included.
            Defaults to `20000`.
        sequence_length: Words read per message. Defaults to `200`.
        embedding_dim: Defaults to `64`.
        bidirectional: Read each message both ways. Defaults to `True`.
        validation_fraction: Messages held out to pick the epoch (and the
            baseline's penalty). Defaults to `0.15`.
        test_fraction: Messages held out for the final score. Defaults to `0.15`.
        patience: Epochs without a lower validation loss before stopping
            (the best weights are restored). Defaults to `2`.
        message_subset: Use a seeded draw of this many messages (before the
            split), or `None` for all. Defaults to `None`.
    """

    corpus: str = "spam-assassin"
    max_tokens: int = 20000
    sequence_length: int = 200
    embedding_dim: int = 64
    bidirectional: bool = True
    validation_fraction: float = 0.15
    test_fraction: float = 0.15
    patience: int = 2
    message_subset: int | None = None

    def validate(self) -> None:
        super().validate()
        from dlkit.data.spam import TEXT_CORPORA

        validation.check_choice("corpus", self.corpus, TEXT_CORPORA)
        validation.check_positive_int("max_tokens", self.max_tokens, minimum=3)
        for name in ("sequence_length", "embedding_dim", "patience"):
            validation.check_positive_int(name, getattr(self, name))
        validation.check_bool("bidirectional", self.bidirectional)
        validation.check_fraction("validation_fraction", self.validation_fraction)
        validation.check_fraction("test_fraction", self.test_fraction)
        if self.validation_fraction + self.test_fraction >= 1:
            raise ValueError("Expected `validation_fraction + test_fraction` below 1. Received: "
                             f"{self.validation_fraction} + {self.test_fraction}")
        validation.check_optional_positive_int("message_subset", self.message_subset)


FULL = TextSettings()
# Three short epochs: one epoch of 1,050 messages leaves the model answering "ham" for everything.
FAST = FULL.replace(epochs=3, message_subset=1500, sequence_length=100, max_tokens=5000)


def load_split(settings: TextSettings, seed: int, data_dir: Any = None) -> tuple[Any, Any, Any]:
    """The corpus (cut to `message_subset`), split train / validation / test by `seed`."""
    from dlkit.data import spam

    corpus = spam.load_text_corpus(settings.corpus, data_dir=data_dir)
    if settings.message_subset is not None and settings.message_subset < len(corpus):
        keep = np.random.default_rng(seed).choice(len(corpus), settings.message_subset, replace=False)
        corpus = corpus.subset(np.sort(keep))
    return spam.split_text_corpus(corpus, settings.validation_fraction, settings.test_fraction, seed)


def build_model(settings: TextSettings, vocabulary: list[str]) -> Any:
    """The network `fit` trains: `rnn.build_text_classifier(vocabulary, ...)` with the settings."""
    from dlkit.models import rnn  # here: `dlkit --help` must not import TensorFlow

    return rnn.build_text_classifier(vocabulary, sequence_length=settings.sequence_length, cell=settings.cell,
                                     embedding_dim=settings.embedding_dim, units=settings.units,
                                     bidirectional=settings.bidirectional)


def _dataset(texts: list[str], labels: np.ndarray, batch_size: int, seed: int | None) -> Any:
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((np.array(texts, dtype=object), labels.astype(np.float32)))
    if seed is not None:
        dataset = dataset.shuffle(len(texts), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def fit(settings: TextSettings, run: Run) -> Fitted:
    """Split, vocabulary from the training messages, fit with early stopping; the baseline on the same split."""
    import keras

    from dlkit.evaluation import text
    from dlkit.models import rnn

    train, val, test = load_split(settings, run.seed, run.data_dir)
    vocabulary = rnn.adapt_vocabulary(train.texts, settings.max_tokens)
    model = build_model(settings, vocabulary)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.patience,
                                         restore_best_weights=True)
    history = compile_and_fit(
        model, "binary_crossentropy", _dataset(train.texts, train.labels, settings.batch_size, run.seed),
        _dataset(val.texts, val.labels, 256, None), settings, run, settings.learning_rate,
        metrics=("accuracy",), cosine_decay=True, callbacks=(stop,))
    probabilities = model.predict(np.array(test.texts, dtype=object), batch_size=256, verbose=0).reshape(-1)
    baseline = text.TfidfLogisticRegression(max_tokens=settings.max_tokens).fit(
        train.texts, train.labels, val.texts, val.labels, seed=run.seed)
    baseline_probabilities = baseline.predict_proba(test.texts)
    scores = text.binary_report(test.labels, probabilities)
    baseline_scores = text.binary_report(test.labels, baseline_probabilities)
    metrics: dict[str, Any] = {
        "corpus": settings.corpus, "cell": settings.cell,
        "test_accuracy": scores["accuracy"], "test_f1": scores["f1"],
        "baseline_accuracy": baseline_scores["accuracy"], "baseline_f1": baseline_scores["f1"],
        "baseline_penalty": baseline.penalty,
        "train_messages": len(train), "validation_messages": len(val), "test_messages": len(test),
    }
    hard = test.groups == "hard-ham-1"
    if hard.any():  # the ham that reads like spam: how much of it each model lets through as ham
        metrics["hard_ham_accuracy"] = float(np.mean(probabilities[hard] < 0.5))
        metrics["baseline_hard_ham_accuracy"] = float(np.mean(baseline_probabilities[hard] < 0.5))
        metrics["hard_ham_test_messages"] = int(hard.sum())
    return Fitted(model, history, metrics, examples_per_epoch=len(train),
                  extras={"vocabulary": vocabulary, "test": test, "test_probabilities": probabilities,
                          "baseline": baseline, "baseline_probabilities": baseline_probabilities})


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"{metrics['cell']}: test accuracy {metrics['test_accuracy']:.4f}, spam F1 {metrics['test_f1']:.4f} "
            f"(TF-IDF baseline {metrics['baseline_accuracy']:.4f}, {metrics['baseline_f1']:.4f})")


def report(page: Any, result: TrainingResult) -> None:
    """Scores beside the baseline, learning curves and the messages the model gets wrong."""
    m = result.metrics
    page.section(
        "RNN: spam or not",
        f"A bidirectional {m['cell'].upper()} ({m['parameters']:,} parameters) read the first words of "
        f"{m['train_messages']:,} SpamAssassin messages for {m['epochs_run']} epochs in "
        f"{m['train_seconds']:.0f} s. On {m['test_messages']:,} held-out messages it scores accuracy "
        f"{m['test_accuracy']:.2%} and spam F1 {m['test_f1']:.3f}; logistic regression on TF-IDF word and "
        f"word-pair counts, fitted to the same messages, scores {m['baseline_accuracy']:.2%} and "
        f"{m['baseline_f1']:.3f}.",
    )
    page.figure(plots.learning_curves(result.history, metrics=["loss", "accuracy"]), "Learning curves")
    rows = [["accuracy", m["test_accuracy"], m["baseline_accuracy"]], ["spam F1", m["test_f1"], m["baseline_f1"]]]
    if "hard_ham_accuracy" in m:
        rows.append([f"hard ham kept ({m['hard_ham_test_messages']} messages)", m["hard_ham_accuracy"],
                     m["baseline_hard_ham_accuracy"]])
    page.table(["test metric", "recurrent model", "TF-IDF + logistic regression"], rows)
    test, probabilities = result.extras["test"], result.extras["test_probabilities"]
    wrong = np.flatnonzero((probabilities >= 0.5) != (test.labels == 1))[:8]
    page.table(["true class", "spam probability", "message (start)"],
               [[test.class_names[test.labels[i]], float(probabilities[i]), test.texts[i][:160]] for i in wrong])


FAMILY = Family(
    name="text-classifier", title="text classifier (bidirectional GRU)", task="SpamAssassin ham vs spam",
    Settings=TextSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline, tour=FULL, report=report,
    tour_seconds=(240, 15),
)
