#!/usr/bin/env bash
# Create (or refresh) the benchmark virtualenv bench/.venv.
# Installs modelreg from this repo in editable mode plus the comparison
# libraries pinned in bench/requirements.txt. Safe to run repeatedly.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "$0")" && pwd)"
REPO_DIR="$BENCH_DIR/.."
VENV="$BENCH_DIR/.venv"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi

"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e "$REPO_DIR[server,postgres]"
"$VENV/bin/python" -m pip install --quiet -r "$BENCH_DIR/requirements.txt"

echo "bench venv ready: $VENV"
"$VENV/bin/python" -m pip list --format=freeze 2>/dev/null | grep -iE '^(modelreg|litellm|genai-prices)=' || true
