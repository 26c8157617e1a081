"""Spelling to pronunciation: a recurrent encoder-decoder with attention on the CMU Pronouncing Dictionary.

The model (`seq2seq.build_seq2seq`) reads a word's letters and writes its
ARPAbet phonemes (grapheme-to-phoneme, G2P). It trains with teacher forcing
on a seeded split of CMUdict by word, stops early on the validation loss,
and is scored on the held-out words, decoded greedily and with a beam
search, beside the nearest-spelling baseline on the same words.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dlkit import plots, validation
from dlkit.families.base import Family, Fitted, Run, TrainingResult, settings
from dlkit.families.common import RecurrentSettings, compile_and_fit

# The published CMUdict results without stress (PER %, WER %), as the issue (#19) quotes them.
PUBLISHED = (
    ("Yao & Zweig 2015, bidirectional LSTM", 5.45, 23.55),
    ("Toshniwal & Livescu 2016, attention (about)", 4.8, 20.7),
)


@settings(epochs=15, batch_size=128, cell="gru", units=128, learning_rate=2e-3)
class G2PSettings(RecurrentSettings):
    """How the spelling-to-pronunciation model trains (`seq2seq.build_seq2seq`): the fields of
    `RecurrentSettings` (up to 15 epochs of batches of 128, a GRU of 128 units, Adam at 2e-3
    cosine-decayed to 0), and:

    The full run (seed 0, two CPU cores shared with other jobs) stopped after
    11 epochs (24 minutes; the best validation loss at epoch 9, restored) and
    pronounced the 11,749 held-out words with a phoneme error rate of 7.80 %
    and a word error rate of 32.66 % (beam of 4; greedy 7.90 % and 33.03 %),
    where the nearest spelling gives 31.88 % and 95.51 %. The published
    figures (bidirectional LSTM, 23.55 % WER) come from larger models trained
    far longer, on another split.

    Attributes:
        embedding_dim: Size of each letter's and phoneme's vector. Defaults to `64`.
        attention: Attend over the encoder's outputs. Defaults to `True`.
        bidirectional_encoder: Read the letters both ways. Defaults to `True`.
        dropout_rate: Dropout on the embeddings and the readout. Defaults to `0.0`.
        beam_width: Prefixes kept by the beam search that gives the headline
            scores (greedy decoding is scored too). Defaults to `4`.
        stress: Keep the vowels' stress digits (84 phoneme symbols instead
            of 39). Defaults to `False`, as the published figures.
        validation_fraction: Words held out to stop early. Defaults to `0.05`.
        test_fraction: Words held out for the scores. Defaults to `0.1`.
        patience: Epochs without a lower validation loss before stopping
            (the best weights are restored). Defaults to `2`.
        word_subset: Use a seeded draw of this many words (before the
            split), or `None` for all 117,493. Defaults to `None`.
    """

    embedding_dim: int = 64
    attention: bool = True
    bidirectional_encoder: bool = True
    dropout_rate: float = 0.0
    beam_width: int = 4
    stress: bool = False
    validation_fraction: float = 0.05
    test_fraction: float = 0.1
    patience: int = 2
    word_subset: int | None = None

    def validate(self) -> None:
        super().validate()
        for name in ("embedding_dim", "beam_width", "patience"):
            validation.check_positive_int(name, getattr(self, name))
        for name in ("attention", "bidirectional_encoder", "stress"):
            validation.check_bool(name, getattr(self, name))
        validation.check_rate("dropout_rate", self.dropout_rate)
        validation.check_fraction("validation_fraction", self.validation_fraction)
        validation.check_fraction("test_fraction", self.test_fraction)
        if self.validation_fraction + self.test_fraction >= 1:
            raise ValueError("Expected `validation_fraction + test_fraction` below 1. Received: "
                             f"{self.validation_fraction} + {self.test_fraction}")
        validation.check_optional_positive_int("word_subset", self.word_subset)
        if self.word_subset is not None and self.word_subset < 100:
            raise ValueError(f"Expected `word_subset` of at least 100 words (three splits). Received: "
                             f"word_subset={self.word_subset}")


FULL = G2PSettings()
FAST = FULL.replace(epochs=3, units=64, embedding_dim=32, batch_size=32, learning_rate=5e-3, word_subset=4000,
                    beam_width=2)


def load_split(settings: G2PSettings, seed: int, data_dir: Any = None) -> tuple[list[Any], list[Any], list[Any]]:
    """CMUdict (cut to `word_subset`), split train / validation / test by word with `seed`."""
    from dlkit.data import cmudict

    pairs = cmudict.load_cmudict(stress=settings.stress, data_dir=data_dir)
    if settings.word_subset is not None and settings.word_subset < len(pairs):
        keep = np.random.default_rng(seed).choice(len(pairs), settings.word_subset, replace=False)
        pairs = [pairs[i] for i in np.sort(keep)]
    return cmudict.split_words(pairs, settings.validation_fraction, settings.test_fraction, seed)


def build_model(settings: G2PSettings) -> Any:
    """The network `fit` trains: `seq2seq.build_seq2seq` with the settings and CMUdict's vocabularies."""
    from dlkit.data import cmudict
    from dlkit.models import seq2seq  # here: `dlkit --help` must not import TensorFlow

    return seq2seq.build_seq2seq(
        cmudict.letter_vocabulary().size, cmudict.phoneme_vocabulary(settings.stress).size, cell=settings.cell,
        embedding_dim=settings.embedding_dim, units=settings.units, attention=settings.attention,
        bidirectional_encoder=settings.bidirectional_encoder, dropout_rate=settings.dropout_rate)


