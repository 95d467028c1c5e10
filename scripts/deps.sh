#!/usr/bin/env bash
# Installs what glued needs to build (and with --test, to test) from Debian's packages, and with --test the JS
# test client from npm. Idempotent: does nothing when everything is present. Runs as root (CI and the dev
# machines are root); uses sudo otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(build-essential pkg-config clang libmicrohttpd-dev libjansson-dev libsqlite3-dev libuv1-dev libssl-dev
      libpq-dev check wrk sqlite3 curl zlib1g-dev libcurl4-openssl-dev)
# the test suites also run every API and engine test against a throwaway PostgreSQL server, and the console's
# browser tests drive Debian's Chromium (never a downloaded browser)
[ "${1:-}" = --test ] && pkgs+=(postgresql chromium fonts-dejavu-core)
# the pytest example (examples/pytest) and the unit file check (systemd-analyze, from systemd)
[ "${1:-}" = --test ] && pkgs+=(python3-pytest systemd)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# the JS SDK and browser tests, and the Parquet fixtures' writer, come from npm; glued itself needs no Node
[ "${1:-}" = --test ] && ! command -v npm >/dev/null && missing_node=1
if [ "${missing_node:-0}" = 1 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
python3 -c 'import boto3, botocore' 2>/dev/null || {
  echo "deps: boto3 missing; installing Debian's python3-boto3"; 
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-boto3 awscli >/dev/null; }
if [ "${1:-}" = --test ] && [ -f tests/js/package-lock.json ] && [ ! -d tests/js/node_modules/@aws-sdk/client-glue ]; then
  (cd tests/js && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "${1:-}" = --test ] && [ -f tests/browser/package-lock.json ] && [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
if [ "${1:-}" = --test ] && [ -f tests/parquet/package-lock.json ] && [ ! -d tests/parquet/node_modules/hyparquet-writer ]; then
  (cd tests/parquet && npm ci --no-audit --no-fund --loglevel=error)
fi
