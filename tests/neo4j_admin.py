"""Neo4j's own Java tools in a home of our own: `neo4j-admin database import full`, and a throwaway
server on that home to read back what was imported.

Not a test module: a helper for tests/test_export.py and benchmarks/bench_bulk_load.py. Why a
separate home: the bulk importer writes a database's store files directly and needs the database
stopped (or absent); the shared test server of scripts/neo4j-server.sh (.neo4j/home) must keep
running for the other tests, so imports go into a fresh folder with its own conf, data and port.
The jars are the ones scripts/neo4j-server.sh fetched into .neo4j/lib-<version>; the JVM flags and
conf keys follow /work/shared/docs/neo4j-local.md (§3, §5) as that script does.
"""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = REPO_ROOT / ".neo4j"
ADD_OPENS = ["--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
             "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"]
# the stock 5.26 server flags (as scripts/neo4j-server.sh passes them)
SERVER_FLAGS = ["-XX:+UseG1GC", "-XX:-OmitStackTraceInFastThrow", "-XX:+UnlockExperimentalVMOptions",
                "-XX:+TrustFinalNonStaticFields", "-XX:+DisableExplicitGC", "-Djdk.nio.maxCachedBufferSize=1024",
                "-Dio.netty.tryReflectionSetAccessible=true", *ADD_OPENS, "--enable-native-access=ALL-UNNAMED",
                "-Dlog4j2.disable.jmx=true", "-Dfile.encoding=UTF-8"]
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"


def lib_dir() -> Path | None:
    """The newest complete jar folder fetched by scripts/neo4j-server.sh, if any."""
    done = sorted(p.parent for p in STATE_DIR.glob("lib-*/.fetched"))
    return done[-1] if done else None


def java() -> str:
    home = os.environ.get("JAVA_HOME")
    if os.environ.get("JAVA"):
        return os.environ["JAVA"]
    if home and Path(home, "bin", "java").exists():
        return str(Path(home, "bin", "java"))
    return shutil.which("java") or "java"


@dataclass(frozen=True)
class ImportCounts:
    nodes: int
    relationships: int
    properties: int
    seconds: float


@dataclass
class Home:
    """A Neo4j home folder: conf/neo4j.conf, data/, logs/, run/. Auth is off: it is a scratch server
    on 127.0.0.1 that lives as long as one test or benchmark."""
    root: Path
    lib: Path
    port: int = 17787
    heap: str = "1g"
    pagecache: str = "512m"

    @property
    def conf_dir(self) -> Path:
        return self.root / "conf"

    def write_conf(self) -> None:
        for sub in ("conf", "data", "logs", "run", "plugins", "import"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        lines = [f"server.directories.{d}={self.root / d}" for d in ("data", "logs", "run", "plugins", "import")]
        lines += [f"server.directories.lib={self.lib}",
                  "server.default_listen_address=127.0.0.1", "server.default_advertised_address=127.0.0.1",
                  "server.bolt.enabled=true", f"server.bolt.listen_address=127.0.0.1:{self.port}",
                  f"server.bolt.advertised_address=127.0.0.1:{self.port}",
                  "server.http.enabled=false", "server.https.enabled=false",
                  "dbms.security.auth_enabled=false",
                  f"server.memory.heap.initial_size={self.heap}", f"server.memory.heap.max_size={self.heap}",
                  f"server.memory.pagecache.size={self.pagecache}",
                  "dbms.usage_report.enabled=false", "db.tx_log.preallocate=false"]
        (self.conf_dir / "neo4j.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def admin(self, *args: str, heap: str = "1g", timeout: float = 3600) -> subprocess.CompletedProcess:
        """`neo4j-admin ARGS` (org.neo4j.cli.AdminTool reads NEO4J_HOME / NEO4J_CONF)."""
        env = {**os.environ, "NEO4J_HOME": str(self.root), "NEO4J_CONF": str(self.conf_dir)}
        cmd = [java(), f"-Xmx{heap}", *ADD_OPENS, "-Dfile.encoding=UTF-8", "-cp", f"{self.lib}/*",
               "org.neo4j.cli.AdminTool", *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def import_full(self, args: list[str], *, heap: str = "1g") -> ImportCounts:
        """Run `database import full` (args from newskg.graph.export.import_command); the counts it
        reports. Raises RuntimeError with the tool's output when it fails."""
        t0 = time.perf_counter()
        p = self.admin(*args, "--overwrite-destination=true", f"--report-file={self.root / 'import.report'}",
                       heap=heap)
        secs = time.perf_counter() - t0
        if p.returncode != 0 or "IMPORT DONE" not in p.stdout + p.stderr:
            raise RuntimeError(f"neo4j-admin import failed ({p.returncode}):\n{(p.stdout + p.stderr)[-4000:]}")
        out = p.stdout + p.stderr

        def count(what: str) -> int:
            m = re.search(rf"^\s*(\d+) {what}\s*$", out, re.M)
            if not m:
                raise RuntimeError(f"no '{what}' count in the import output:\n{out[-2000:]}")
            return int(m.group(1))

        return ImportCounts(count("nodes"), count("relationships"), count("properties"), secs)


class Server:
    """A Neo4j server on a Home, started in its own process group; stop() ends only that process."""

    def __init__(self, home: Home):
        self.home = home
        self.proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.home.port}"

    def start(self, timeout: float = 180) -> float:
        """Start and wait until `RETURN 1` answers; seconds it took."""
        if _port_open(self.home.port):
            raise RuntimeError(f"port {self.home.port} is taken: another server is running there")
        self.home.write_conf()
        log = open(self.home.root / "logs" / "console.log", "ab")  # noqa: SIM115 - lives with the process
        cmd = [java(), "-cp", f"{self.home.lib}/*", *SERVER_FLAGS, f"-Xms{self.home.heap}", f"-Xmx{self.home.heap}",
               MAIN_CLASS, f"--home-dir={self.home.root}", f"--config-dir={self.home.conf_dir}", "--console-mode"]
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        log.close()
        from neo4j import GraphDatabase

        last: Exception | None = None
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Neo4j exited ({self.proc.returncode}); see {self.home.root}/logs/console.log")
            try:
                # a plain session: execute_query would retry (and warn) on its own
                with GraphDatabase.driver(self.uri, auth=("neo4j", "unused"), connection_timeout=2) as d, \
                        d.session() as s:
                    s.run("RETURN 1").consume()
                return time.perf_counter() - t0
            except Exception as e:  # not up yet: ServiceUnavailable, DatabaseUnavailable, OSError ...
                last = e
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"Neo4j did not answer within {timeout:.0f} s (last: {last})")

    def stop(self, timeout: float = 60) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0
