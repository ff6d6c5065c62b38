"""Paths to ../shared and small helpers the tests share."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSKG_SHARED", ROOT.parent / "shared"))
SEED = SHARED / "corpus" / "seed" / "xinhua-page-2017-05.txt"
SCORER = SHARED / "tools" / "score.py"


def newskg(*args: str, input: str | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the CLI as a user would (a fresh process), capturing output."""
    return subprocess.run([sys.executable, "-m", "newskg.cli", *args], capture_output=True, text=True,
                          input=input, check=check, cwd=ROOT)


def score(gold: list[Path], pred: Path) -> dict:
    out = subprocess.run([sys.executable, str(SCORER), *map(str, gold), "--pred", str(pred), "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def extract_to(out: Path, *args: str) -> Path:
    """`newskg extract ARGS --format jsonl` into the file `out` (the scorer's input)."""
    r = newskg("extract", *args, "--format", "jsonl")
    assert r.returncode == 0, r.stderr
    out.write_text(r.stdout, encoding="utf-8")
    return out
