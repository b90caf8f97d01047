"""The ``newsgrab`` command line: a thin typer layer over :mod:`newsgrab.pipeline` and the store.

This is the only module that imports typer. It parses arguments, opens the store, turns outcomes into
output (the printing itself is in :mod:`newsgrab.clioutput`), and maps errors to exit codes (the codes are
in :mod:`newsgrab.errors`); the work itself is in the library.

* stdout carries data only (article text, JSON, CSV...). Notes, the progress bar and errors go to stderr.
* Exit codes: 0 every input handled, 1 some input failed or had no content (or the article asked for is not
  stored), 2 usage error, 3 the store cannot be used. 130 on Ctrl-C, 141 when stdout is closed early.
* Anything a page wrote is passed through :func:`~newsgrab.console.safe_terminal_text` before it is shown
  as text; JSON output escapes terminal controls itself.

Heavy modules (httpx, selectolax, rich, the store) are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import os
import sys
from contextlib import closing, contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Iterator, List, Optional

import typer

from . import __version__
from .clioutput import Format, _Emitter, _out, _print_stored, _render_markdown, _render_text
from .config import Settings, default_store_path
from .console import Reporter, safe_line
from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PIPE, EXIT_STORE, NewsgrabError, StoreError, UsageError

__all__ = ["app", "main"]

ALL = 10**9  # "--limit 0": no limit


class ExportFormat(str, Enum):
    jsonl = "jsonl"
    markdown = "markdown"
    csv = "csv"
    warc = "warc"


app = typer.Typer(
    name="newsgrab",
    help="Archive news pages: fetch or clean them, keep the article, store it in SQLite.\n\n"
    "The store is one SQLite file: --store PATH, else $NEWSGRAB_STORE, else "
    "$XDG_DATA_HOME/newsgrab/newsgrab.db (~/.local/share/newsgrab/newsgrab.db).\n\n"
    "Exit codes: 0 every input handled; 1 an input failed or had no content; 2 usage error; "
    "3 the store cannot be used.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: faster, and "[ID...]" in help texts is not eaten as markup
    context_settings={"help_option_names": ["-h", "--help"]},
)

# ------------------------------------------------------------------------------------ shared options
StoreOpt = Annotated[
    Optional[Path],
    typer.Option("--store", metavar="PATH", help="Store file (beats $NEWSGRAB_STORE).", show_default=False),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Only errors on stderr.")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="More notes on stderr.")]
FormatOpt = Annotated[
    Format, typer.Option("--format", "-f", help="Output format on stdout.", case_sensitive=False)
]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Extract and print only; do not save.")]
WorkersOpt = Annotated[
    int, typer.Option("--workers", min=0, metavar="N", help="Extraction processes (0: one per CPU).")
]
PageTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--page-timeout", min=0, metavar="SECONDS",
        help="A page still extracting after this long fails and the batch goes on (0: no limit; with 2+ workers).",
    ),
]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=0, metavar="N", help="At most N articles (0: all).")]


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"newsgrab {__version__}\n")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Archive news pages: fetch or clean them, keep the article, store it in SQLite."""
    # The same options are accepted before the command (newsgrab --store X list) and after it.
    ctx.obj = {"store": store, "quiet": quiet, "verbose": verbose}


