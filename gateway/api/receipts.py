"""The data-sharing receipt: which bureau received which of my data, and when (gateway/receipts.py)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api.deps import GatewayDep, Who
from gateway.receipts import ReceiptService

router = APIRouter(tags=["applications"])


@router.get("/api/v1/applications/{application_id}/data-sharing",
            summary="Which bureau received which of my data, and when (from the events sent)")
def data_sharing(application_id: str, who: Who, gateway: GatewayDep) -> dict:
    return ReceiptService(gateway.store).receipt(who, application_id)
