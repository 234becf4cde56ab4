"""好差评: founders rate each finished step; the bureau's clerks and operators read theirs."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from gateway.api.deps import GatewayDep, Who
from gateway.ratings import PROBLEMS, RatingIn, RatingService

router = APIRouter(tags=["ratings"])


@router.put("/api/v1/applications/{application_id}/ratings/{bureau}", summary="Rate a finished step (好差评)")
def rate(application_id: str, bureau: str, body: RatingIn, who: Who, gateway: GatewayDep,
         response: Response) -> dict:
    """Once per step (201), editable for 7 days (200). A score of 2 or less needs `problem`
    {category, text}; it is routed to that bureau's staff. Categories: see GET /api/v1/ratings/problems."""
    view, created = RatingService(gateway.store).rate(who, application_id, bureau, body)
    response.status_code = 201 if created else 200
    return view


@router.get("/api/v1/applications/{application_id}/ratings", summary="My ratings of this application")
def my_ratings(application_id: str, who: Who, gateway: GatewayDep) -> list[dict]:
    return RatingService(gateway.store).for_application(who, application_id)


@router.get("/api/v1/ratings/problems", summary="What-went-wrong choices for a low rating")
def problems() -> dict[str, str]:
    return PROBLEMS


@router.get("/api/v1/bureaus/{bureau}/ratings", summary="Ratings of this bureau (its clerks, operators)")
def bureau_ratings(bureau: str, who: Who, gateway: GatewayDep,
                   max_score: int = Query(5, ge=1, le=5, description="2: only the low ratings routed here")
                   ) -> list[dict]:
    return RatingService(gateway.store).for_bureau(who, bureau, max_score)
