"""Human output on stderr, and making page-derived text safe to show on a terminal.

Page text is hostile input: a title can carry escape sequences that retitle the terminal window, forge
hyperlinks (OSC 8), move the cursor or overwrite what was printed before (CR), or reorder what the reader sees
(bidi overrides). Everything newsgrab prints to a terminal that came from a page goes through
:func:`safe_terminal_text` (or :func:`safe_line` where one line is expected).

Rich is used only here and in ``cli.py``, only for stderr, and only ever with page text wrapped in
``rich.text.Text`` so that ``[link=...]`` in a title stays literal. It is imported lazily: plain error lines
need no rich at all, so scripts and ``--help`` do not pay for it.
"""

from __future__ import annotations

import re
import sys
from contextlib import contextmanager
from typing import Iterator, TextIO

__all__ = ["safe_terminal_text", "safe_line", "Reporter"]

# Whole escape sequences go, not just their ESC: dropping ESC alone would leave "]8;;http://evil" behind as
# visible garbage, and dropping the sequence keeps the link *text* readable.
#   OSC  ESC ] ... (BEL | ESC \ | ST)      — window titles, OSC 8 hyperlinks, clipboard (OSC 52)
#   DCS/SOS/PM/APC  ESC P|X|^|_ ... ST     — string sequences
#   CSI  ESC [ params intermediates final  — cursor moves, colours, erase
#   other two-character escapes ESC x
# The 8-bit C1 forms (U+009B CSI, U+009D OSC, U+0090 DCS ...) are handled the same way.
_ESCAPES = re.compile(
    r"""
      (?:\x1b\]|\x9d) [^\x07\x1b\x9c]* (?:\x07|\x1b\\|\x9c)?      # OSC, possibly unterminated
    | (?:\x1b[PX^_]|[\x90\x98\x9e\x9f]) [^\x1b\x9c]* (?:\x1b\\|\x9c)?  # DCS SOS PM APC
    | (?:\x1b\[|\x9b) [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?    # CSI
    | \x1b [\x20-\x2f]* [\x30-\x7e]?                            # nF / Fp / Fe / Fs escapes, or a lone ESC
    """,
    re.VERBOSE,
)

# Left after the escapes are gone: C0 controls but TAB and LF, DEL, C1 controls; bidi embeddings, overrides and
# isolates (U+202A-202E, U+2066-2069) and the Arabic letter mark, which can make "evil.com/moc.elgoog" read as
# something else; U+2028/2029 (some terminals and most editors break lines there); BOM / zero-width no-break
# space, zero width space, the invisible separators and operators (U+2060-2064) and the interlinear
# annotation marks (U+FFF9-FFFB), which can hide inside words (and URLs) unseen.
# ZWJ and ZWNJ (U+200C/200D) stay: emoji sequences and Persian, Indic text need them.
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ufff9-\ufffb]"
)
_LINE_BREAKS = re.compile("\r\n|[\r\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"\s+")
_SURROGATES = re.compile("[\ud800-\udfff]")


def safe_terminal_text(s: str | None) -> str:
    """Return ``s`` with nothing a terminal would act on: escape sequences, controls and bidi tricks removed.

    Newlines and tabs stay; CR, CRLF and the Unicode line/paragraph separators become newlines (a bare CR
    would let a page overwrite what was printed before it on the same line).
    """
    if not s:
        return ""
    s = _LINE_BREAKS.sub("\n", s)
    s = _ESCAPES.sub("", s)
    s = _CONTROLS.sub("", s)
    if _SURROGATES.search(s):
        # File names that were not valid UTF-8 arrive with their bytes as lone surrogates (os.fsdecode);
        # show those bytes as \xNN instead of failing to encode them.
        s = _SURROGATES.sub(_show_surrogate, s)
    return s


def _show_surrogate(m: re.Match) -> str:
    cp = ord(m.group())
    return f"\\x{cp - 0xDC00:02x}" if 0xDC80 <= cp <= 0xDCFF else "\ufffd"


def safe_line(s: str | None, limit: int | None = None) -> str:
    """:func:`safe_terminal_text` on one line: runs of white space (newlines too) become one space.

    For titles and inputs inside one-line messages, where a newline in a title could forge a second,
    official-looking line (``newsgrab: ...``) below it.
    """
    s = _SPACES.sub(" ", safe_terminal_text(s)).strip()
    if limit is not None and len(s) > limit:
        s = s[: max(limit - 1, 0)] + "…"
    return s


class Reporter:
    """Everything newsgrab tells a human, on stderr: error lines, per-input notes, a progress bar.

    ``quiet`` drops notes and the progress bar but never the error lines (scripts rely on them);
    ``verbose`` adds notes that are normally left out. The progress bar appears only when stderr is a terminal.
    """

    def __init__(self, *, quiet: bool = False, verbose: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self.verbose = verbose and not quiet
        self.stream = stream if stream is not None else sys.stderr
        self._progress = None  # a rich Progress while one is live
        self._task = None
        self._console = None

    # -- plain lines ------------------------------------------------------------------------------------
    def _write(self, line: str, style: str | None = None) -> None:
        if self._progress is not None:
            # Through rich so the line lands above the live bar instead of being torn by it. Text() keeps
            # the line literal: no markup, no emoji codes, no highlighting of what came from a page.
            from rich.text import Text

            self._console.print(Text(line, style=style or ""), soft_wrap=True, highlight=False)
            return
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (BrokenPipeError, ValueError):  # stderr closed: nothing left to tell
            pass

    def error(self, input: str, reason: str) -> None:
        """The contract's one line per failed input: ``newsgrab: INPUT: reason``."""
        self._write(f"newsgrab: {safe_line(input)}: {safe_line(reason)}", "red")

    def fatal(self, message: str) -> None:
        """A line about the whole run (store unusable, bad usage), never suppressed."""
        self._write(f"newsgrab: {safe_line(message)}", "bold red")

    def note(self, message: str) -> None:
        """A human note, left out with ``-q``. ``message`` must already be safe (see :func:`safe_line`)."""
        if not self.quiet:
            self._write(message)

    def debug(self, message: str) -> None:
        """A note shown only with ``-v``."""
        if self.verbose:
            self._write(message, "dim")

    # -- progress ---------------------------------------------------------------------------------------
    def wants_progress(self) -> bool:
        if self.quiet:
            return False
        try:
            return self.stream.isatty()
        except (AttributeError, ValueError):
            return False

    @contextmanager
    def progress(self, description: str, total: int | None = None) -> Iterator["Reporter"]:
        """Show a progress bar on stderr while the block runs, when stderr is a terminal and not quiet."""
        if not self.wants_progress():
            yield self
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._console = Console(file=self.stream, markup=False, emoji=False, highlight=False)
        progress = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self._console,
            transient=True,
        )
        self._task = progress.add_task(description, total=total)
        self._progress = progress
        try:
            with progress:
                yield self
        finally:
            self._progress = None
            self._task = None

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)
