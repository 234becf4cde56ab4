#!/usr/bin/env bash
# wait-port.sh HOST PORT SECONDS: wait until a TCP port accepts connections.
host=$1; port=$2; limit=${3:-60}
for _ in $(seq $((limit * 5))); do
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null && exit 0
  sleep 0.2
done
echo "timed out waiting for $host:$port" >&2
exit 1
