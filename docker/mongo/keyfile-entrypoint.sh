#!/usr/bin/env bash
# Entry point of the `mongo` compose service: a replica set with authentication needs a key file for
# internal authentication, even with one member. Create it once in the config volume (random, owned
# by the image's mongodb user, mode 400), then hand over to the official image's entry point, which
# creates the root user on first start and runs mongod with the arguments given.
set -euo pipefail
KEYFILE=/data/configdb/keyfile
if [ ! -s "$KEYFILE" ]; then
    umask 077
    head -c 756 /dev/urandom | base64 -w 0 > "$KEYFILE"
fi
chown mongodb:mongodb "$KEYFILE"
chmod 400 "$KEYFILE"
exec docker-entrypoint.sh "$@"
