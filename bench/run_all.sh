#!/usr/bin/env bash
# Run every benchmark in order with the bench virtualenv (create it first with bench/setup.sh).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
PY="$BENCH_DIR/.venv/bin/python"
BENCHES=(cold_start.py per_call.py scale.py cli.py service.py store_import.py write_race.py)

if [[ ! -x "$PY" ]]; then
    echo "no bench virtualenv: run bench/setup.sh first" >&2
    exit 1
fi

for bench in "${BENCHES[@]}"; do
    echo "== $bench"
    "$PY" "$BENCH_DIR/$bench"
    echo
done
