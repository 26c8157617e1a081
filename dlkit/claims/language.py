"""The character-model walkthrough's check (notebook 03): an untrained model fails it.

An untrained model spreads its probability almost evenly over the alphabet
(about log2(28) = 4.8 bits per character); a unigram model, which knows only
how often each letter occurs, already does better. A model that beats the
unigram has learned something about *order*, even after the quick run's
single epoch.
"""

from __future__ import annotations

from dlkit.claims import require


def check_beats_letter_frequencies(model_bits: float, unigram_bits: float) -> None:
    """The model predicts held-out words with fewer bits per character than a unigram model.

    Args:
        model_bits: The model's bits per character on held-out words.
        unigram_bits: A `CharNGramModel(order=1)`'s, fitted on the same
            training words and scored on the same held-out words.

    Raises:
        CheckFailed: With both numbers.
    """
    require(float(model_bits) < float(unigram_bits),
            f"Expected the model to need fewer bits per character than letter frequencies alone "
            f"({unigram_bits:.3f}). Received: {model_bits:.3f}")
