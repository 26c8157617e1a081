"""Text classification: F1, and the bag-of-words baseline a recurrent model must beat.

`TfidfLogisticRegression` is logistic regression on TF-IDF weighted word
and word-pair counts, written in Keras (a `TextVectorization` layer in
`"tf_idf"` mode, then one sigmoid unit with an L2 penalty), so it needs
nothing beyond TensorFlow, reads raw strings and saves like any model.
Its penalty is chosen on the validation split, like the recurrent model's
settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlkit.evaluation.classification import precision_recall


def f1_score(y_true: Any, y_pred: Any, positive: int = 1) -> float:
    """The harmonic mean of precision and recall of class `positive` (0 when both are 0)."""
    precision, recall = precision_recall(y_true, y_pred, num_classes=max(2, positive + 1))
    p, r = float(precision[positive]), float(recall[positive])
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def binary_report(y_true: Any, probabilities: Any, threshold: float = 0.5) -> dict[str, float]:
    """Accuracy, and precision, recall and F1 of class 1, of probabilities cut at `threshold`.

    Raises:
        ValueError: `probabilities` is not one value per label in [0, 1].
    """
    y_true = np.asarray(y_true)
    probabilities = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if probabilities.shape != y_true.shape or not np.all((probabilities >= 0) & (probabilities <= 1)):
        raise ValueError(f"Expected one probability in [0, 1] per label ({y_true.shape[0]}). Received: "
                         f"shape {probabilities.shape}, range {probabilities.min(initial=0):.3g} to "
                         f"{probabilities.max(initial=0):.3g}")
    y_pred = (probabilities >= threshold).astype(np.int64)
    precision, recall = precision_recall(y_true, y_pred, num_classes=2)
    return {"accuracy": float(np.mean(y_true == y_pred)), "precision": float(precision[1]),
            "recall": float(recall[1]), "f1": f1_score(y_true, y_pred)}


class TfidfLogisticRegression:
    """Logistic regression on TF-IDF features of words and word pairs, with its L2 penalty tuned.

    Args:
        max_tokens: Vocabulary size (words and word pairs, most frequent
            first). Defaults to `20000`.
        ngrams: Longest word n-gram counted. Defaults to `2`.
        penalties: L2 weights tried; `fit` keeps the one with the best
            validation loss. Defaults to `(1e-6, 1e-5, 1e-4)`.
        epochs: Passes of Adam (learning rate 0.01, batches of 64) per
            penalty; the epoch with the best validation loss is kept.
            Defaults to `15`.

    Example:

    >>> baseline = TfidfLogisticRegression().fit(train_texts, train_labels, val_texts, val_labels)
    >>> baseline.predict_proba(test_texts)
    """

    def __init__(self, max_tokens: int = 20000, ngrams: int = 2,
                 penalties: Sequence[float] = (1e-6, 1e-5, 1e-4), epochs: int = 15) -> None:
        self.max_tokens = max_tokens
        self.ngrams = ngrams
        self.penalties = tuple(penalties)
        self.epochs = epochs
        self.model: Any = None
        self.penalty: float | None = None
        self.validation_losses: dict[float, float] = {}

    def fit(self, texts: Sequence[str], labels: Any, validation_texts: Sequence[str], validation_labels: Any,
            seed: int = 0) -> TfidfLogisticRegression:
        """Fits the vectorizer on `texts`, then one model per penalty; keeps the best on validation."""
        import keras  # lazily: `import dlkit` must not import TensorFlow

        from dlkit import distribute

        vectorizer = keras.layers.TextVectorization(max_tokens=self.max_tokens, ngrams=self.ngrams,
                                                    output_mode="tf_idf", name="tfidf")
        vectorizer.adapt(np.array(texts, dtype=object), batch_size=256)
        # The features once, as arrays: every penalty's model trains on the same ones.
        x_train = vectorizer(np.array(texts, dtype=object)).numpy()
        x_val = vectorizer(np.array(validation_texts, dtype=object)).numpy()
        y_train = np.asarray(labels, dtype=np.float32)
        y_val = np.asarray(validation_labels, dtype=np.float32)
        best = None
        for penalty in self.penalties:
            keras.utils.set_random_seed(seed)
            features = keras.Input((x_train.shape[1],), name="tfidf_features")
            dense = keras.layers.Dense(1, activation="sigmoid", kernel_regularizer=keras.regularizers.L2(penalty),
                                       name="probability")
            head = keras.Model(features, dense(features))
            head.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy")
            stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
            # head.fit, which also trains across workers (dlkit.distribute)
            history = distribute.fit(head, x_train, y_train, batch_size=64, epochs=self.epochs,
                                     validation_data=(x_val, y_val), callbacks=[stop], verbose=0)
            loss = float(min(history.history["val_loss"]))
            self.validation_losses[penalty] = loss
            if best is None or loss < best[0]:
                best = (loss, penalty, dense)
        assert best is not None  # penalties is not empty
        _, self.penalty, dense = best
        text = keras.Input((), dtype="string", name="text")
        self.model = keras.Model(text, dense(vectorizer(text)), name="tfidf_logistic_regression")
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The probability of class 1 for each text, shape `(N,)`."""
        if self.model is None:
            raise RuntimeError("Expected a fitted baseline: call fit(...) before predict_proba(...)")
        return self.model.predict(np.array(texts, dtype=object), batch_size=256, verbose=0).reshape(-1)
