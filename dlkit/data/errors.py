"""Errors raised by the data loaders."""


class DataNotFoundError(FileNotFoundError):
    """No local copy of a dataset was found (and none could be downloaded).

    `str(error)` is the full explanation (every place searched, every way to
    provide the data); `error.summary` says the same in one line, for a
    command line's error message.
    """

    def __init__(self, message, summary=None):
        super().__init__(message)
        self.summary = summary or " ".join(str(message).split())


class CorruptDataError(ValueError):
    """A data file exists but its content is not what it should be."""
