#!/usr/bin/env bash
# Install Debian's chromium and a CJK font, when missing: the report tests render the HTML report in a
# real headless browser (tests/browser.py), and a page of Chinese text needs a Chinese font to be
# drawn (the screenshots would show empty boxes without one). Safe to run again: a no-op once both
# are there. Needs root (or sudo) and the Debian archive; `make test` and CI run it before pytest.
set -euo pipefail

log() { printf 'install-chromium: %s\n' "$*" >&2; }

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if ! command -v fc-list >/dev/null 2>&1 || [[ -z "$(fc-list :lang=zh family 2>/dev/null)" ]]; then
  need+=(fonts-noto-cjk)
fi
if (( ${#need[@]} == 0 )); then
  log "chromium ($(chromium --version 2>/dev/null | head -n 1)) and a CJK font are installed"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || { log "error: need root or sudo to install: ${need[*]}"; exit 1; }
  SUDO=(sudo -n)
fi
command -v apt-get >/dev/null 2>&1 || { log "error: no apt-get; install ${need[*]} by hand"; exit 1; }

log "installing ${need[*]} (apt-get update first)..."
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq </dev/null
"${SUDO[@]}" apt-get install -y -qq "${need[@]}" </dev/null >/dev/null
command -v chromium >/dev/null 2>&1 || { log "error: chromium still not on PATH"; exit 1; }
log "installed: $(chromium --version 2>/dev/null | head -n 1)"
