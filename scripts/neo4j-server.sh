#!/usr/bin/env bash
# Run a local Neo4j 5.26 Community server for newskg's tests, built from Maven Central jars.
#
# Why this exists: the machines that run newskg reach Maven Central and have a JDK 17 and
# Maven, but cannot download the Neo4j tarball or run Docker. The recipe (jar set, conf keys,
# JVM flags, initial password) is /work/shared/docs/neo4j-local.md; this script automates it.
#
# Usage: scripts/neo4j-server.sh fetch|start|stop|status|env|reset
#   fetch   copy the runtime jars into .neo4j/lib-<version> (skipped when already complete)
#   start   fetch if needed, write the conf, set the initial password before the first start,
#           launch the server in the background and wait until `RETURN 1` answers
#           (no-op when our server is already running and answering)
#   stop    SIGTERM our server, wait up to 60 s, then SIGKILL (only our pid); no-op if stopped
#   status  print running/stopped; exit 0 when running, 1 when stopped
#   env     print an `export NEWSKG_NEO4J_...` line to eval
#   reset   stop, then delete .neo4j/home (data, logs, conf); the jars are kept
#
# Environment (all optional):
#   NEWSKG_NEO4J_PORT        Bolt port on 127.0.0.1                 (default 17687)
#   NEWSKG_NEO4J_PASSWORD    password of user neo4j, >= 8 chars       (default newskg-test-pw)
#                            (only applied on the first start after a reset)
#   NEWSKG_NEO4J_HEAP        JVM heap, -Xms and -Xmx                  (default 512m)
#   NEWSKG_NEO4J_PAGECACHE   page cache size                          (default 256m)
#   NEWSKG_NEO4J_TIMEOUT     seconds to wait for readiness            (default 120)
#   JAVA                     java binary (default $JAVA_HOME/bin/java, else java)
#   MVN                      maven binary (default mvn)
#   PYTHON                   python with the `neo4j` driver (default .venv/bin/python, else python3)
#
# Everything lives under <repo>/.neo4j (git-ignored); the repo root is found from this
# script's location. Messages go to stderr, so `eval "$(scripts/neo4j-server.sh env)"` is safe.
# Nothing reads stdin, so the script is safe from a Makefile or CI (CI=true).

set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
ROOT="$(cd "$SCRIPT_DIR/.." && pwd -P)"
POM="$ROOT/tools/neo4j/pom.xml"
STATE_DIR="$ROOT/.neo4j"
HOME_DIR="$STATE_DIR/home"
CONF_DIR="$HOME_DIR/conf"
LOG_DIR="$HOME_DIR/logs"
RUN_DIR="$HOME_DIR/run"
PID_FILE="$RUN_DIR/server.pid"
CONSOLE_LOG="$LOG_DIR/console.log"

PORT="${NEWSKG_NEO4J_PORT:-17687}"
USER_NAME="neo4j"
PASSWORD="${NEWSKG_NEO4J_PASSWORD:-newskg-test-pw}"
HEAP="${NEWSKG_NEO4J_HEAP:-512m}"
PAGECACHE="${NEWSKG_NEO4J_PAGECACHE:-256m}"
READY_TIMEOUT="${NEWSKG_NEO4J_TIMEOUT:-120}"
STOP_TIMEOUT=60
MVN_ATTEMPTS=3
MAIN_CLASS="org.neo4j.server.CommunityEntryPoint"

# JVM flags of the stock 5.26 neo4j.conf (doc §3.2/§3.3) minus -XX:+AlwaysPreTouch, which would
# commit the whole heap up front. The three --add-opens are mandatory on Java 17 (doc §8).
# One list feeds both the command line and the conf's server.jvm.additional lines, so the
# official launcher (`Neo4jCommand console --dry-run`) would build the same command.
JVM_FLAGS=(
  -XX:+UseG1GC
  -XX:-OmitStackTraceInFastThrow
  -XX:+UnlockExperimentalVMOptions
  -XX:+TrustFinalNonStaticFields
  -XX:+DisableExplicitGC
  -Djdk.nio.maxCachedBufferSize=1024
  -Dio.netty.tryReflectionSetAccessible=true
  -Djdk.tls.ephemeralDHKeySize=2048
  -Djdk.tls.rejectClientInitiatedRenegotiation=true
  -XX:FlightRecorderOptions=stackdepth=256
  -XX:+UnlockDiagnosticVMOptions
  -XX:+DebugNonSafepoints
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --enable-native-access=ALL-UNNAMED
  -Dlog4j2.disable.jmx=true
  -Dlog4j.layout.jsonTemplate.maxStringLength=32768
)
ADD_OPENS=(
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)

