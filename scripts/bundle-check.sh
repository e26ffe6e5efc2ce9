#!/usr/bin/env bash
# `make test-bundle` (part of `make test`): build the bundle, then install it into a fresh
# directory inside a network namespace with no network at all (`unshare -n`: only a
# loopback, no route out), migrate, check and serve /healthz there, with the production
# profile (DEBUG=0); then upgrade it in place (the backup comes first). The host's Debian packages are left alone (INSTALL_DEBS=0: install.sh
# names those it would install). Prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
out="$(mktemp -d "${TMPDIR:-/tmp}/fuhua-bundle-check.XXXXXX")"
trap 'rm -rf "$out"' EXIT

BUNDLE_DIR="$out/dist" bash scripts/bundle.sh
archive="$(ls "$out"/dist/fuhua-bundle-*.tar.gz)"
built=$((SECONDS - start))
tar -C "$out" -xzf "$archive"
bundle="$(ls -d "$out"/fuhua-bundle-*/)"

if unshare -n true 2>/dev/null; then
  netns=(unshare -n)
elif unshare -rn true 2>/dev/null; then
  netns=(unshare -rn)  # not root: a user namespace maps us to root inside
else
  echo "bundle-check: ERROR: cannot create a network namespace (unshare -n); run as root" >&2
  exit 1
fi

port=18765
# Inside: no network but the loopback (brought up to serve /healthz on it). The check that
# the namespace really is offline is part of the run: reaching any outside address fails.
"${netns[@]}" env -i PATH="$PATH" HOME="$out" DATABASE_URL="sqlite:///$out/app/var/fuhua.sqlite3" \
  INSTALL_DEBS=0 DEBUG=0 SECRET_KEY=bundle-check-only SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1 \
  BUNDLE="$bundle" APP="$out/app" PORT="$port" bash -euo pipefail -c '
  ip link set lo up
  if python3 -c "import socket; socket.create_connection((\"151.101.0.223\", 443), timeout=3)" 2>/dev/null; then
    echo "bundle-check: ERROR: the namespace reaches the network" >&2; exit 1
  fi
  "$BUNDLE/install.sh" "$APP"
  echo "bundle-check: installed, migrated and checked offline in ${SECONDS}s"
  cd "$APP"
  .venv/bin/gunicorn fuhua.wsgi:application --bind "127.0.0.1:$PORT" --workers 1 --log-level warning &
  server=$!
  for _ in $(seq 1 100); do
    if answer="$(.venv/bin/python -c "import urllib.request as u; print(u.urlopen(\"http://127.0.0.1:$PORT/healthz\", timeout=2).read().decode())" 2>/dev/null)"; then
      break
    fi
    sleep 0.2
  done
  kill "$server"
  echo "bundle-check: /healthz answered: ${answer:-nothing}"
  [ -n "${answer:-}" ]
  # The upgrade path: the same command on the installed directory takes a backup first.
  "$BUNDLE/install.sh" "$APP"
  ls "$APP"/var/backups/fuhua-backup-*.tar.gz >/dev/null
  echo "bundle-check: upgrade with its backup first: done, ${SECONDS}s in all"
'
echo "bundle-check: passed (build ${built}s, total $((SECONDS - start))s, bundle $(du -h "$archive" | cut -f1))"
