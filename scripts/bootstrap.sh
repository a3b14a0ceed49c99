#!/bin/sh
# Create the project's virtual environment in .venv and install capcheck into it.
# Works on a fresh Debian machine that has Python 3.11: if the venv module is missing
# (Debian ships it separately), it is installed with apt-get when we are root; so is
# Graphviz (`dot`), which draws the PNG sequence diagrams.
set -eu
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "capcheck needs Python 3.11 or newer as '$PY' (set PYTHON=... to choose another)" >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    if ! "$PY" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
            "$PY" -m venv .venv
        else
            echo "python3 -m venv failed: install the venv module (Debian: apt-get install python3-venv)" >&2
            exit 2
        fi
    fi
fi
# Graphviz's `dot` draws the PNG sequence diagrams (capcheck draws the SVG itself); the
# tests that need it are skipped without it, so installing it is best effort.
if ! command -v dot >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    { apt-get update -qq && apt-get install -y -qq graphviz >/dev/null; } \
        || echo "could not install Graphviz (apt-get install graphviz); diagram tests will be skipped" >&2
fi
stamp=.venv/.capcheck-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -e '.[test,lint]'
    touch "$stamp"
fi