class _Run:
    """What every command needs: the resolved store path, a Reporter, and an error guard."""

    def __init__(self, ctx: typer.Context, store: Path | None, quiet: bool, verbose: bool) -> None:
        root = ctx.obj or {}
        self.store_flag = store or root.get("store")
        quiet = quiet or root.get("quiet", False)
        verbose = verbose or root.get("verbose", False)
        self.reporter = Reporter(quiet=quiet, verbose=verbose)

    @property
    def store_path(self) -> Path:
        # A flag beats $NEWSGRAB_STORE, which beats the XDG default.
        return Path(self.store_flag).expanduser() if self.store_flag else default_store_path()

    def open_store(self, *, create: bool = True) -> Any:
        """Open the store; with ``create=False`` a missing file gives None (read commands see it empty)."""
        from .store import Store

        path = self.store_path
        if not create and not path.exists():
            return None
        self.reporter.debug(f"store: {safe_line(str(path))}")
        return Store.open(path)

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turn whatever escapes a command into one stderr line and an exit code (never a traceback)."""
        try:
            yield
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except StoreError as e:
            path = str(self.store_path)
            reason = str(e)
            if reason.startswith(path + ": "):  # the store names its file already; say it once
                reason = reason[len(path) + 2 :]
            self.reporter.fatal(f"store {path}: {reason}")
            raise typer.Exit(EXIT_STORE) from None
        except BrokenPipeError:
            _silence_stdout()
            raise typer.Exit(EXIT_PIPE) from None
        except NewsgrabError as e:
            self.reporter.fatal(str(e))
            raise typer.Exit(e.exit_code) from None
        except Exception as e:
            self.reporter.fatal(f"internal error: {type(e).__name__}: {e}")
            raise typer.Exit(EXIT_FAILED) from None


def _silence_stdout() -> None:
    # The reader went away (newsgrab list | head): point stdout at /dev/null so the interpreter's final
    # flush does not raise a second BrokenPipeError at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _run_outcomes(
    run: _Run, outcomes: Iterator[Any], fmt: Format, store: Any, *, what: str, total: int | None = None,
    verb: str = "saved",
) -> int:
    emitter = _Emitter(fmt, run.reporter, store, verb=verb)
    # closing(): on an error or Ctrl-C the pipeline stops now (its threads, its process pool), not at exit.
    with closing(outcomes), run.reporter.progress(what, total):
        for o in outcomes:
            emitter.emit(o)
    emitter.summary()
    return emitter.exit_code()


# ------------------------------------------------------------------------------------ commands
@app.command()
def fetch(
    ctx: typer.Context,
    urls: Annotated[Optional[List[str]], typer.Argument(metavar="URL", show_default=False)] = None,
    from_: Annotated[
        Optional[str], typer.Option("--from", metavar="FILE|-", help="Read URLs, one a line (# comments).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", metavar="SECONDS", help="Whole-request limit.")] = 30.0,
    warc: Annotated[
        Optional[Path],
        typer.Option("--warc", metavar="FILE", help="Also append every request and response to FILE (.warc[.gz])."),
    ] = None,
    feed: Annotated[
        Optional[List[str]],
        typer.Option("--feed", metavar="URL", help="Articles listed in an RSS or Atom feed (repeatable)."),
    ] = None,
    sitemap: Annotated[
        Optional[List[str]],
        typer.Option("--sitemap", metavar="URL", help="Articles listed in a sitemap or sitemap index (repeatable)."),
    ] = None,
    since: Annotated[
        Optional[str],
        typer.Option("--since", metavar="DATE", help="Feed/sitemap entries dated from DATE on (2024-05-01, 7d, 36h)."),
    ] = None,
    max_urls: Annotated[
        int, typer.Option("--max-urls", min=1, metavar="N", help="At most N URLs from each feed or sitemap.")
    ] = 1000,
    refresh: Annotated[
        bool,
        typer.Option("--refresh", help="Fetch stored URLs again (conditionally); all stored URLs when none given."),
    ] = False,
    ignore_robots: Annotated[bool, typer.Option("--ignore-robots", help="Do not obey robots.txt.")] = False,
    no_store: NoStoreOpt = False,
    fmt: FormatOpt = Format.text,
    workers: WorkersOpt = 0,
    page_timeout: PageTimeoutOpt = 60.0,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Download URLs, extract their articles, save them.

    URLs already stored are skipped (reported as duplicate) unless --refresh. With --format jsonl, one line
    per URL in input order (a feed or sitemap that cannot be read is a failed line of its own, first).
    Text format: one note per URL on stderr; with --no-store the articles on stdout.
    """
    run = _Run(ctx, store, quiet, verbose)
    code = EXIT_OK
    with run.guard():
        from . import batch

        if not timeout > 0:
            raise UsageError("--timeout must be more than 0 seconds")
        since_at = batch.parse_since(since) if since is not None else None
        all_urls = list(urls or [])
        if from_ is not None:
            all_urls += _read_url_file(from_)
        settings = Settings(timeout=timeout, ignore_robots=ignore_robots, workers=workers, page_timeout=page_timeout)
        failures: list[tuple[str, str]] = []
        if feed or sitemap:
            all_urls, failures = batch.discover_urls(
                all_urls, feed or [], sitemap or [], settings, since=since_at, max_urls=max_urls,
                note=run.reporter.note,
            )
        refresh_all = refresh and not all_urls and not failures and from_ is None and not feed and not sitemap
        if not all_urls and not failures and not refresh_all:
            if from_ is not None or feed or sitemap:
                run.reporter.note("no URLs to fetch")
                raise typer.Exit(EXIT_OK)
            raise UsageError("no URL given (give URLs, --from FILE, --feed URL or --sitemap URL)")
        from .pipeline import fetch_urls

        if refresh_all and no_store:
            raise UsageError("--refresh without URLs refreshes the store: it cannot go with --no-store")
        writer = batch.open_warc(warc, settings) if warc is not None else None  # unwritable: exit 2, before all
        db = None
        try:
            db = None if no_store else run.open_store()
            if refresh_all:
                all_urls = batch.stored_urls(db)
                if not all_urls:
                    run.reporter.note("no stored URLs to refresh")
                    raise typer.Exit(EXIT_OK)
            outcomes = batch.with_failures(failures, fetch_urls(all_urls, settings, db, refresh=refresh, warc=writer))
            code = _run_outcomes(run, outcomes, fmt, db, what="fetching", total=len(all_urls) + len(failures))
        finally:
            if writer is not None:
                writer.close()
            if db is not None:
                db.close()
    raise typer.Exit(code)


