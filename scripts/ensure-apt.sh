#!/usr/bin/env bash
# Install Debian packages whose marker file is missing: ensure-apt.sh PACKAGE:PATH [PACKAGE:PATH ...]
# `apt-get update` runs at most once per machine boot-to-boot (stamp under /var/lib/apt/lists).
set -euo pipefail
missing=()
for pair in "$@"; do
  pkg=${pair%%:*}; path=${pair#*:}
  [ -e "$path" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
stamp=/var/lib/apt/lists/.onestop-updated
if [ ! -e "$stamp" ]; then
  apt-get update -qq
  touch "$stamp"
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