def make_dataset(pairs: Sequence[Any], stress: bool, batch_size: int, seed: int | None) -> Any:
    """Batches of `({"letters", "phonemes"}, targets)` for teacher forcing, each cut to its longest word.

    Every word is padded to the longest in the split; a batch is then cut
    to its own longest word and pronunciation, so the recurrent layers do
    not run over padding that every row of the batch shares.
    """
    import tensorflow as tf

    from dlkit.data import cmudict

    letters, decoder_inputs, targets = cmudict.encode_pairs(
        pairs, cmudict.letter_vocabulary(), cmudict.phoneme_vocabulary(stress))
    letter_lengths = (letters != 0).sum(axis=1).astype(np.int32)
    phoneme_lengths = (targets != 0).sum(axis=1).astype(np.int32)
    dataset = tf.data.Dataset.from_tensor_slices((letters, decoder_inputs, targets, letter_lengths,
                                                  phoneme_lengths))
    if seed is not None:
        dataset = dataset.shuffle(len(pairs), seed=seed, reshuffle_each_iteration=True)

    def cut(letters: Any, decoder_inputs: Any, targets: Any, letter_lengths: Any, phoneme_lengths: Any) -> Any:
        s, t = tf.reduce_max(letter_lengths), tf.reduce_max(phoneme_lengths)
        return {"letters": letters[:, :s], "phonemes": decoder_inputs[:, :t]}, targets[:, :t]

    batches = int(np.ceil(len(pairs) / batch_size))
    dataset = dataset.batch(batch_size).map(cut, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.apply(tf.data.experimental.assert_cardinality(batches)).prefetch(tf.data.AUTOTUNE)


def decode(model: Any, words: Sequence[str], beam_width: int, stress: bool) -> tuple[list[tuple[str, ...]], float]:
    """Pronunciations of `words` (greedy for `beam_width=1`, else beam search) and the seconds it took."""
    from dlkit.data import cmudict
    from dlkit.models import seq2seq

    start = time.perf_counter()
    predicted = seq2seq.pronounce(model, words, beam_width=beam_width, phonemes=cmudict.phoneme_vocabulary(stress))
    return predicted, time.perf_counter() - start


def fit(settings: G2PSettings, run: Run) -> Fitted:
    """Split by word, teacher-forced fit with early stopping, then greedy and beam scores beside the baseline."""
    import keras

    from dlkit.evaluation import g2p

    train, val, test = load_split(settings, run.seed, run.data_dir)
    model = build_model(settings)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=settings.patience, restore_best_weights=True)
    history = compile_and_fit(
        model, loss, make_dataset(train, settings.stress, settings.batch_size, run.seed),
        make_dataset(val, settings.stress, 512, None), settings, run, settings.learning_rate,
        cosine_decay=True, callbacks=(stop,))

    words = [w for w, _ in test]
    references = [p for _, p in test]
    greedy, greedy_seconds = decode(model, words, 1, settings.stress)
    beam, beam_seconds = decode(model, words, settings.beam_width, settings.stress)
    start = time.perf_counter()
    nearest = g2p.NearestSpellingBaseline().fit(train).nearest(words)
    pronunciation_of = dict(train)
    baseline_pronunciations = [tuple(pronunciation_of[w]) for w in nearest]
    baseline_seconds = time.perf_counter() - start
    scores = {"greedy": g2p.g2p_scores(references, greedy), "beam": g2p.g2p_scores(references, beam),
              "baseline": g2p.g2p_scores(references, baseline_pronunciations)}
    metrics: dict[str, Any] = {
        "cell": settings.cell, "attention": settings.attention, "bidirectional_encoder": settings.bidirectional_encoder,
        "stress": settings.stress,
        "beam_width": settings.beam_width,
        **{f"{name}_{rate}": value for name, rates in scores.items() for rate, value in rates.items()},
        "greedy_seconds": greedy_seconds, "beam_seconds": beam_seconds, "baseline_seconds": baseline_seconds,
        "train_words": len(train), "validation_words": len(val), "test_words": len(test),
    }
    return Fitted(model, history, metrics, examples_per_epoch=len(train),
                  extras={"test": test, "greedy": greedy, "beam": beam, "baseline": baseline_pronunciations,
                          "nearest_words": nearest})


def headline(metrics: Mapping[str, Any]) -> str:
    kind = f"{metrics['cell']}{' + attention' if metrics['attention'] else ''}"
    return (f"{kind}: test PER {metrics['beam_per']:.2%}, WER {metrics['beam_wer']:.2%} (beam of "
            f"{metrics['beam_width']}; nearest-spelling baseline {metrics['baseline_per']:.2%}, "
            f"{metrics['baseline_wer']:.2%})")


