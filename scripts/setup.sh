#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: system packages (with apt, when
# missing), the virtualenv and pinned requirements. A second run does nothing slow.
#   scripts/setup.sh runtime   what `make run` needs
#   scripts/setup.sh dev       plus test tools (Chromium, poppler, LibreOffice, wrk and valgrind for the benchmarks, gettext for the catalogue test)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-runtime}"
VENV="${VENV:-.venv}"

mapfile -t runtime_pkgs < <(grep -v -e "^#" -e "^$" scripts/debian-runtime-packages.txt)
dev_pkgs=(poppler-utils chromium libreoffice-writer-nogui wrk valgrind gettext)
pkgs=("${runtime_pkgs[@]}")
[ "$mode" = dev ] && pkgs+=("${dev_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if command -v apt-get >/dev/null && { [ -z "$SUDO" ] || sudo -n true 2>/dev/null; }; then
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || { echo "setup: ERROR: apt-get could not install: ${missing[*]}" >&2; exit 1; }
  else
    echo "setup: ERROR: missing system packages (${missing[*]}) and no apt-get/sudo to install them." >&2
    echo "setup: install them by hand: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtualenv $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi
req=requirements.txt
[ "$mode" = dev ] && req=requirements-dev.txt
stamp="$VENV/.installed-$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)-$mode"
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python requirements ($req)"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
  touch "$stamp"
fi
mkdir -p var/celery/queue var/celery/processed var/private
