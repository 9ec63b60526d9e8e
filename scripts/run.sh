#!/usr/bin/env bash
# Start PayGate on the embedded defaults: SQLite, the database task queue with one worker,
# demo data, the development server. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh

export DEBUG="${DEBUG:-true}"
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py migrate --no-input -v 0
$PY manage.py seed_demo

mkdir -p .run
$PY manage.py worker >>.run/worker.log 2>&1 &
worker=$!
# The janitor re-queues work a dead worker left behind; cron would run it in production.
( while sleep 60; do $PY manage.py janitor >>.run/janitor.log 2>&1 || true; done ) &
janitor=$!
trap 'kill $worker $janitor 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  PayGate is starting on  http://$HOST:$PORT/
  API docs                http://$HOST:$PORT/paygate/api/docs/
  Admin                   http://$HOST:$PORT/admin/
  Demo logins are printed above; the task worker logs to .run/worker.log.

MSG
$PY manage.py runserver "$HOST:$PORT"
