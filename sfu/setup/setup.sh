#!/usr/bin/env bash
# One idempotent setup for a fresh Debian 12 machine, run by `npm start` and
# `npm test` (and `npm run setup`): Debian packages, npm dependencies, the
# offline mediasoup worker build. A second run only checks, in a few seconds.
#   --test   also the packages the test suite needs (Chromium, PDF tools)
set -euo pipefail
cd "$(dirname "$0")/../.."

# Runtime: Redis (embedded default), ffmpeg (recording), CJK fonts (PDFs),
# plus the shared libraries the mediasoup worker links and its build tools.
PKGS=(redis-server ffmpeg fonts-noto-cjk
  meson ninja-build g++ pkg-config flatbuffers-compiler libflatbuffers-dev
  libuv1-dev libssl-dev libabsl-dev libsrtp2-dev libusrsctp-dev nlohmann-json3-dev)
if [ "${1:-}" = "--test" ]; then
  PKGS+=(chromium poppler-utils)
fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[setup] apt: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm dependencies, re-installed when the lock file changes. The worker's own
# postinstall (download a prebuilt binary, else build with PyPI's meson) cannot
# work offline; MEDIASOUP_WORKER_BIN=skip makes it step aside on npm 10, and
# npm 11 skips it anyway (allowScripts). Inline, not exported: at run time
# mediasoup would try to start a program called "skip".
stamp=node_modules/.xiaowu-lock-sha256
want="$(sha256sum package-lock.json | cut -c1-64)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] npm ci"
  MEDIASOUP_WORKER_BIN=skip npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# The mediasoup worker. One we built carries a stamp beside it and is
# re-installed from the cache (seconds) so a changed build script takes effect;
# one without a stamp (a prebuilt binary npm 10 downloaded on a connected
# machine) is kept as long as it runs here.
worker=node_modules/mediasoup/worker/out/Release/mediasoup-worker
if [ -x "$worker" ] && [ ! -f "$worker.build-key" ] && ! ldd "$worker" 2>/dev/null | grep -q 'not found'; then
  echo "[setup] prebuilt mediasoup-worker present"
else
  bash sfu/setup/build-mediasoup-worker.sh
fi
