"""A character-level language model of English words, beside an n-gram baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dlkit import data, validation
from dlkit.evaluation.language import CharNGramModel, model_bits_per_char
from dlkit.families.base import Family, Fitted, Run, TrainingResult, settings
from dlkit.families.common import RecurrentSettings, compile_and_fit


@settings(epochs=12, batch_size=128, units=256, learning_rate=3e-3)
class CharLMSettings(RecurrentSettings):
    """How the character model trains (`rnn.build_char_language_model`): the fields of
    `RecurrentSettings` (12 epochs of batches of 128, 256 units, Adam at 3e-3 cosine-decayed
    to 0), and:

    The full run (two LSTM layers of 256, 12 epochs) was chosen by a sweep of
    cells, sizes, depths and epochs: one GRU layer of 256 stays above the
    6-gram baseline however long it trains, and larger models overfit the
    word list after about 12 epochs.

    Attributes:
        num_layers: Stacked recurrent layers. Defaults to `2`.
        embedding_dim: Defaults to `32`.
        validation_fraction: Words held out (no word in both parts). Defaults to `0.1`.
        max_word_length: Longer words are left out (a few long compounds
            would otherwise set every batch's padded length). Defaults to `20`.
        ngram_order: The baseline's order: the best of 3..7 on this split's
            validation words (bits per character 3.19, 2.85, 2.57, 2.47,
            2.51). Defaults to `6`.
        word_subset: Train on a seeded draw of this many words, or `None`
            for all. Defaults to `None`.
    """

    num_layers: int = 2
    embedding_dim: int = 32
    validation_fraction: float = 0.1
    max_word_length: int = 20
    ngram_order: int = 6
    word_subset: int | None = None

    def validate(self) -> None:
        super().validate()
        for name in ("num_layers", "embedding_dim", "max_word_length", "ngram_order"):
            validation.check_positive_int(name, getattr(self, name))
        validation.check_fraction("validation_fraction", self.validation_fraction)
        validation.check_optional_positive_int("word_subset", self.word_subset)


FULL = CharLMSettings()
FAST = FULL.replace(epochs=1, units=64, num_layers=1, word_subset=8000)


def split_words(words: Sequence[str], validation_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """A seeded split of a word list by word (no word in both parts)."""
    order = np.random.default_rng(seed).permutation(len(words))
    n_val = int(round(len(words) * validation_fraction))
    validation_words = sorted(words[i] for i in order[:n_val])
    train = sorted(words[i] for i in order[n_val:])
    return train, validation_words


def load_words(settings: CharLMSettings, seed: int, words: Sequence[str] | None = None) -> list[str]:
    """The word list (`data.load_words()` unless given), cut to `max_word_length` and `word_subset`."""
    if words is None:
        kept = data.load_words(max_length=settings.max_word_length)
    else:
        kept = [w for w in words if len(w) <= settings.max_word_length]
    if settings.word_subset is not None and len(kept) > settings.word_subset:
        keep = np.random.default_rng(seed).choice(len(kept), settings.word_subset, replace=False)
        kept = [kept[i] for i in sorted(keep)]
    return kept


def fit(settings: CharLMSettings, run: Run, words: Sequence[str] | None = None) -> Fitted:
    """Trains on a seeded word split; scores bits per character beside the n-gram baseline."""
    # Keras and dlkit.models here, not at the top: `dlkit --help` must not import TensorFlow.
    import keras

    from dlkit.models import rnn

    kept = load_words(settings, run.seed, words)
    train_words, validation_words = split_words(kept, settings.validation_fraction, run.seed)
    vocab = data.CharVocabulary.from_words(kept)
    length = settings.max_word_length + 2
    train_ids = data.encode_words(train_words, vocab, length)
    validation_ids = data.encode_words(validation_words, vocab, length)
    model = rnn.build_char_language_model(vocab.size, cell=settings.cell, embedding_dim=settings.embedding_dim,
                                          units=settings.units, num_layers=settings.num_layers)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    history = compile_and_fit(
        model, loss, data.make_next_id_dataset(train_ids, settings.batch_size, seed=run.seed),
        data.make_next_id_dataset(validation_ids, 512, shuffle=False), settings, run,
        settings.learning_rate, cosine_decay=True,
    )
    ngram = CharNGramModel(order=settings.ngram_order).fit(train_words)
    metrics = {
        "cell": settings.cell,
        "bits_per_char": model_bits_per_char(model, validation_ids),
        "ngram_bits_per_char": ngram.bits_per_char(validation_words),
        "ngram_order": settings.ngram_order,
        "train_words": len(train_words),
        "validation_words": len(validation_words),
    }
    return Fitted(model, history, metrics, examples_per_epoch=len(train_words),
                  extras={"vocab": vocab, "train_words": train_words, "validation_words": validation_words})


def headline(metrics: Mapping[str, Any]) -> str:
    return (f"{metrics['cell']}: {metrics['bits_per_char']:.3f} bits/char on held-out words "
            f"({metrics['ngram_order']}-gram {metrics['ngram_bits_per_char']:.3f})")


def report(page: Any, result: TrainingResult) -> None:
    """Held-out bits per character against the n-gram, and words the model invents."""
    from dlkit.models import rnn  # needs Keras: only imported once a model was trained

    m = result.metrics
    sampled = rnn.sample_words(result.model, result.extras["vocab"], 200, temperature=0.8, seed=result.seed)
    train_set = set(result.extras["train_words"])
    new_share = sum(word not in train_set for word in sampled) / len(sampled)
    result.metrics["new_word_share"] = new_share
    result.metrics["samples"] = sampled[:30]
    page.section(
        "RNN: a character model that invents words",
        f"A {m['cell'].upper()} trained on {m['train_words']:,} English words predicts held-out words at "
        f"{m['bits_per_char']:.3f} bits per character (a {m['ngram_order']}-gram model: "
        f"{m['ngram_bits_per_char']:.3f}). Of 200 words sampled at temperature 0.8, "
        f"{new_share:.0%} are not in the training list. Some of them: " + ", ".join(sampled[:30]) + ".",
    )


# The tour trains one GRU layer for 6 epochs to stay short; FULL is the one
# that beats the n-gram baseline.
FAMILY = Family(
    name="char-lm", title="character language model", task="next character of English words",
    Settings=CharLMSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
    tour=FULL.replace(epochs=6, num_layers=1, cell="gru"), report=report, tour_seconds=(150, 15),
)