log() { printf 'neo4j-server: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
}

# --- settings and tools -----------------------------------------------------------------

neo4j_version() {
  [[ -f "$POM" ]] || die "missing $POM"
  local v
  v="$(sed -n 's:.*<neo4j.version>\([^<]*\)</neo4j.version>.*:\1:p' "$POM" | head -n 1)"
  [[ "$v" =~ ^5\.26\.[0-9]+$ ]] || die "could not read a pinned 5.26.x <neo4j.version> from $POM (got '$v')"
  printf '%s\n' "$v"
}

VERSION="$(neo4j_version)"
LIB_DIR="$STATE_DIR/lib-$VERSION"
STAMP="$LIB_DIR/.fetched"

validate_settings() {
  [[ "$PORT" =~ ^[0-9]+$ ]] && (( PORT > 0 && PORT < 65536 )) \
    || die "NEWSKG_NEO4J_PORT must be a TCP port number (got '$PORT')"
  (( ${#PASSWORD} >= 8 )) || die "NEWSKG_NEO4J_PASSWORD must have at least 8 characters (Neo4j's minimum)"
  [[ "$PASSWORD" != *$'\n'* ]] || die "NEWSKG_NEO4J_PASSWORD must not contain a newline"
  [[ "$READY_TIMEOUT" =~ ^[0-9]+$ ]] || die "NEWSKG_NEO4J_TIMEOUT must be whole seconds (got '$READY_TIMEOUT')"
}

java_bin() {
  if [[ -n "${JAVA:-}" ]]; then
    printf '%s\n' "$JAVA"
  elif [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    printf '%s\n' "$JAVA_HOME/bin/java"
  else
    printf '%s\n' java
  fi
}

check_java() {
  local java version major
  java="$(java_bin)"
  command -v "$java" >/dev/null 2>&1 || die "java not found ('$java'); Neo4j 5.26 needs a JDK 17 or 21"
  version="$("$java" -version 2>&1 </dev/null | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  major="${version%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 17 )) \
    || die "Neo4j 5.26 needs Java 17 or 21; '$java' reports '${version:-unknown}'"
}

python_bin() {
  if [[ -n "${PYTHON:-}" ]]; then
    printf '%s\n' "$PYTHON"
  elif [[ -x "$ROOT/.venv/bin/python" ]]; then
    printf '%s\n' "$ROOT/.venv/bin/python"
  else
    printf '%s\n' python3
  fi
}

# Serialise fetch/start/stop/reset between concurrent callers (e.g. parallel test workers).
# The lock fd is closed for every child we leave running (see launch), so it dies with us.
take_lock() {
  mkdir -p "$STATE_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$STATE_DIR/.lock"
    flock -w 600 9 || die "timed out waiting for the lock $STATE_DIR/.lock"
  fi
}

# --- fetch ------------------------------------------------------------------------------

lib_complete() {
  [[ -f "$STAMP" && -f "$LIB_DIR/neo4j-$VERSION.jar" ]]
}

cmd_fetch() {
  if lib_complete; then
    log "jars for Neo4j $VERSION already in ${LIB_DIR#"$ROOT"/} ($(sed -n 's/^jars=//p' "$STAMP") jars); skipping Maven"
    return 0
  fi
  local mvn="${MVN:-mvn}"
  command -v "$mvn" >/dev/null 2>&1 || die "maven not found ('$mvn'); needed once to fetch the Neo4j jars"
  local tmp="$LIB_DIR.partial" mvn_log="$STATE_DIR/mvn-fetch.log" attempt start_s
  start_s=$SECONDS
  for (( attempt = 1; attempt <= MVN_ATTEMPTS; attempt++ )); do
    rm -rf "$tmp"
    log "fetching Neo4j $VERSION jars from Maven Central (attempt $attempt/$MVN_ATTEMPTS)..."
    if "$mvn" -B -ntp -f "$POM" dependency:copy-dependencies \
         -DincludeScope=runtime -DoutputDirectory="$tmp" >"$mvn_log" 2>&1 </dev/null; then
      break
    fi
    log "maven failed (attempt $attempt); last lines of ${mvn_log#"$ROOT"/}:"
    tail -n 15 "$mvn_log" >&2 || true
    if (( attempt == MVN_ATTEMPTS )); then
      rm -rf "$tmp"
      die "could not fetch the Neo4j jars after $MVN_ATTEMPTS attempts (Central may be rate-limiting: retry later)"
    fi
    sleep $(( attempt * 10 ))
  done
  [[ -f "$tmp/neo4j-$VERSION.jar" ]] || die "maven succeeded but $tmp/neo4j-$VERSION.jar is missing"
  local count
  count="$(find "$tmp" -maxdepth 1 -name '*.jar' | wc -l)"
  printf 'version=%s\njars=%s\nfetched=%s\n' "$VERSION" "$count" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.fetched"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
  log "fetched $count jars ($(du -sh "$LIB_DIR" | cut -f1)) into ${LIB_DIR#"$ROOT"/} in $(( SECONDS - start_s )) s"
}

# --- process bookkeeping ----------------------------------------------------------------

# True when $1 is a live (non-zombie) process running our entry point on our home dir.
is_our_server() {
  local pid="$1" args state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != Z* ]] || return 1
  args="$(ps -ww -o args= -p "$pid" 2>/dev/null || true)"
  [[ "$args" == *"$MAIN_CLASS"* && "$args" == *"--home-dir=$HOME_DIR"* ]]
}

# Print the pid of our running server, or nothing. Falls back to Neo4j's own pid file
# in case our record was lost.
server_pid() {
  local f pid
  for f in "$PID_FILE" "$RUN_DIR/neo4j.pid"; do
    [[ -f "$f" ]] || continue
    pid="$(tr -dc '0-9' <"$f")"
    if is_our_server "$pid"; then
      printf '%s\n' "$pid"
      return 0
    fi
  done
  return 0
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

rss_of() {
  ps -o rss= -p "$1" 2>/dev/null | awk '{printf "%d MB", $1/1024}'
}

# --- conf and password ------------------------------------------------------------------

write_conf() {
  mkdir -p "$CONF_DIR" "$HOME_DIR"/{data,logs,run,plugins,import}
  local tmp="$CONF_DIR/neo4j.conf.tmp" flag
  {
    echo "# Written by scripts/neo4j-server.sh on every start; edits are overwritten."
    echo "# Keys as in /work/shared/docs/neo4j-local.md §3.2 (strict validation: no unknown/duplicate keys)."
    echo "server.directories.data=$HOME_DIR/data"
    echo "server.directories.logs=$HOME_DIR/logs"
    echo "server.directories.run=$HOME_DIR/run"
    echo "server.directories.plugins=$HOME_DIR/plugins"
    echo "server.directories.import=$HOME_DIR/import"
    echo "server.directories.lib=$LIB_DIR"
    echo
    echo "server.default_listen_address=127.0.0.1"
    echo "server.default_advertised_address=127.0.0.1"
    echo "server.bolt.enabled=true"
    echo "server.bolt.listen_address=127.0.0.1:$PORT"
    echo "server.bolt.advertised_address=127.0.0.1:$PORT"
    echo "server.http.enabled=false"
    echo "server.https.enabled=false"
    echo
    echo "dbms.security.auth_enabled=true"
    echo
    echo "server.memory.heap.initial_size=$HEAP"
    echo "server.memory.heap.max_size=$HEAP"
    echo "server.memory.pagecache.size=$PAGECACHE"
    echo
    echo "dbms.usage_report.enabled=false"
    echo "db.tx_log.preallocate=false"
    echo
    echo "# Read only by the official launcher; scripts/neo4j-server.sh passes the same flags itself."
    for flag in "${JVM_FLAGS[@]}"; do
      echo "server.jvm.additional=$flag"
    done
  } >"$tmp"
  mv -f "$tmp" "$CONF_DIR/neo4j.conf"
}

# The password can only be set before the system database exists (doc §5).
set_initial_password() {
  if [[ -d "$HOME_DIR/data/databases/system" ]]; then
    return 0
  fi
  local admin_log="$LOG_DIR/admin.log"
  log "setting the initial password of user $USER_NAME (first start of this home)"
  if ! NEO4J_HOME="$HOME_DIR" NEO4J_CONF="$CONF_DIR" "$(java_bin)" -Xmx256m "${ADD_OPENS[@]}" \
        -cp "$LIB_DIR/*" org.neo4j.cli.AdminTool dbms set-initial-password "$PASSWORD" \
        >"$admin_log" 2>&1 </dev/null 9>&-; then
    cat "$admin_log" >&2 || true
    die "set-initial-password failed (see ${admin_log#"$ROOT"/})"
  fi
  [[ -f "$HOME_DIR/data/dbms/auth.ini" ]] \
    || die "set-initial-password did not write data/dbms/auth.ini (see ${admin_log#"$ROOT"/})"
}

# --- readiness --------------------------------------------------------------------------

# Polls until `RETURN 1` answers through the Python driver. Exit codes: 0 ready,
# 2 process gone, 3 authentication refused, 4 timeout, 5 driver missing.
READY_PY='
import os, sys, time

pid, uri, user, timeout = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
launched = float(sys.argv[5]) if len(sys.argv) > 5 else None
password = os.environ["NEWSKG_READY_PASSWORD"]  # not on argv, so ps does not show it
try:
    from neo4j import GraphDatabase
    from neo4j.exceptions import AuthError
except ImportError as exc:
    print(f"the Python driver is missing ({exc}); install the neo4j package or set PYTHON", file=sys.stderr)
    sys.exit(5)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
            return True
        except OSError:
            return False


deadline = time.monotonic() + timeout
last = "no attempt yet"
while True:
    if not alive(pid):
        print(f"server process {pid} exited before it was ready (last: {last})", file=sys.stderr)
        sys.exit(2)
    try:
        # A plain session.run: execute_query would retry on its own with back-off and warnings.
        with GraphDatabase.driver(uri, auth=(user, password), connection_timeout=2) as driver:
            with driver.session() as session:
                session.run("RETURN 1").consume()
        break
    except AuthError as exc:
        print(f"authentication refused for user {user!r}: {exc}", file=sys.stderr)
        sys.exit(3)
    except Exception as exc:  # ServiceUnavailable, SessionExpired, TransientError, OSError ...
        last = f"{type(exc).__name__}: {exc}"
    if time.monotonic() >= deadline:
        print(f"not ready after {timeout:.0f} s (last: {last})", file=sys.stderr)
        sys.exit(4)
    time.sleep(0.25)
if launched is not None:
    print(f"{time.time() - launched:.1f}")
'

# wait_ready PID TIMEOUT [LAUNCH_EPOCH]; prints seconds since launch when given.
wait_ready() {
  NEWSKG_READY_PASSWORD="$PASSWORD" \
    "$(python_bin)" -c "$READY_PY" "$1" "bolt://127.0.0.1:$PORT" "$USER_NAME" "$2" ${3:+"$3"} \
    </dev/null 9>&-
}

show_failure_logs() {
  if [[ -f "$CONSOLE_LOG" ]]; then
    log "last lines of ${CONSOLE_LOG#"$ROOT"/}:"
    tail -n 40 "$CONSOLE_LOG" >&2 || true
  fi
  if [[ -f "$LOG_DIR/debug.log" ]] && grep -qE 'ERROR|Exception' "$LOG_DIR/debug.log"; then
    log "ERROR/Exception lines of ${LOG_DIR#"$ROOT"/}/debug.log:"
    grep -E 'ERROR|Exception' "$LOG_DIR/debug.log" | tail -n 20 >&2 || true
  fi
}

# --- stop -------------------------------------------------------------------------------

# stop_pid PID: SIGTERM, wait up to STOP_TIMEOUT, then SIGKILL. Only that pid is signalled.
stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while is_our_server "$pid"; do
    if (( waited >= STOP_TIMEOUT * 10 )); then
      log "still running after ${STOP_TIMEOUT} s; sending SIGKILL to $pid"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 1
      break
    fi
    sleep 0.1
    waited=$(( waited + 1 ))
  done
  wait "$pid" 2>/dev/null || true   # reaps it when it is our child (failed start)
  log "stopped (pid $pid, $(( waited / 10 )).$(( waited % 10 )) s)"
}

cmd_stop() {
  local pid
  pid="$(server_pid)"
  if [[ -z "$pid" ]]; then
    log "not running"
  else
    log "stopping Neo4j (pid $pid)..."
    stop_pid "$pid"
  fi
  rm -f "$PID_FILE"
}

# --- start ------------------------------------------------------------------------------

cmd_start() {
  validate_settings
  local pid code
  pid="$(server_pid)"
  if [[ -n "$pid" ]]; then
    code=0
    wait_ready "$pid" "$READY_TIMEOUT" >/dev/null || code=$?
    if (( code == 0 )); then
      log "already running and answering (pid $pid) on bolt://127.0.0.1:$PORT"
      return 0
    fi
    if (( code == 3 )); then
      die "our server (pid $pid) refuses the password; the password is only set on the first start — run '$0 reset' or use the original password"
    fi
    show_failure_logs
    die "our server (pid $pid) is running but does not answer on bolt://127.0.0.1:$PORT (a different NEWSKG_NEO4J_PORT than at start?); run '$0 stop'"
  fi
  rm -f "$PID_FILE"
  if port_in_use; then
    die "port $PORT on 127.0.0.1 is taken by another process; set NEWSKG_NEO4J_PORT to a free port"
  fi

  check_java
  cmd_fetch
  write_conf
  set_initial_password

  if [[ -f "$CONSOLE_LOG" ]]; then
    mv -f "$CONSOLE_LOG" "$CONSOLE_LOG.1"
  fi
  local launched
  launched="$(date +%s.%N)"
  log "starting Neo4j $VERSION on bolt://127.0.0.1:$PORT (heap $HEAP, page cache $PAGECACHE)..."
  # setsid: own session and process group, so Ctrl-C in make or a CI step's group kill does
  # not hit it half-way; stdin from /dev/null, all output to the console log, lock fd closed.
  setsid "$(java_bin)" -cp "$LIB_DIR/*" "${JVM_FLAGS[@]}" -Dfile.encoding=UTF-8 -Xms"$HEAP" -Xmx"$HEAP" \
    "$MAIN_CLASS" --home-dir="$HOME_DIR" --config-dir="$CONF_DIR" --console-mode \
    </dev/null >"$CONSOLE_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local elapsed
  code=0
  elapsed="$(wait_ready "$pid" "$READY_TIMEOUT" "$launched")" || code=$?
  if (( code != 0 )); then
    show_failure_logs
    local java_rc=0
    if (( code == 2 )); then
      wait "$pid" 2>/dev/null || java_rc=$?
    fi
    if is_our_server "$pid"; then
      log "stopping the half-started server"
      stop_pid "$pid"
    fi
    rm -f "$PID_FILE"
    case "$code" in
      2) die "Neo4j exited with code $java_rc during start-up (see the log above; a store lock or a bad setting are the usual causes)" ;;
      3) die "Neo4j refused the password; the password is only set on the first start — run '$0 reset' or use the original password" ;;
      4) die "Neo4j did not answer within ${READY_TIMEOUT} s" ;;
      *) die "readiness check failed (code $code)" ;;
    esac
  fi
  log "ready after ${elapsed} s (pid $pid, RSS $(rss_of "$pid")); logs in ${LOG_DIR#"$ROOT"/}"
}

