"""Shared infrastructure for every OneStop process (not a service, holds no business rules):
MongoDB access, the transactional outbox, JSON logging, the process launcher and the operator CLI."""
