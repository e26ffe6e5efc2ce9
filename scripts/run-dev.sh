#!/usr/bin/env bash
# Serve the app at http://127.0.0.1:$PORT (default 8000) with a Celery worker and the beat schedule
# running beside it. Without CELERY_BROKER_URL the broker is kombu's filesystem
# transport under $VAR_DIR/celery: no Redis needed. Ctrl-C stops everything.
# To watch the schedule fire without waiting for 06:30: SWEEP_EVERY_SECONDS=30 make run,
# then look at $VAR_DIR/log/celery.log.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
VAR_DIR="${VAR_DIR:-var}"
PORT="${PORT:-8000}"
case "$PORT" in
  ''|*[!0-9]*) echo "run: PORT must be a number, not '$PORT'" >&2; exit 2 ;;
esac
mkdir -p "$VAR_DIR/log"
"$VENV/bin/celery" -A fuhua worker --beat --concurrency 1 --loglevel INFO \
  --schedule "$VAR_DIR/celerybeat-schedule" >"$VAR_DIR/log/celery.log" 2>&1 &
celery_pid=$!
trap 'kill $celery_pid 2>/dev/null; wait $celery_pid 2>/dev/null' EXIT INT TERM
echo "run: Celery worker + beat running (pid $celery_pid, log $VAR_DIR/log/celery.log)"
echo "run: serving http://127.0.0.1:$PORT  (demo accounts: see README.md; another port: make run PORT=8080)"
"$VENV/bin/python" manage.py runserver "127.0.0.1:$PORT" --noreload "$@"
