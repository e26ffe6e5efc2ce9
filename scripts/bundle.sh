#!/usr/bin/env bash
# `make bundle`: one archive with everything an offline server needs beyond the operating
# system — the app, the wheels of requirements.txt for this machine's Python and
# architecture, the vendored static files and fonts (in the app's tree), and the Debian
# packages the set-up installs with their dependencies — plus install.sh.
#   scripts/bundle.sh                 -> var/bundle/fuhua-bundle-<version>-cp311-x86_64.tar.gz
#   BUNDLE_DIR=… BUNDLE_DEBS=0 …      elsewhere / without the Debian packages
# Build it on the same Debian release, Python minor version and architecture as the target.
# Downloads (wheels, .deb files) are kept in var/bundle-cache/, so a second build is offline.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
OUT="${BUNDLE_DIR:-var/bundle}"
CACHE="${BUNDLE_CACHE:-var/bundle-cache}"
WITH_DEBS="${BUNDLE_DEBS:-1}"

version="$(git describe --always --dirty 2>/dev/null || date +%Y%m%d%H%M)"
tag="$("$PY" -c 'import sys, platform; print(f"cp{sys.version_info[0]}{sys.version_info[1]}-{platform.machine()}")')"
name="fuhua-bundle-$version-$tag"
stage="$OUT/build/$name"
rm -rf "$OUT/build"
mkdir -p "$stage/app" "$stage/wheels" "$stage/debs" "$CACHE/wheels" "$CACHE/debs"

echo "bundle: the app (tracked and new files of the working tree)"
git ls-files -z --cached --others --exclude-standard \
  | tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C "$stage/app"

echo "bundle: wheels for $tag"
pip_wheel=("$PY" -m pip wheel -q --disable-pip-version-check -r requirements.txt)
if ! "${pip_wheel[@]}" --no-index --find-links "$CACHE/wheels" -w "$stage/wheels" 2>/dev/null; then
  "${pip_wheel[@]}" -w "$CACHE/wheels"  # the first build: from the package index, into the cache
  "${pip_wheel[@]}" --no-index --find-links "$CACHE/wheels" -w "$stage/wheels"
fi

if [ "$WITH_DEBS" = 1 ]; then
  mapfile -t pkgs < <(grep -v -e "^#" -e "^$" scripts/debian-runtime-packages.txt)
  pkgs+=(python3-venv)  # `python3 -m venv` on Debian's own Python
  # Their dependency closure as apt would choose it, minus what every system has; the
  # answer is kept for the same package list and the same apt indexes.
  key="$(printf '%s\n' "${pkgs[@]}" | cat - /var/lib/apt/lists/*InRelease 2>/dev/null | sha256sum | cut -c1-16)"
  closure="$CACHE/debs/closure-$key.txt"
  [ -s "$closure" ] || python3 scripts/deb_closure.py "${pkgs[@]}" > "$closure"
  mapfile -t wanted < "$closure"
  echo "bundle: ${#wanted[@]} Debian packages"
  missing=()
  for p in "${wanted[@]}"; do
    compgen -G "$CACHE/debs/${p}_*.deb" >/dev/null || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    (cd "$CACHE/debs" && apt-get download -q "${missing[@]}" 2>&1 | grep -v -e '^Get:' -e unsandboxed || true)
  fi
  for p in "${wanted[@]}"; do
    cp "$(compgen -G "$CACHE/debs/${p}_*.deb" | sort -V | tail -1)" "$stage/debs/"
  done
fi

cp scripts/install-bundle.sh "$stage/install.sh"
chmod +x "$stage/install.sh"
(cd "$stage" && find app wheels debs -type f -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)
echo "$version" > "$stage/VERSION"
archive="$OUT/$name.tar.gz"
tar -C "$OUT/build" -I 'gzip -1' -cf "$archive" "$name"
rm -rf "$OUT/build"
echo "bundle: $archive ($(du -h "$archive" | cut -f1))"
