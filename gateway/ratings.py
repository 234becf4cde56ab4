"""好差评: the founder rates each bureau's step once it is finished (DOMAIN.md §12).

One rating per (application, bureau), 1-5 with an optional comment, editable for 7 days after it was
first given. A rating of 2 or less needs a "what went wrong" choice and a text: it is routed to that
bureau (its clerks and the operators see it at GET /api/v1/bureaus/{bureau}/ratings) and counted in
the public statistics. Bureau staff see the application and company, never the founder's identity.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError

from contracts import clock
from contracts.rpc import BUREAUS, Conflict, FieldError, Forbidden, Invalid, NotFound
from gateway.auth import Principal
from gateway.store import GatewayStore

EDIT_DAYS = 7
LOW = 2
FINISHED = ("done", "rejected")
PROBLEMS = {
    "slow": "办理太慢、超过承诺时限",
    "unclear": "要求不清楚、反复补正",
    "visit": "被要求到现场或提交纸质材料",
    "wrong": "办理结果有误",
    "attitude": "工作人员态度或沟通问题",
    "system": "系统故障、页面难用",
    "other": "其他",
}
Category = Literal["slow", "unclear", "visit", "wrong", "attitude", "system", "other"]


class Problem(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    category: Category
    text: str = Field(min_length=2, max_length=1000)


class RatingIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=1000)
    problem: Problem | None = None


def rating_view(row: dict[str, Any], staff: bool = False) -> dict[str, Any]:
    view = {k: row.get(k) for k in ("application_id", "bureau", "score", "comment", "problem")}
    view.update(created_at=_utc(row["created_at"]), updated_at=_utc(row["updated_at"]),
                editable_until=_utc(row["created_at"]) + timedelta(days=EDIT_DAYS), routed=row["score"] <= LOW)
    if view["problem"]:
        view["problem"] = {**view["problem"], "label": PROBLEMS[view["problem"]["category"]]}
    if staff:
        view["company_name"] = row.get("company_name")
    return view


class RatingService:
    def __init__(self, store: GatewayStore):
        self.store = store

    def rate(self, who: Principal, app_id: str, bureau: str, body: RatingIn,
             now: datetime | None = None) -> tuple[dict, bool]:
        """(view, created?)"""
        now = now or clock.now()
        doc = self.store.application(app_id)
        if doc is None or doc["founder_id"] != who.id or who.role != "founder":
            raise NotFound("没有找到这份申请")
        step = (doc.get("steps") or {}).get(bureau)
        if bureau not in BUREAUS or step is None:
            raise NotFound("没有这个办理事项")
        if step["state"] not in FINISHED:
            raise Conflict("该事项办结后才能评价")
        if body.score <= LOW and body.problem is None:
            raise Invalid.with_fields("差评请选择问题类型并说明情况", [
                FieldError(field="problem.category", message="请选择遇到的问题"),
                FieldError(field="problem.text", message="请简要说明情况")])
        fields = {"score": body.score, "comment": body.comment or None,
                  "problem": body.problem.model_dump() if body.problem else None, "updated_at": now}
        key = f"{app_id}:{bureau}"
        existing = self.store.ratings.find_one({"_id": key})
        if existing is None:
            row = {"_id": key, "application_id": app_id, "founder_id": who.id, "bureau": bureau,
                   "company_name": doc.get("company_name"), "submitted_at": doc["submitted_at"],
                   "step_finished_at": step.get("finished_at"), "created_at": now, **fields}
            try:
                self.store.ratings.insert_one(row)
                return rating_view(row), True
            except DuplicateKeyError:  # a concurrent first rating: this one becomes the edit
                existing = self.store.ratings.find_one({"_id": key})
        if now > _utc(existing["created_at"]) + timedelta(days=EDIT_DAYS):
            raise Conflict(f"评价提交{EDIT_DAYS}天后不能再修改")
        self.store.ratings.update_one({"_id": key}, {"$set": fields})
        return rating_view({**existing, **fields}), False

    def for_application(self, who: Principal, app_id: str) -> list[dict]:
        doc = self.store.application(app_id)
        if doc is None or doc["founder_id"] != who.id:
            raise NotFound("没有找到这份申请")
        return [rating_view(r) for r in self.store.ratings.find({"application_id": app_id}).sort("bureau", 1)]

    def for_bureau(self, who: Principal, bureau: str, max_score: int = 5, limit: int = 200) -> list[dict]:
        if bureau not in BUREAUS:
            raise NotFound("没有这个部门")
        if not (who.is_operator or who.is_clerk_of(bureau)):
            raise Forbidden("只有本部门工作人员和运营人员可以查看")
        rows = self.store.ratings.find({"bureau": bureau, "score": {"$lte": max_score}})
        return [rating_view(r, staff=True) for r in rows.sort("updated_at", -1).limit(limit)]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
