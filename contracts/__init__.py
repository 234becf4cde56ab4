"""The shared language of OneStop: models, value types and typed errors. No I/O here."""