# --- status / env / reset ---------------------------------------------------------------

cmd_status() {
  local pid
  pid="$(server_pid)"
  if [[ -n "$pid" ]]; then
    echo "running (pid $pid, Neo4j $VERSION, bolt://127.0.0.1:$PORT, RSS $(rss_of "$pid"))"
    return 0
  fi
  echo "stopped"
  return 1
}

cmd_env() {
  validate_settings
  printf 'export NEWSKG_NEO4J_URI=%q NEWSKG_NEO4J_USER=%q NEWSKG_NEO4J_PASSWORD=%q\n' \
    "bolt://127.0.0.1:$PORT" "$USER_NAME" "$PASSWORD"
}

cmd_reset() {
  cmd_stop
  if [[ -d "$HOME_DIR" ]]; then
    rm -rf -- "$HOME_DIR"
    log "deleted ${HOME_DIR#"$ROOT"/} (jars kept in ${LIB_DIR#"$ROOT"/})"
  fi
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    fetch) take_lock; check_java; cmd_fetch ;;
    start) take_lock; cmd_start ;;
    stop) take_lock; cmd_stop ;;
    reset) take_lock; cmd_reset ;;
    status) cmd_status ;;
    env) cmd_env ;;
    -h|--help|help) usage ;;
    *) usage; die "unknown or missing subcommand '${cmd}'" ;;
  esac
}

main "$@"
