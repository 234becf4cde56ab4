#!/usr/bin/env bash
# Start the embedded MongoDB-compatible server (SecantusDB, its own virtualenv, data under var/db)
# unless MONGO_URI points at a real MongoDB elsewhere.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
uri=${MONGO_URI:-mongodb://127.0.0.1:27017}
case "$uri" in
  mongodb://127.0.0.1:27017*|mongodb://localhost:27017*) ;;
  *) echo "MONGO_URI is set to an external MongoDB; not starting the embedded one"; exit 0 ;;
esac
if (exec 3<>/dev/tcp/127.0.0.1/27017) 2>/dev/null; then exit 0; fi
if [ ! -x "$root/.venv-db/bin/secantusd-py" ]; then
  echo "installing the embedded database (secantusdb) into .venv-db"
  python3 -m venv "$root/.venv-db"
  "$root/.venv-db/bin/pip" install -q "secantusdb==0.7.0b3"
fi
mkdir -p "$root/var/db" "$root/var/log"
echo "starting the embedded database on 127.0.0.1:27017 (data in var/db)"
nohup "$root/.venv-db/bin/secantusd-py" --host 127.0.0.1 --port 27017 --storage-path "$root/var/db" \
  >>"$root/var/log/db.log" 2>&1 &
echo $! >"$root/var/db.pid"
"$here/wait-port.sh" 127.0.0.1 27017 120
