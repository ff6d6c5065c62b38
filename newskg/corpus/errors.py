"""Input errors: one clear reason per bad file, never a traceback."""
from __future__ import annotations


class InputError(Exception):
    """A file that cannot be read as a text document; the message says why in one line."""


class EmptyFileError(InputError):
    pass


class BinaryFileError(InputError):
    pass


class EncodingError(InputError):
    pass


class TooLargeError(InputError):
    pass


class BadDateError(InputError):
    pass
