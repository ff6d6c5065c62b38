"""newskg: Chinese policy documents and news into a knowledge graph of obligations and actors."""
from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import os
import shlex
import sys

import click

from newskg.corpus.document import MAX_BYTES, iter_paths
from newskg.corpus.errors import InputError
from newskg.corpus.frontmatter import parse_date

DEFAULT_STORE = "./newskg-data"


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    try:
        return parse_date(value, f"--{param.name.replace('_', '-')}")
    except InputError as e:
        raise click.BadParameter(str(e)) from e


def _open_store(store_dir: str, neo4j_uri: str | None, *, readonly: bool = False):
    from newskg.graph.embedded import EmbeddedStore, StoreError

    try:
        if neo4j_uri:
            from newskg.graph.neo4j_store import Neo4jStore

            return Neo4jStore.from_env(neo4j_uri)
        return EmbeddedStore(store_dir, readonly=readonly)
    except StoreError as e:
        raise click.ClickException(str(e)) from e


store_options = [
    click.option("--store", "store_dir", default=DEFAULT_STORE, show_default=True,
                 type=click.Path(file_okay=False), help="Folder of the embedded store."),
    click.option("--neo4j", "neo4j_uri", envvar="NEWSKG_NEO4J_URI", default=None,
                 help="Use a Neo4j server (bolt://HOST:PORT) instead of the embedded store."),
]


