"""Notebook 03's check fails for an untrained character model."""

import pytest

import dlkit
from dlkit import claims, data
from dlkit.claims import language as checks
from dlkit.evaluation import CharNGramModel, model_bits_per_char
from dlkit.families import char_lm
from dlkit.models import rnn

WORDS = ["cat", "cart", "care", "dog", "dot", "door", "bird", "bard", "barn", "tree", "trees", "street",
         "station", "nation", "ration", "motion", "potion", "lotion", "singing", "ringing", "bringing"] * 3


def test_an_untrained_character_model_does_not_beat_letter_frequencies():
    settings = char_lm.FAST  # the quick run's network, untrained
    vocab = data.CharVocabulary.from_words(WORDS)
    dlkit.set_seed(0)
    model = rnn.build_char_language_model(vocab.size, cell=settings.cell, embedding_dim=settings.embedding_dim,
                                          units=settings.units, num_layers=settings.num_layers)
    held_out = ["carts", "dogs", "birds", "nations", "motions"]
    bits = model_bits_per_char(model, data.encode_words(held_out, vocab, 12))
    unigram = CharNGramModel(order=1).fit(WORDS).bits_per_char(held_out)
    with pytest.raises(claims.CheckFailed, match="fewer bits per character"):
        checks.check_beats_letter_frequencies(bits, unigram)
    checks.check_beats_letter_frequencies(CharNGramModel(order=3).fit(WORDS).bits_per_char(held_out), unigram)
