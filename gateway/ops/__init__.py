"""Operator tooling that reads the gateway's data: the `onestop` command (cli) and what it and the
gateway's /metrics know about queues, SLA breaches and outboxes (status). It lives with the gateway
because it needs the gateway's store and accounts; kit stays free of gateway knowledge."""
