"""YAML front matter (`---` … `---` at the top of a file): metadata plus where the body starts."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from newskg.corpus.errors import BadDateError, InputError


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so an impossible date gets our message, not YAML's."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_FENCE = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)


@dataclass(frozen=True)
class FrontMatter:
    meta: dict[str, Any] = field(default_factory=dict)
    body_start: int = 0  # offset of the first body character in the decoded file


def parse_front_matter(text: str) -> FrontMatter:
    m = _FENCE.match(text)
    if not m:
        return FrontMatter({}, 0)
    try:
        meta = yaml.load(m.group(1), Loader=_Loader) or {}
    except yaml.YAMLError as e:
        raise InputError(f"front matter is not valid YAML: {str(e).splitlines()[0]}") from e
    if not isinstance(meta, dict):
        raise InputError("front matter is not a mapping of keys to values")
    return FrontMatter({str(k): v for k, v in meta.items()}, m.end())


def parse_date(value: Any, what: str = "date") -> dt.date | None:
    """A date from front matter or the command line; impossible dates are an error, not a guess."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", s)
    if not m:
        raise BadDateError(f"{what} {s!r} is not a date (expected YYYY-MM-DD)")
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError as e:
        raise BadDateError(f"{what} {s!r} is impossible: {e}") from e
