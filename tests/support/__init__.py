"""Shared helpers for the fault, load and security tests: a private RabbitMQ node (rabbit), a whole
running system with HTTP helpers (live), an event recorder and replayer (events), database counts and
snapshots (audit)."""
