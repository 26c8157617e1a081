"""G2P scores by hand, and the nearest-spelling baseline (its vectorised edit distance against the plain one)."""

import random

import numpy as np
import pytest

from dlkit.evaluation import g2p


@pytest.mark.parametrize("a, b, distance", [
    ("kitten", "sitting", 3), ("", "abc", 3), ("abc", "", 3), ("flaw", "lawn", 2), ("same", "same", 0),
    (("K", "AE", "T"), ("K", "AA", "T", "S"), 2),
])
def test_edit_distance_by_hand(a, b, distance):
    assert g2p.edit_distance(a, b) == g2p.edit_distance(b, a) == distance


def test_phoneme_and_word_error_rates_by_hand():
    references = [("K", "AE", "T"), ("D", "AO", "G"), ("AA", "K", "S", "AH", "N")]
    hypotheses = [("K", "AE", "T"), ("D", "AA", "G", "Z"), ("AA", "K", "S")]
    # 0 + 2 (a substitution, an insertion) + 2 (two deletions) edits over 3 + 3 + 5 reference phonemes.
    assert g2p.phoneme_error_rate(references, hypotheses) == pytest.approx(4 / 11)
    assert g2p.word_error_rate(references, hypotheses) == pytest.approx(2 / 3)
    assert g2p.g2p_scores(references, references) == {"per": 0.0, "wer": 0.0}
    # Lists compare like tuples; more errors than reference phonemes give a rate above 1.
    assert g2p.word_error_rate([["AH"]], [("AH",)]) == 0.0
    assert g2p.phoneme_error_rate([("AH",)], [("B", "C", "D")]) == 3.0


@pytest.mark.parametrize("references, hypotheses, fragment", [
    ([("AH",)], [], "one hypothesis per reference"),
    ([], [], "at least one reference"),
    ([()], [("AH",)], "non-empty reference"),
])
def test_scores_refuse_mismatched_or_empty_lists(references, hypotheses, fragment):
    with pytest.raises(ValueError, match=fragment):
        g2p.phoneme_error_rate(references, hypotheses)


def test_the_vectorised_edit_distances_equal_the_plain_ones():
    rng = random.Random(0)
    words = ["".join(rng.choice("abc") for _ in range(rng.randint(1, 8))) for _ in range(300)]
    queries = sorted({w for w in words if len(w) == 5})
    table = g2p._edit_distances(g2p._encode(queries), g2p._encode(words), np.array([len(w) for w in words]))
    assert table.shape == (len(queries), len(words))
    assert table.tolist() == [[g2p.edit_distance(q, w) for w in words] for q in queries]


TRAIN = [("cat", ("K", "AE", "T")), ("cast", ("K", "AE", "S", "T")), ("coat", ("K", "OW", "T")),
         ("cart", ("K", "AA", "R", "T")), ("dog", ("D", "AO", "G")), ("ratchet", ("R", "AE", "CH", "AH", "T"))]


def test_the_baseline_pronounces_a_word_like_its_nearest_spelling():
    baseline = g2p.NearestSpellingBaseline().fit(TRAIN)
    # "cats" is one edit from cat, two from cast and cart; "cot" is one from cat and from coat: the closer
    # length wins; no training word starts with h, so "hat" looks at every first letter.
    assert baseline.nearest(["cats", "cot", "dogs", "hat", "coats"]) == ["cat", "cat", "dog", "cat", "coat"]
    assert baseline.predict(["dogs", "ratchets"]) == [("D", "AO", "G"), ("R", "AE", "CH", "AH", "T")]


def test_the_first_letter_and_length_window_restrict_the_candidates():
    train = [("bat", ("B",)), ("catty", ("C",))]
    assert g2p.NearestSpellingBaseline().fit(train).nearest(["cat"]) == ["catty"]  # same first letter
    assert g2p.NearestSpellingBaseline(same_first_letter=False).fit(train).nearest(["cat"]) == ["bat"]
    # No word within the length window at all: every training word is a candidate.
    assert g2p.NearestSpellingBaseline(length_window=0).fit(train).nearest(["ca"]) == ["bat"]


def test_the_baseline_agrees_with_a_brute_force_search_over_its_candidates():
    rng = random.Random(1)
    train = sorted({"".join(rng.choice("abcd") for _ in range(rng.randint(2, 9))) for _ in range(400)})
    queries = ["".join(rng.choice("abcd") for _ in range(rng.randint(1, 10))) for _ in range(60)]
    baseline = g2p.NearestSpellingBaseline().fit([(w, (w,)) for w in train])
    for query, chosen in zip(queries, baseline.nearest(queries, max_cells=5000), strict=True):
        candidates = [w for w in train if w[0] == query[0] and abs(len(w) - len(query)) <= 2] or [
            w for w in train if abs(len(w) - len(query)) <= 2] or train
        best = min(candidates, key=lambda w: (g2p.edit_distance(query, w), abs(len(w) - len(query)), w))
        assert chosen == best, query


def test_the_baseline_refuses_what_it_cannot_use():
    with pytest.raises(RuntimeError, match="call fit"):
        g2p.NearestSpellingBaseline().predict(["cat"])
    with pytest.raises(ValueError, match="at least one"):
        g2p.NearestSpellingBaseline().fit([])
    with pytest.raises(ValueError, match="non-empty words"):
        g2p.NearestSpellingBaseline().fit(TRAIN).nearest(["cat", ""])
    with pytest.raises(ValueError, match="length_window"):
        g2p.NearestSpellingBaseline(length_window=-1)
