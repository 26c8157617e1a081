"""Errors raised by the data loaders."""


class DataNotFoundError(FileNotFoundError):
    """No local copy of a dataset was found (and none could be downloaded)."""


class CorruptDataError(ValueError):
    """A data file exists but its content is not what it should be."""