def with_store(f):
    """--store/--neo4j on a command. NEWSKG_NEO4J_URI picks Neo4j unless --store is given on the
    command line: what the user typed wins over the environment."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        ctx = click.get_current_context()
        if (ctx.get_parameter_source("store_dir") == click.core.ParameterSource.COMMANDLINE
                and ctx.get_parameter_source("neo4j_uri") == click.core.ParameterSource.ENVIRONMENT):
            kwargs["neo4j_uri"] = None
        return f(*args, **kwargs)

    for opt in reversed(store_options):
        wrapper = opt(wrapper)
    return wrapper


class _Group(click.Group):
    """Store failures (server down, credentials refused, store in use) end in one line, not a traceback."""

    def invoke(self, ctx: click.Context):
        from newskg.graph.embedded import StoreError

        try:
            return super().invoke(ctx)
        except StoreError as e:
            raise click.ClickException(str(e)) from e


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newskg")
def main() -> None:
    """Extract obligations, deadlines and actors from Chinese policy documents and news."""


def _extractor():
    from newskg.nlp.extract import Extractor

    return Extractor()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--date", callback=_date, help="Document date (YYYY-MM-DD) for files without one.")
@click.option("--source", help="Source (e.g. 新华社) for files without one.")
@click.option("--max-size", type=int, default=MAX_BYTES // 2**20, show_default=True, help="Largest file, MB.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default=True,
              help="Worker processes that extract (the store is written by this process alone).")
@click.option("--scheduler", metavar="ADDRESS", envvar="NEWSKG_DASK_SCHEDULER",
              help="Extract on a Dask cluster (tcp://HOST:8786) instead of local processes.")
@click.option("--commit-every", type=click.IntRange(min=1), default=500, show_default=True,
              envvar="NEWSKG_COMMIT_EVERY",
              help="Commit after this many files (a killed run resumes from there); commits stay at least "
                   "5x their own duration apart.")
@click.option("--commit-seconds", type=click.FloatRange(min=0), default=60.0, show_default=True,
              envvar="NEWSKG_COMMIT_SECONDS", help="...or after this many seconds, whichever comes first.")
@click.option("--worker-memory", type=click.IntRange(min=0), default=None, metavar="MB",
              help="Memory one extraction may take before its file fails  [default: 3/4 of RAM / jobs; 0: no cap]")
@with_store
def ingest(paths, date, source, max_size, jobs, scheduler, commit_every, commit_seconds, worker_memory,
           store_dir, neo4j_uri) -> None:
    """Ingest files or folders of .txt/.md into the store (unchanged files are skipped).

    Interrupted (Ctrl-C, or even kill -9), a run keeps what it committed; run it again to go on."""
    import signal
    import threading

    from newskg.batch import BatchOptions, run_batch
    from newskg.ingest import IngestOptions
    from newskg.progress import for_stderr

    files = iter_paths(list(paths))
    if not files:
        raise click.ClickException("no .txt or .md files found")
    opts = IngestOptions(date=date, source=source, max_bytes=max_size * 2**20)
    bopts = BatchOptions(jobs=jobs, scheduler=scheduler, commit_every=commit_every, commit_seconds=commit_seconds,
                         worker_memory=None if worker_memory is None else worker_memory * 2**20)
    stop = threading.Event()

    def on_sigint(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        click.echo("\nnewskg: interrupted: committing the files done (Ctrl-C again to abort)", err=True)

    store = _open_store(store_dir, neo4j_uri)
    progress = for_stderr()
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        report = run_batch(store, files, opts, bopts, progress=progress, should_stop=stop.is_set)
    except RuntimeError as e:  # the pipeline cannot load (SetupError), the Dask cluster cannot be reached
        raise click.ClickException(str(e)) from e
    finally:
        signal.signal(signal.SIGINT, previous)
        progress.close()
        store.close()
    for out in report.failures:
        click.echo(f"newskg: {out.path}: {out.reason}", err=True)
    order = ("ingested", "replaced", "unchanged", "failed")
    summary = ", ".join(f"{report.counts[k]} {k}" for k in order if report.counts[k])
    click.echo(f"{len(files)} files: {summary}", err=True)
    if report.extracted_files:
        el = max(report.extract_seconds, 1e-6)
        kb = report.extracted_bytes / 1024
        where = {"inline": "in this process", "processes": f"with {report.workers} worker processes",
                 "dask": f"with {report.workers} Dask worker threads"}[report.where]
        click.echo(f"extracted {report.extracted_files} files ({kb:.0f} KB) in {el:.1f} s {where}: "
                   f"{report.extracted_files / el:.1f} files/s, {kb / el:.0f} KB/s; {report.commits} commits",
                   err=True)
    if report.interrupted:
        click.echo(f"newskg: interrupted: {report.files - sum(report.counts.values())} files left; "
                   "run the same command again to go on", err=True)
        sys.exit(130)
    if report.counts["failed"]:
        sys.exit(1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--date", callback=_date, help="Document date (YYYY-MM-DD) for files without one.")
@click.option("--source", help="Source for files without one.")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("--max-size", type=int, default=MAX_BYTES // 2**20, show_default=True, help="Largest file, MB.")
def extract(paths, date, source, fmt, max_size) -> None:
    """Print what is extracted from each file, one JSON object per line (no store is touched)."""
    from newskg.ingest import IngestOptions, extract_file

    opts = IngestOptions(date=date, source=source, max_bytes=max_size * 2**20)
    files = iter_paths(list(paths))
    if not files:
        raise click.ClickException("no .txt or .md files found")
    extractor = None
    failed = 0
    for path in files:
        try:
            if extractor is None:
                extractor = _extractor()
            rec = extract_file(extractor, path, opts)
        except InputError as e:
            click.echo(f"newskg: {path}: {e}", err=True)
            failed += 1
            continue
        rec["document"].pop("issuer", None)
        click.echo(json.dumps(rec, ensure_ascii=False))
    if failed:
        sys.exit(1)


def _resolve_agency(name: str | None) -> str | None:
    if not name:
        return None
    from newskg.nlp.lexicon import default_lexicon

    entry = default_lexicon().lookup(name)
    return entry.name if entry else name


@main.command()
@click.option("--due-before", callback=_date, help="Due on or before this day.")
@click.option("--due-after", callback=_date, help="Due on or after this day.")
@click.option("--overdue-on", callback=_date, help="Due before this day (overdue as of it).")
@click.option("--agency", help="Agency (any known name); tasks of its collectives are included, marked.")
@click.option("--policy", help="Policy name or document title.")
@click.option("--text", help="Substring of the action.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@with_store
def obligations(due_before, due_after, overdue_on, agency, policy, text, fmt, store_dir, neo4j_uri) -> None:
    """List obligations by due date, with agencies, action and source."""
    from newskg.graph.queries import ObligationFilter

    flt = ObligationFilter(due_before=due_before, due_after=due_after, overdue_on=overdue_on,
                           agency=_resolve_agency(agency), policy=policy, text=text)
    store = _open_store(store_dir, neo4j_uri, readonly=True)
    try:
        rows = store.obligations(flt)
    finally:
        store.close()
    _print_obligations(rows, fmt)


def _agencies_cell(o) -> str:
    cell = "、".join(f"{a.name}({a.role})" if a.role != "responsible" else a.name for a in o.agencies)
    if o.via_collective:
        cell += f" [collective: {o.via_collective}]"
    return cell


def _print_obligations(rows, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["due", "agencies", "action", "modality", "document", "path", "start", "end", "task"])
        for r in rows:
            w.writerow([r.due or "", _agencies_cell(r), r.action, r.modality or "", r.title or "", r.path,
                        r.start, r.end, r.task])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} obligations", show_lines=False)
    for col in ("due", "agencies", "action", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.due or "—", _agencies_cell(r) or "—", r.action,
                      f"{os.path.basename(r.path)}:{r.start}-{r.end}")
    Console(width=max(100, min(200, _term_width()))).print(table)


def _term_width() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 160


@main.command()
@with_store
def stats(store_dir, neo4j_uri) -> None:
    """Count nodes and relationships by type."""
    store = _open_store(store_dir, neo4j_uri, readonly=True)
    try:
        st = store.stats()
    finally:
        store.close()
    click.echo("nodes:")
    for k, v in st.nodes.items():
        click.echo(f"  {k:<14}{v:>8}")
    click.echo("relationships:")
    for k, v in st.relationships.items():
        click.echo(f"  {k:<14}{v:>8}")


def _param(value: str) -> tuple[str, object]:
    """k=v; v is read as JSON when it parses (numbers, lists, quoted strings), else as text."""
    if "=" not in value:
        raise click.BadParameter(f"{value!r} is not k=v")
    k, v = value.split("=", 1)
    try:
        return k, json.loads(v)
    except json.JSONDecodeError:
        return k, v


@main.command()
@click.argument("query")
@click.option("--param", "params", multiple=True, help="Query parameter k=v (repeatable); use $k in the query.")
@click.option("--write", is_flag=True, help="Allow writes (sessions are read-only by default).")
@click.option("--neo4j", "neo4j_uri", envvar="NEWSKG_NEO4J_URI", required=True, help="bolt://HOST:PORT")
def cypher(query, params, write, neo4j_uri) -> None:
    """Run a Cypher query on the Neo4j store; values go in as parameters, never pasted into the query."""
    from newskg.graph.neo4j_store import Neo4jStore

    store = Neo4jStore.from_env(neo4j_uri)
    try:
        rows = store.cypher(query, dict(_param(p) for p in params), write=write)
    finally:
        store.close()
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False, default=str))


@main.command("parse-time")
@click.option("--date", callback=_date, required=True, help="Reference date (YYYY-MM-DD).")
def parse_time_cmd(date) -> None:
    """Read lines on stdin; print the time expressions of each as one JSON object per line."""
    from newskg.nlp.timex import parse_lines

    for obj in parse_lines((ln.rstrip("\n") for ln in sys.stdin), date):
        click.echo(json.dumps(obj, ensure_ascii=False))


@main.command()
@click.option("--out", default="report.html", show_default=True, type=click.Path(dir_okay=False),
              help="HTML file to write (one self-contained file; opens offline).")
@click.option("--as-of", callback=_date, help="Day that overdue is judged against (default: today).")
@click.option("--agency", help="Only this agency's obligations (any known name); collective ones marked.")
@click.option("--policy", help="Only this policy (name or document title).")
@with_store
def report(out, as_of, agency, policy, store_dir, neo4j_uri) -> None:
    """Write a deadline report: timeline by agency, overdue marked, undated listed, task trees, sources."""
    from newskg.report import ReportOptions, summary_line, write_report

    options = ReportOptions(as_of=as_of or dt.date.today(), agency=_resolve_agency(agency), policy=policy)
    store = _open_store(store_dir, neo4j_uri, readonly=True)
    try:
        data = write_report(store, options, out)
    finally:
        store.close()
    click.echo(summary_line(data, out), err=True)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "csv", "jsonl"]), required=True,
              help="graphml: Gephi/yEd; csv: neo4j-admin database import files; jsonl: nodes and edges.")
@click.option("--out", "out_dir", default="newskg-export", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write the files into.")
@with_store
def export(fmt, out_dir, store_dir, neo4j_uri) -> None:
    """Export the whole graph for other tools (GraphML, neo4j-admin CSV, JSON Lines)."""
    from newskg.graph.export import export as run_export
    from newskg.graph.export import import_command

    store = _open_store(store_dir, neo4j_uri, readonly=True)
    try:
        res = run_export(store, fmt, out_dir)
    finally:
        store.close()
    for path in res.files:
        click.echo(str(path))
    click.echo(f"exported {res.nodes} nodes and {res.relationships} relationships to {out_dir}", err=True)
    if fmt == "csv":
        click.echo("load into an empty, stopped Neo4j with: neo4j-admin " + shlex.join(import_command(res)), err=True)


def _news_store(store_dir: str, neo4j_uri: str | None, method: str):
    store = _open_store(store_dir, neo4j_uri, readonly=True)
    if not hasattr(store, method):
        store.close()
        raise click.ClickException(f"this store does not answer `{method}` queries")
    return store


def _where(r: dict) -> str:
    return f"{os.path.basename(r.get('path') or '?')}:{r.get('start')}-{r.get('end')}"


@main.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_store
def actor(name, fmt, store_dir, neo4j_uri) -> None:
    """A person's roles, statements and events, each with its source (file:start-end)."""
    store = _news_store(store_dir, neo4j_uri, "actor")
    try:
        info = store.actor(name)
    finally:
        store.close()
    if not info:
        raise click.ClickException(f"no one named {name} in the store")
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=1))
        return
    click.echo(info["name"])
    click.echo(f"roles ({len(info['roles'])}):")
    for r in info["roles"]:
        click.echo(f"  {r['title']}  {r.get('organization') or '—'}  [{_where(r)}]")
    click.echo(f"statements ({len(info['statements'])}):")
    for s in info["statements"]:
        day = s.get("document_date") or "—"
        click.echo(f"  {day}  {s.get('verb') or ''}：{s.get('text') or ''}  [{_where(s)}]")
    click.echo(f"events ({len(info['events'])}):")
    for e in info["events"]:
        others = "、".join(p for p in e["participants"] if p != info["name"]) or "—"
        click.echo(f"  {e.get('date') or '—'}  {e.get('type')}  at {'、'.join(e['places']) or '—'}"
                   f"  with {others}  [{_where(e)}]")


@main.command()
@click.option("--from", "from_", callback=_date, help="On or after this day (YYYY-MM-DD).")
@click.option("--to", "to", callback=_date, help="On or before this day (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_store
def events(from_, to, fmt, store_dir, neo4j_uri) -> None:
    """Events (visits, meetings, talks, summits …) by date, with participants, places and source."""
    store = _news_store(store_dir, neo4j_uri, "events")
    try:
        rows = store.events(from_.isoformat() if from_ else None, to.isoformat() if to else None)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for e in rows:
        click.echo(f"{e.get('date') or '—'}  {e.get('type')}  {'、'.join(e['participants'])}"
                   f"  at {'、'.join(e['places']) or '—'}  [{_where(e)}]")
    click.echo(f"{len(rows)} events", err=True)


if __name__ == "__main__":
    main()
