"""A real headless browser for the report tests: Debian's chromium, driven by its command-line flags.

Not a test module. Why the flags and not the DevTools protocol: `--dump-dom` (the DOM after the
page's scripts ran) and `--screenshot` are all the tests need, with no client library. Script
errors are caught two ways: the page's own collector writes them into `data-script-errors`, and
chromium's log (`--enable-logging=stderr --v=0`) prints console errors as "Uncaught ...".

Every run gets a fresh profile folder and no network features (sync, component updates, QUIC,
background networking), so nothing is fetched and no state leaks between runs.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL_SCRIPT = ROOT / "scripts" / "install-chromium.sh"
NAMES = ("chromium", "chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]
TIMEOUT_S = 120


def find() -> str | None:
    for name in NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure() -> str | None:
    """The chromium binary, installed by scripts/install-chromium.sh when missing (as root)."""
    path = find()
    if path is None and INSTALL_SCRIPT.exists():
        subprocess.run(["bash", str(INSTALL_SCRIPT)], stdin=subprocess.DEVNULL, timeout=1800, check=False)
        path = find()
    return path


def required() -> bool:
    """CI (and NEWSKG_REQUIRE_BROWSER=1) fails without a browser instead of skipping."""
    return any(os.environ.get(v, "").strip().lower() in {"1", "true", "yes"}
               for v in ("CI", "NEWSKG_REQUIRE_BROWSER"))


@dataclass
class Run:
    stdout: str
    log: str  # chromium's stderr log

    @property
    def uncaught(self) -> list[str]:
        return [ln for ln in self.log.splitlines() if "Uncaught" in ln]


def _run(binary: str, args: list[str], work: Path) -> Run:
    with tempfile.TemporaryDirectory(prefix="profile-", dir=work) as profile:
        cmd = [binary, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        raise RuntimeError(f"chromium exited {p.returncode}: {p.stderr[-2000:]}")
    return Run(p.stdout, p.stderr)


def dump_dom(binary: str, page: Path, work: Path, *, budget_ms: int = 15000) -> Run:
    """The DOM once the page has loaded and its scripts settled (virtual time, so no sleeping)."""
    return _run(binary, [f"--virtual-time-budget={budget_ms}", "--dump-dom", page.resolve().as_uri()], work)


def screenshot(binary: str, page: Path, png: Path, work: Path, *, width: int = 1280, height: int = 1800,
               budget_ms: int = 15000) -> Run:
    return _run(binary, [f"--virtual-time-budget={budget_ms}", f"--window-size={width},{height}",
                         f"--screenshot={png.resolve()}", page.resolve().as_uri()], work)