def _read_url_file(name: str) -> list[str]:
    from .fetch import read_url_list

    if name == "-":
        return read_url_list(sys.stdin.buffer)
    try:
        with open(name, "rb") as f:
            return read_url_list(f)
    except OSError as e:
        raise UsageError(f"--from {name}: {e.strerror or e}") from None


@app.command()
def clean(
    ctx: typer.Context,
    paths: Annotated[List[str], typer.Argument(metavar="PATH", help="Files, folders (recursive), - for stdin.")],
    no_store: NoStoreOpt = False,
    fmt: FormatOpt = Format.text,
    workers: WorkersOpt = 0,
    page_timeout: PageTimeoutOpt = 60.0,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Extract the articles of saved pages (HTML or text, .gz too) and save them.

    With --format jsonl, one line per input file in input order. Text format: one note per file on stderr;
    with --no-store the articles on stdout.
    """
    run = _Run(ctx, store, quiet, verbose)
    code = EXIT_OK
    with run.guard():
        from .pipeline import clean_paths

        settings = Settings(workers=workers, page_timeout=page_timeout)
        db = None if no_store else run.open_store()
        try:
            outcomes = clean_paths(paths, settings, db, stdin=sys.stdin.buffer if "-" in paths else None)
            code = _run_outcomes(run, outcomes, fmt, db, what="cleaning")
        finally:
            if db is not None:
                db.close()
    raise typer.Exit(code)


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: LimitOpt = 20,
    fmt: FormatOpt = Format.text,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Stored articles, newest first: id, date, title, URL (tab-separated in text format)."""
    run = _Run(ctx, store, quiet, verbose)
    with run.guard():
        db = run.open_store(create=False)
        if db is not None:
            with db:
                _print_stored(iter(db.list(limit=limit or None)), fmt)
    raise typer.Exit(EXIT_OK)


@app.command()
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="ID|URL", show_default=False)],
    fmt: FormatOpt = Format.text,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """One stored article, by id or by any URL it is known by. Exit 1 when it is not stored."""
    from .export import json_dumps

    run = _Run(ctx, store, quiet, verbose)
    with run.guard():
        db = run.open_store(create=False)
        stored = None
        copies: list[int] = []
        if db is not None:
            with db:
                stored = db.get(int(key) if key.strip().isdigit() else key)
                copies = db.copies(stored.id) if stored is not None else []
        if stored is None:
            run.reporter.error(key, "not in the store")
            raise typer.Exit(EXIT_FAILED)
        if fmt is Format.text:
            text = _render_text(stored.article, stored.id)
            links = [f"repost of #{stored.duplicate_of}"] if stored.duplicate_of is not None else []
            if copies:
                links.append("reposted as " + ", ".join(f"#{i}" for i in copies))
            if links:  # after the title, URL and metadata lines
                head, sep, body = text.partition("\n\n")
                text = head + "\n" + " · ".join(links) + (sep + body if sep else "\n")
            _out(text)
        elif fmt is Format.markdown:
            _out(_render_markdown(stored.article))
        else:
            d = stored.to_dict()
            if copies:
                d["copies"] = copies  # the stored reposts of this article (their duplicate_of is this id)
            _out(json_dumps(d, indent=2 if fmt is Format.json else None) + "\n")
    raise typer.Exit(EXIT_OK)


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(metavar="QUERY", show_default=False)],
    limit: LimitOpt = 20,
    fmt: FormatOpt = Format.text,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Full-text search of stored titles and texts (Chinese too), best match first."""
    run = _Run(ctx, store, quiet, verbose)
    with run.guard():
        db = run.open_store(create=False)
        n = 0
        if db is not None:
            with db:
                n = _print_stored(iter(db.search(query, limit=limit or ALL)), fmt)
        run.reporter.debug(f"{n} found")
    raise typer.Exit(EXIT_OK)


@app.command()
def export(
    ctx: typer.Context,
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", metavar="DIR", help="Write into DIR instead of stdout.")
    ] = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="jsonl, csv, markdown (one file each; needs --out), or warc (raw pages)."),
    ] = ExportFormat.jsonl,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Everything stored. JSON Lines on stdout by default; with --out DIR: DIR/articles.jsonl,
    DIR/articles.csv, or DIR/<id>-<title>.md per article. --format warc writes the stored raw pages as WARC
    response records (gzipped): to --out FILE (DIR/articles.warc.gz for a folder) or to stdout."""
    from . import export as ex

    run = _Run(ctx, store, quiet, verbose)
    with run.guard():
        if fmt is ExportFormat.markdown and out is None:
            raise UsageError("--format markdown writes one file per article: give --out DIR")
        if fmt is ExportFormat.warc:
            from .batch import export_warc

            n, target = export_warc(run.open_store(create=False), out)
            if out is not None:
                run.reporter.note(f"exported {n} page{'s' if n != 1 else ''} to {safe_line(target)}")
            raise typer.Exit(EXIT_OK)
        if out is not None and out.exists() and not out.is_dir():
            raise UsageError(f"--out {out}: not a folder")
        db = run.open_store(create=False)
        records = iter(db.iter_articles()) if db is not None else iter(())
        try:
            if fmt is ExportFormat.markdown:
                n = len(ex.export_markdown(records, out))
                target = str(out)
            else:
                write = ex.export_jsonl if fmt is ExportFormat.jsonl else ex.export_csv
                if out is None:
                    n = write(records, sys.stdout)
                    sys.stdout.flush()
                    target = "stdout"
                else:
                    out.mkdir(parents=True, exist_ok=True)
                    path = out / f"articles.{fmt.value}"
                    with open(path, "w", encoding="utf-8", newline="") as f:
                        n = write(records, f)
                    target = str(path)
        finally:
            if db is not None:
                db.close()
        if out is not None:
            run.reporter.note(f"exported {n} article{'s' if n != 1 else ''} to {safe_line(target)}")
    raise typer.Exit(EXIT_OK)