def attention_figure(weights: Sequence[np.ndarray], words: Sequence[str],
                     pronunciations: Sequence[Sequence[str]], title: str | None = None) -> Any:
    """Attention maps side by side: one heat map per word, phonemes down, letters across.

    Args:
        weights: One `(len(pronunciation), len(word))` array per word: how
            much each phoneme step attends to each letter.
        words: The words (the letters across).
        pronunciations: The phonemes written (down the side).
        title: Figure title. Defaults to `None`.

    Returns:
        A matplotlib Figure.
    """
    plt = plots._plt()  # pyplot, falling back to a file-only backend without a display
    fig, axes = plt.subplots(1, len(words), figsize=(2.4 * len(words), 3.2), squeeze=False)
    for ax, w, word, phonemes in zip(axes[0], weights, words, pronunciations, strict=True):
        ax.imshow(w, cmap="Greys", vmin=0, vmax=1, aspect="auto")
        ax.set_xticks(range(len(word)), list(word))
        ax.set_yticks(range(len(phonemes)), list(phonemes), fontsize=7)
        ax.tick_params(length=0)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def _attention_maps(model: Any, pairs: Sequence[Any], stress: bool) -> Any:
    """Each word's attention while the model reads its reference pronunciation (teacher forcing)."""
    from dlkit.data import cmudict
    from dlkit.models import seq2seq

    letters, decoder_inputs, _ = cmudict.encode_pairs(pairs, cmudict.letter_vocabulary(),
                                                      cmudict.phoneme_vocabulary(stress))
    weights = seq2seq.attention_weights(model, letters, decoder_inputs)
    # Row t is the step that writes phoneme t (the step reading the start token writes the first).
    maps = [weights[i, :len(p), :len(w)] for i, (w, p) in enumerate(pairs)]
    return attention_figure(maps, [w for w, _ in pairs], [p for _, p in pairs],
                            "Where each phoneme looks (darker: more attention)")


def report(page: Any, result: TrainingResult) -> None:
    """Scores beside the baseline and the published figures, example words and attention maps."""
    m = result.metrics
    kind = f"{'bidirectional ' if m['bidirectional_encoder'] else ''}{m['cell'].upper()}"
    page.section(
        "RNN: spelling to pronunciation (sequence to sequence)",
        f"A {kind} encoder-decoder{' with attention' if m['attention'] else ' without attention'} "
        f"({m['parameters']:,} parameters) learned to pronounce {m['train_words']:,} CMUdict words for "
        f"{m['epochs_run']} epochs in {m['train_seconds']:.0f} s. On {m['test_words']:,} words it never saw, "
        f"a beam search of {m['beam_width']} gets {1 - m['beam_wer']:.1%} of the pronunciations exactly right "
        f"(phoneme error rate {m['beam_per']:.2%}); giving each word the pronunciation of the training word "
        f"spelt most like it gets {1 - m['baseline_wer']:.1%} (PER {m['baseline_per']:.2%}).",
    )
    page.figure(plots.learning_curves(result.history, metrics=["loss"]), "Learning curves")
    rows: list[list[Any]] = [
        ["greedy decoding", 100 * m["greedy_per"], 100 * m["greedy_wer"],
         f"{m['greedy_seconds']:.1f} s to pronounce the test words"],
        [f"beam search ({m['beam_width']})", 100 * m["beam_per"], 100 * m["beam_wer"],
         f"{m['beam_seconds']:.1f} s"],
        ["nearest spelling (baseline)", 100 * m["baseline_per"], 100 * m["baseline_wer"],
         f"{m['baseline_seconds']:.1f} s"],
    ]
    if not m["stress"]:
        rows += [[name, per, wer, "published, on the split of its paper"] for name, per, wer in PUBLISHED]
    page.table(["model", "PER %", "WER %", "notes"], rows)
    test, beam, baseline = result.extras["test"], result.extras["beam"], result.extras["baseline"]
    shown = np.random.default_rng(result.seed).choice(len(test), min(12, len(test)), replace=False)
    page.table(["word", "CMUdict", "model (beam)", "nearest spelling"],
               [[test[i][0], " ".join(test[i][1]), _marked(beam[i], test[i][1]),
                 f"{_marked(baseline[i], test[i][1])} (as {result.extras['nearest_words'][i]})"] for i in shown])
    if m["attention"]:
        short = [i for i in shown if 4 <= len(test[i][0]) <= 9][:4] or list(shown[:4])
        page.figure(_attention_maps(result.model, [test[i] for i in short], m["stress"]), "Attention maps")


def _marked(pronunciation: Sequence[str], reference: Sequence[str]) -> str:
    return " ".join(pronunciation) + ("" if tuple(pronunciation) == tuple(reference) else "  ✗")


FAMILY = Family(
    name="g2p", title="sequence to sequence with attention (GRU)", task="CMUdict spelling to pronunciation",
    Settings=G2PSettings, FULL=FULL, FAST=FAST, fit=fit, headline=headline,
    tour=FULL.replace(epochs=3, word_subset=30000), report=report, tour_seconds=(75, 20),
)
