#!/usr/bin/env bash
# One-shot `mongo-init` compose service: connect as root and run init-replica-set.js (idempotent).
set -euo pipefail
: "${MONGO_INITDB_ROOT_USERNAME:?}" "${MONGO_INITDB_ROOT_PASSWORD:?}"
exec mongosh --host "${MONGO_HOST:-mongo:27017}" --quiet --norc \
    --username "$MONGO_INITDB_ROOT_USERNAME" --password "$MONGO_INITDB_ROOT_PASSWORD" \
    --authenticationDatabase admin --file /opt/onestop/init-replica-set.js