@app.command()
def reclean(
    ctx: typer.Context,
    ids: Annotated[Optional[List[int]], typer.Argument(metavar="ID", show_default=False)] = None,
    fmt: FormatOpt = Format.text,
    workers: WorkersOpt = 0,
    page_timeout: PageTimeoutOpt = 60.0,
    store: StoreOpt = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Extract stored articles again from their raw pages (all of them when no ID is given).

    An article whose page now gives no content keeps its old text. Exit 1 when an ID is not stored.
    """
    run = _Run(ctx, store, quiet, verbose)
    code = EXIT_OK
    with run.guard():
        from .pipeline import reclean as reclean_ids

        db = run.open_store(create=False)
        if db is None:
            for i in ids or []:
                run.reporter.error(str(i), "not in the store")
            raise typer.Exit(EXIT_FAILED if ids else EXIT_OK)
        with db:
            outcomes = reclean_ids(db, ids or None, Settings(workers=workers, page_timeout=page_timeout))
            total = len(ids) if ids else db.count()
            code = _run_outcomes(run, outcomes, fmt, db, what="recleaning", total=total, verb="updated")
    raise typer.Exit(code)


# ------------------------------------------------------------------------------------ entry point
def _setup_streams() -> None:
    # Data on stdout is UTF-8 whatever the locale (JSON and CSV consumers expect it); stderr keeps the
    # terminal's encoding but must never fail on a character it cannot show.
    settings = ((sys.stdout, {"encoding": "utf-8", "errors": "replace"}), (sys.stderr, {"errors": "backslashreplace"}))
    for stream, kwargs in settings:
        try:
            stream.reconfigure(**kwargs)  # type: ignore[attr-defined]
        except (AttributeError, ValueError, OSError):
            pass


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``newsgrab``, ``python -m newsgrab``)."""
    _setup_streams()
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="newsgrab", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write("newsgrab: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_PIPE)
    except Exception as e:  # a bug outside any command's guard: still one line, no traceback
        sys.stderr.write(f"newsgrab: internal error: {safe_line(f'{type(e).__name__}: {e}')}\n")
        sys.exit(EXIT_FAILED)
