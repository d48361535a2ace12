#!/usr/bin/env bash
# Installs the Debian packages listed in scripts/apt-packages.txt that are missing.
# A line "pkg cmd=NAME" is also satisfied when the command NAME is already on
# PATH (e.g. Node.js/npm installed another way). Idempotent; quick when nothing
# is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
while read -r pkg rest; do
  [[ -z "$pkg" ]] && continue
  if [[ "$rest" == cmd=* ]] && command -v "${rest#cmd=}" >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < <(sed -e 's/#.*//' -e '/^\s*$/d' scripts/apt-packages.txt)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
