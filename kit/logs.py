"""Structured JSON logs that never contain a resident ID number.

Every record is one JSON line with `application_id` and `event_id` when the code passed them
(`log.info("...", extra={"application_id": ...})`), so one application's path is one grep.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from contracts.codes import mask_resident_ids_in_text

CONTEXT_FIELDS = ("application_id", "event_id", "task_id", "uscc", "bureau", "request_id",
                  "caller", "principal")  # an RPC's validated caller and the gateway's principal (kit/callers.py)


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str = "", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service or record.name.split(".")[0],
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in CONTEXT_FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return mask_resident_ids_in_text(json.dumps(line, ensure_ascii=False, default=str))


def logging_config(service: str, level: str = "INFO") -> dict:
    """A dictConfig for one process (Nameko's LOGGING key or uvicorn's log_config)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kit.logs.JsonFormatter", "service": service}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {"pymongo": {"level": "WARNING"}, "kombu": {"level": "WARNING"},
                    "amqp": {"level": "WARNING"}},
    }
