"""HTTP API v1 (FastAPI): routes only translate HTTP to the service layer in `gateway/*.py`."""
