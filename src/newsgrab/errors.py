"""One exception tree for everything newsgrab reports.

Every error carries the process exit code the command line uses for it, so the CLI never has to guess:
``1`` an input failed or had no article, ``2`` a usage error, ``3`` the store cannot be used.
"""

from __future__ import annotations

__all__ = [
    "NewsgrabError",
    "UsageError",
    "InputError",
    "FetchError",
    "LoadError",
    "NoContentError",
    "StoreError",
    "StoreLockedError",
    "StoreCorruptError",
    "StoreVersionError",
    "StoreFullError",
    "EXIT_OK",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "EXIT_STORE",
    "EXIT_INTERRUPTED",
    "EXIT_PIPE",
]

# The command line's exit codes: every input handled; some input failed or had no article; a usage error;
# the store cannot be used; Ctrl-C; stdout closed early (SIGPIPE's 128 + 13).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_STORE = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_PIPE = 130, 141


class NewsgrabError(Exception):
    """Base of every error newsgrab raises on purpose."""

    exit_code = 1


class UsageError(NewsgrabError):
    """The command line or an argument is wrong."""

    exit_code = 2


class InputError(NewsgrabError):
    """One input (a URL, a file) could not be turned into a page; the batch goes on."""


class FetchError(InputError):
    """Downloading a URL failed: network, HTTP status, size cap, robots.txt, deadline."""


class LoadError(InputError):
    """Reading a saved page failed: missing, unreadable, not a regular file, corrupt archive."""


class NoContentError(NewsgrabError):
    """The page holds no article."""


class StoreError(NewsgrabError):
    """The store cannot be used; nothing was half-written."""

    exit_code = 3


class StoreLockedError(StoreError):
    """Another process holds the store longer than the busy timeout."""


class StoreCorruptError(StoreError):
    """The store file is not a (healthy) SQLite database."""


class StoreVersionError(StoreError):
    """The store was made by a newer newsgrab."""


class StoreFullError(StoreError):
    """The disk (or the store's page limit) is full."""
