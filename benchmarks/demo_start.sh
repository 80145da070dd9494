#!/usr/bin/env bash
# Benchmark: from a clean clone to the first served page, as a new user would do it:
#   git clone, python3 -m venv, pip install -e . (no pip cache), snigi demo, first HTTP 200.
# Usage: bash benchmarks/demo_start.sh [--people N] [--port P]
set -euo pipefail
PEOPLE=50000
PORT=8765
while [ $# -gt 0 ]; do
  case "$1" in
    --people) PEOPLE=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    *) echo "usage: $0 [--people N] [--port P]" >&2; exit 2 ;;
  esac
done
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/snigi-start.XXXXXX)
cleanup() { [ -n "${SERVER:-}" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
now() { date +%s.%N; }

t0=$(now)
git clone -q "$REPO" "$WORK/snigi"
cd "$WORK/snigi"
python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --no-cache-dir -q -e . >"$WORK/pip.log" 2>&1
t1=$(now)
"$WORK/venv/bin/snigi" demo --people "$PEOPLE" --port "$PORT" >"$WORK/demo.log" 2>&1 &
SERVER=$!
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/"; do
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/demo.log" >&2; exit 1; }
  sleep 0.2
done
t2=$(now)
install=$(echo "$t1 - $t0" | bc)
demo=$(echo "$t2 - $t1" | bc)
total=$(echo "$t2 - $t0" | bc)
printf '{"benchmark": "demo_start", "people": %s, "clone_and_install_seconds": %.1f, "demo_to_first_page_seconds": %.1f, "total_seconds": %.1f}\n' \
  "$PEOPLE" "$install" "$demo" "$total"
printf 'demo_start: clean clone to first served page in %.1f s (install %.1f s, snigi demo %.1f s, %s people)\n' \
  "$total" "$install" "$demo" "$PEOPLE"
