#!/bin/sh
# Installs the Debian 12 packages centra-gxo needs, and only those missing.
# Idempotent and quick when everything is present. Called by the Makefile
# before every build, so a fresh machine needs nothing but `make test`.
set -eu

PKGS="build-essential cmake pkg-config curl openssl jq clang-format \
liblua5.4-dev libcurl4-openssl-dev libcjson-dev libuv1-dev libsqlite3-dev \
libhttp-parser-dev libssl-dev libcmocka-dev libseccomp-dev nodejs node-graphql"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done

[ -z "$missing" ] && exit 0

echo "centra-gxo: installing missing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=sudo
  else
    echo "centra-gxo: not root and no sudo; install these packages first:" >&2
    echo "  apt-get install$missing" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
