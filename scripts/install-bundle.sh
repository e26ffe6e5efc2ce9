#!/usr/bin/env bash
# install.sh of a `make bundle` archive: installs or upgrades the app in DIR with no network.
#   sudo ./install.sh /srv/fuhua      (run from the unpacked bundle)
# A fresh DIR: the missing Debian packages (dpkg, from debs/), the app, a virtualenv with the
# bundled wheels, migrate, collectstatic, check. A DIR that holds an installed app is
# upgraded: first a backup with the installed version (manage.py backup, into DIR/var/backups
# or BACKUP_DIR), then the same steps; files the new version no longer has are removed,
# DIR/.env, DIR/var and the evidence files are kept. Restart the services afterwards.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:?usage: install.sh DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
say() { echo "install: $*"; }

say "checking the bundle's files"
(cd "$here" && sha256sum --quiet -c SHA256SUMS) || { echo "install: ERROR: the bundle is damaged" >&2; exit 1; }

# Debian packages: only those not installed yet (the bundle carries the dependency closure).
need=()
for deb in "$here"/debs/*.deb; do
  [ -e "$deb" ] || continue
  pkg="$(dpkg-deb -f "$deb" Package)"
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$deb")
done
if [ ${#need[@]} -gt 0 ] && [ "${INSTALL_DEBS:-1}" = 0 ]; then
  # The bundle's own check (scripts/bundle-check.sh) leaves the host's packages alone.
  say "INSTALL_DEBS=0: not installing ${#need[@]} Debian packages: $(basename -a "${need[@]}" | tr '\n' ' ')"
elif [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { echo "install: ERROR: ${#need[@]} Debian packages to install; run as root" >&2; exit 1; }
  say "installing ${#need[@]} Debian packages"
  DEBIAN_FRONTEND=noninteractive dpkg -i "${need[@]}" >/dev/null
fi

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
wheel_tag="$(basename "$(ls "$here"/wheels/cffi-*.whl 2>/dev/null | head -1)" | cut -d- -f3)"
py_tag="$("$PYTHON" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')"
if [ -n "$wheel_tag" ] && [ "$wheel_tag" != "$py_tag" ]; then
  echo "install: ERROR: the bundle's wheels are for $wheel_tag, $PYTHON is $py_tag" >&2
  exit 1
fi

upgrade=0
if [ -f "$dir/manage.py" ] && [ -x "$dir/.venv/bin/python" ]; then
  upgrade=1
  say "upgrading $(cat "$dir/.bundle-version" 2>/dev/null || echo 'an installed version') to $(cat "$here/VERSION")"
  say "backup first (make backup)"
  (cd "$dir" && .venv/bin/python manage.py backup ${BACKUP_DIR:+--dir "$BACKUP_DIR"})
fi

say "app files into $dir"
(cd "$here/app" && find . -type f | sort) > "$dir/.bundle-files.new"
if [ -f "$dir/.bundle-files" ]; then
  comm -23 "$dir/.bundle-files" "$dir/.bundle-files.new" | (cd "$dir" && xargs -r -d '\n' rm -f --)
fi
cp -a "$here/app/." "$dir/"
mv "$dir/.bundle-files.new" "$dir/.bundle-files"
cp "$here/VERSION" "$dir/.bundle-version"

if [ ! -x "$dir/.venv/bin/python" ]; then
  say "virtualenv with $PYTHON"
  "$PYTHON" -m venv "$dir/.venv"
fi
say "Python packages from the bundled wheels"
"$dir/.venv/bin/pip" install -q --disable-pip-version-check --no-index --find-links "$here/wheels" \
  -r "$dir/requirements.txt"

cd "$dir"
mkdir -p var/celery/queue var/celery/processed var/private
say "migrate, collectstatic, check"
.venv/bin/python manage.py migrate --no-input -v0
.venv/bin/python manage.py collectstatic --no-input -v0
.venv/bin/python manage.py check
if [ "$upgrade" = 1 ]; then
  say "done; now restart the web (gunicorn), worker and beat services"
else
  say "done; serve with: cd $dir && .venv/bin/gunicorn fuhua.wsgi:application --bind 127.0.0.1:8000"
fi
