"""newskg: Chinese policy documents and news into a knowledge graph of obligations and actors."""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from collections import Counter

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
    for opt in reversed(store_options):
        f = opt(f)
    return f


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
@with_store
def ingest(paths, date, source, max_size, store_dir, neo4j_uri) -> None:
    """Ingest files or folders of .txt/.md into the store (unchanged files are skipped)."""
    from newskg.ingest import IngestOptions, ingest_paths

    files = iter_paths(list(paths))
    if not files:
        raise click.ClickException("no .txt or .md files found")
    store = _open_store(store_dir, neo4j_uri)
    counts: Counter[str] = Counter()
    try:
        opts = IngestOptions(date=date, source=source, max_bytes=max_size * 2**20)
        for out in ingest_paths(store, _extractor, files, opts):
            counts[out.status] += 1
            if out.status == "failed":
                click.echo(f"newskg: {out.path}: {out.reason}", err=True)
    finally:
        store.close()
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    click.echo(f"{len(files)} files: {summary}", err=True)
    if counts["failed"]:
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


if __name__ == "__main__":
    main()
