"""Datasets (real, offline first) and the input pipelines built on them."""

from dlkit.data.cmudict import (
    ARPABET,
    SymbolVocabulary,
    encode_pairs,
    letter_vocabulary,
    load_cmudict,
    phoneme_vocabulary,
)
from dlkit.data.co2 import load_co2
from dlkit.data.errors import CorruptDataError, DataNotFoundError
from dlkit.data.fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_TEST_SIZE,
    FASHION_MNIST_TRAIN_SIZE,
    load_fashion_mnist,
    locate_fashion_mnist,
)
from dlkit.data.pipelines import (
    CharVocabulary,
    chronological_split,
    encode_words,
    make_image_dataset,
    make_next_id_dataset,
    make_window_splits,
    make_windows,
    scale_images,
)
from dlkit.data.spam import (
    SPAM_ASSASSIN_FILE,
    TEXT_CORPORA,
    TextCorpus,
    load_spam_assassin,
    load_text_corpus,
    split_text_corpus,
)
from dlkit.data.synthetic import make_adding_problem, within_tolerance
from dlkit.data.tfds_source import load_tfds
from dlkit.data.words import load_words

__all__ = [
    "ARPABET",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_TEST_SIZE",
    "FASHION_MNIST_TRAIN_SIZE",
    "SPAM_ASSASSIN_FILE",
    "SymbolVocabulary",
    "TEXT_CORPORA",
    "CharVocabulary",
    "CorruptDataError",
    "DataNotFoundError",
    "TextCorpus",
    "chronological_split",
    "encode_pairs",
    "encode_words",
    "letter_vocabulary",
    "load_cmudict",
    "load_co2",
    "load_fashion_mnist",
    "load_spam_assassin",
    "load_text_corpus",
    "load_tfds",
    "load_words",
    "locate_fashion_mnist",
    "make_adding_problem",
    "make_image_dataset",
    "make_next_id_dataset",
    "make_window_splits",
    "make_windows",
    "phoneme_vocabulary",
    "scale_images",
    "split_text_corpus",
    "within_tolerance",
]
