"""Registering authorities (登记机关) as data: who registers a company, and the division code its USCC carries.

股份有限公司 go to the city-level authority (《市场主体登记管理条例实施细则》 art. 4); limited companies to the
district's, or to a development zone's own authority when the domicile lies in the zone. GB 32100-2015 puts the
registering authority's division code in positions 3-8 of the USCC. The data file says what is assumed.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict

JOINT_STOCK = "joint_stock"


class Authority(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    level: str  # city | district | development_zone
    division_code: str  # USCC positions 3-8
    districts: tuple[str, ...] = ()
    zone: str | None = None


@cache
def authorities() -> dict[str, Authority]:
    raw = resources.files("contracts.data").joinpath("authorities_wuhan.json").read_text("utf-8")
    return {row["id"]: Authority.model_validate(row) for row in json.loads(raw)["authorities"]}


def zones() -> dict[str, Authority]:
    """Development zones with their own authority, by id (donghu, jingkai, linkonggang)."""
    return {a.id: a for a in authorities().values() if a.level == "development_zone"}


def zone_covers(zone_id: str, district_code: str) -> bool:
    zone = zones().get(zone_id)
    return zone is not None and district_code in zone.districts


def city_authority() -> Authority:
    return next(a for a in authorities().values() if a.level == "city")


def registering_authority(company_type: str, district_code: str, zone_id: str | None = None) -> Authority:
    """The authority that registers a company of this type at this domicile."""
    if company_type == JOINT_STOCK:
        return city_authority()
    if zone_id and zone_covers(zone_id, district_code):
        return zones()[zone_id]
    return authorities()[district_code]
