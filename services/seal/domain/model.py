"""The seal set: the aggregate stored one per application, its seals and its clerk steps, and the
fixed vocabulary (media, statuses, steps and their deadlines)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.bureaus import TARGET_DAYS
from contracts.form import SealKind
from contracts.rpc import NotFound
from kit import clerk as queue

BUREAU = "seal"

# The manifest's target (国办发〔2018〕32号: the seal step takes at most 1 working day); we allow one
# more for post or pickup.
MAKE_AND_FILE_WORKING_DAYS = TARGET_DAYS[BUREAU]
DELIVERY_WORKING_DAYS = MAKE_AND_FILE_WORKING_DAYS + 1

Medium = Literal["electronic", "physical"]
MEDIA: tuple[Medium, ...] = ("electronic", "physical")
MEDIUM_LABELS = {"electronic": "电子印章", "physical": "实物印章"}
STATUS_LABELS = {
    "ordered": "待刻制",
    "engraved": "已刻制，待备案",
    "filed": "已备案",
    "dispatched": "已备案，已寄出",
    "ready_for_pickup": "已备案，待领取",
    "delivered": "已备案，已交付",
    "rejected": "未通过",
    "void": "已作废",
}
# Why a seal stopped being valid (kept on the seal, shown by every lookup with the date).
VOID_NAME_CHANGED = "企业名称变更，原印章作废"
VOID_DEREGISTERED = "企业已注销，印章作废"
# Why an electronic seal's certificate is revoked (the CRL's records; the seal's own reason is above)
CERTIFICATE_DEREGISTERED = "企业已注销"
FILED_STATUSES = frozenset({"filed", "dispatched", "ready_for_pickup", "delivered"})

# Which step a physical order is in, what a clerk may do there, and what it is waiting for.
STEP_ACTIONS: dict[str, list[str]] = {
    "engraving": ["mark_engraved", "reject"],
    "police_filing": ["file_with_police", "reject"],
    "dispatch": ["dispatch", "reject"],
    "delivery": ["mark_delivered"],
}
STEP_DEADLINE_DAYS = {
    "engraving": MAKE_AND_FILE_WORKING_DAYS,
    "police_filing": MAKE_AND_FILE_WORKING_DAYS,
    "dispatch": DELIVERY_WORKING_DAYS,
    "delivery": DELIVERY_WORKING_DAYS,
}

# 印章制作单位: who made a seal, as every filing records. Physical seals: the PSB-filed engraver the clerk
# names when marking them engraved; electronic seals: the seal bureau's own maker (its issuing CA).
ELECTRONIC_MAKER = "武汉市公安局电子印章制作中心"
ENGRAVER_LENGTH = (2, 60)

TRACKING_NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{8,32}$")


class SealRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    kind: SealKind
    medium: Medium
    status: str
    created_at: datetime
    engraved_at: datetime | None = None
    filed_at: datetime | None = None
    dispatched_at: datetime | None = None
    delivered_at: datetime | None = None
    engraver: str | None = None  # 印章制作单位
    # a void seal (名称变更 or 注销): since when, why, and the company name it bears (the set's may be newer)
    voided_at: datetime | None = None
    void_reason: str | None = None
    bears_name: str | None = None
    replaced_in: int | None = None  # the licence version whose new name replaced it

    @property
    def filed(self) -> bool:
        return self.status in FILED_STATUSES

    @property
    def void(self) -> bool:
        return self.status == "void"



class StepTask(queue.StoredTask):
    """One physical-order step in the staff queue, stored inside its seal set (kit.clerk's task fields)."""


class SealSet(BaseModel):
    """Every seal of one application: the aggregate the store writes in one document."""

    model_config = ConfigDict(extra="forbid")
    application_id: str
    uscc: str
    company_name: str
    legal_representative: str  # the name engraved on the name seal; never the resident ID
    district_code: str
    licence_issued_at: datetime
    delivery: Literal["post", "pickup"]
    postal_address: str | None = None
    tracking_number: str | None = None
    created_at: datetime
    seals: list[SealRecord]
    tasks: list[StepTask] = Field(default_factory=list)
    licence_version: int | None = None  # the licence version the seals were last renewed for (名称变更)

    def live(self) -> list[SealRecord]:
        """The seals not voided: what the clerk steps and the filing act on."""
        return [s for s in self.seals if not s.void]

    def physical(self) -> list[SealRecord]:
        return [s for s in self.live() if s.medium == "physical"]

    def task(self, task_id: str) -> StepTask:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise NotFound(f"没有这项印章任务：{task_id}")

    def all_filed(self) -> bool:
        return all(s.filed for s in self.live())
