#!/usr/bin/env bash
# What `npm test` needs from the system besides Node and npm. Each word is a command that must be on
# PATH and the Debian package that provides it (add a word, e.g. chromium, to need one more). Missing
# ones are installed with apt-get when this runs as root on Debian/Ubuntu; otherwise it fails and says
# exactly what to install. With everything present it only looks them up, so `pretest` stays instant.
set -euo pipefail

PACKAGES=(redis-server chromium)

missing=()
for package in "${PACKAGES[@]}"; do
  command -v "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing ${missing[*]} for the tests (apt-get)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  still=()
  for package in "${missing[@]}"; do
    command -v "$package" >/dev/null 2>&1 || still+=("$package")
  done
  [ "${#still[@]}" -eq 0 ] && exit 0
  echo "error: apt-get installed ${missing[*]} but ${still[*]} is still not on PATH" >&2
  exit 1
fi

echo "error: npm test needs these commands on PATH: ${missing[*]}" >&2
echo "  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
echo "  (run as root, npm test installs them itself; elsewhere, install the package that provides each)" >&2
exit 1
