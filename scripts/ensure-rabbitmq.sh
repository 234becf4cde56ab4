#!/usr/bin/env bash
# Make sure RabbitMQ (Debian's package) runs with the management plugin and accepts AMQP on 5672.
set -euo pipefail
here=$(dirname "$0")
if (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  "$here/wait-port.sh" 127.0.0.1 15672 60
  exit 0
fi
"$here/ensure-apt.sh" rabbitmq-server:/usr/sbin/rabbitmq-server
# The package's own start (systemd) does not run here; start it detached as root.
rabbitmq-plugins --offline enable rabbitmq_management >/dev/null
echo "starting rabbitmq-server"
rabbitmq-server -detached
"$here/wait-port.sh" 127.0.0.1 5672 120
"$here/wait-port.sh" 127.0.0.1 15672 120
# Port open is not the same as ready: wait until the node answers.
for _ in $(seq 60); do
  rabbitmq-diagnostics -q check_running >/dev/null 2>&1 && exit 0
  sleep 1
done
echo "rabbitmq did not become ready" >&2
exit 1
