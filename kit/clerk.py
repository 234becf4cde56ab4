"""One clerk queue for every bureau: the task rules, the claim with expiry, and the five RPCs.

Every bureau's staff queue follows the same rules (docs/interfaces.md "Clerk tasks"):
- a task is `open` until a clerk claims it; a claim lapses CLAIM_MINUTES later, and a claim whose
  expiry is exactly now has lapsed, in the views (`holder`) and in the stores' write conditions
  (`free_for`: `$lte`) alike, so what a clerk sees open they can take;
- acting on a task claims it for the acting clerk; a task held by another clerk is a Conflict with
  one wording (`held_by`); only the holder may release it;
- a task may be sent back to one clerk for a while (`AssignedTask`: a corrected case goes back to the
  clerk who asked for the correction); until that lapses (the same comparison) only they may act on it;
- a clerk is named by a non-empty login of at most 64 characters; a rejection needs reasons;
- a stored task (`StoredTask`) is open / done / rejected / correction_requested; a claim is
  claimed_by + claim_expires_at, never a state (a "claimed" stored before that is read as open);
- the listing states are open / done / all.

Each bureau keeps its own storage (a task may live inside the aggregate it decides on, so the decision
and its event are one write) and supplies a `ClerkQueue`: list, get, claim, release, act, each
returning the `contracts.rpc.Task` view built by `task_view`. `ClerkRpc` is the mixin that turns such a
queue into the five RPCs every bureau answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts import clock
from contracts.calendar import aware, recomputed
from contracts.rpc import CLAIM_MINUTES, Conflict, FieldError, Invalid, NotFound, OneStopError, Task
from kit.queues import rpc  # the queue type (classic or quorum) is kit.queues' to declare

# "claimed" is no longer stored (a claim is claimed_by + claim_expires_at on an open task), but tasks
# stored before that still say it: read as open everywhere (StoredTask, listings, write conditions)
OPEN_STATES = ("open", "claimed")
DONE_STATES = ("done", "rejected", "correction_requested")
LIST_STATES: dict[str, tuple[str, ...] | None] = {"open": OPEN_STATES, "done": DONE_STATES, "all": None}
CLERK_MAX_LENGTH = 64


# ---- checks: the same wording in every bureau -------------------------------------------------


def check_list_state(state: Any) -> tuple[str, ...] | None:
    """The stored states a listing wants (None: all)."""
    if state not in LIST_STATES:
        raise Invalid.with_fields("任务状态应为 open、done 或 all",
                                  [FieldError(field="state", message="可选：open、done、all")])
    return LIST_STATES[state]


def check_clerk(clerk: Any) -> str:
    if not isinstance(clerk, str) or not clerk.strip() or len(clerk.strip()) > CLERK_MAX_LENGTH:
        raise Invalid.with_fields("请注明经办人", [FieldError(
            field="clerk", message=f"经办人账号不能为空，最多{CLERK_MAX_LENGTH}个字符")])
    return clerk.strip()


def check_payload(payload: Any) -> dict[str, Any]:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise Invalid.with_fields("payload 应为对象", [FieldError(field="payload", message="应为键值对象，如 {}")])
    return payload


def check_action(action: Any, allowed: list[str] | tuple[str, ...]) -> str:
    if action not in allowed:
        raise Invalid.with_fields(f"此任务当前不能执行“{action}”，可选：{'、'.join(allowed) or '无'}",
                                  [FieldError(field="action", message="不是可选的操作")])
    return action


def check_reasons(payload: dict[str, Any]) -> list[str]:
    """A refusal (reject, request_correction) names at least one reason; blanks are not reasons."""
    reasons = payload.get("reasons")
    if not isinstance(reasons, list) or not reasons or not all(isinstance(r, str) and r.strip() for r in reasons):
        raise Invalid.with_fields("退回须写明理由", [FieldError(field="payload.reasons", message="请至少填写一条理由")])
    return [r.strip() for r in reasons]


# ---- the claim: one comparison everywhere -----------------------------------------------------


def claim_until(now: datetime) -> datetime:
    return now + timedelta(minutes=CLAIM_MINUTES)


def holder(claimed_by: str | None, expires: datetime | None, now: datetime) -> str | None:
    """Who holds the claim now: a claim is held while its expiry is after now, lapsed from then on."""
    if claimed_by and expires is not None and aware(expires) > now:
        return claimed_by
    return None


def free_for(clerk: str, now: datetime, prefix: str = "") -> dict[str, Any]:
    """The store's write condition for "this clerk may take the task": unclaimed, theirs, or lapsed.
    The same comparison as `holder` (lapsed when expiry <= now)."""
    return {"$or": [{f"{prefix}claimed_by": None}, {f"{prefix}claimed_by": clerk},
                    {f"{prefix}claim_expires_at": {"$lte": now}}]}


def held_for(clerk: str, now: datetime, prefix: str = "") -> dict[str, Any]:
    """The store's write condition for "this clerk holds the claim now" (who may release it): the
    complement of a lapse in `holder`, expiry after now."""
    return {f"{prefix}claimed_by": clerk, f"{prefix}claim_expires_at": {"$gt": now}}


def claim_fields(clerk: str, now: datetime) -> dict[str, Any]:
    """What a claim sets on an open task (claim_stored, and a store's conditional write alike)."""
    return {"state": "open", "claimed_by": clerk, "claim_expires_at": claim_until(now)}


def release_fields() -> dict[str, Any]:
    return {"state": "open", "claimed_by": None, "claim_expires_at": None}


def assigned_free_for(clerk: str, now: datetime, prefix: str = "") -> dict[str, Any]:
    """The store's write condition for "not sent back to another clerk" (AssignedTask), the same
    comparison as `AssignedTask.assignee` (the assignment lapses when its end <= now)."""
    return {"$or": [{f"{prefix}assigned_to": None}, {f"{prefix}assigned_to": clerk},
                    {f"{prefix}assigned_until": {"$lte": now}}]}


def held_by(who: str) -> Conflict:
    return Conflict(f"该任务正由{who}办理")


def closed(state: str) -> Conflict:
    return Conflict(f"该任务已办结（{state}），不能再办理")


def refusal(state: str, current_holder: str | None, clerk: str) -> Conflict:
    """Why a conditional write on a task matched nothing, read back from the task as it is now."""
    if state not in OPEN_STATES:
        return closed(state)
    if current_holder and current_holder != clerk:
        return held_by(current_holder)
    return Conflict("该任务刚被更新，请刷新后重试")


def not_yours() -> Conflict:
    return Conflict("只能放回自己正在办理的事项")


def assigned_away(who: str, until: datetime) -> Conflict:
    return Conflict(f"补正件退回提出补正的{who}办理，{clock.in_china(until):%m-%d %H:%M}后本科室其他人员可以办理")


def history_entry(clerk: str, action: str, payload: dict[str, Any] | None, now: datetime) -> dict[str, Any]:
    return {"at": now, "clerk": clerk, "action": action, "payload": payload or {}}


# ---- a task stored inside its bureau's aggregate ----------------------------------------------


class StoredTask(BaseModel):
    """The fields every stored task has (a bureau adds its `kind`); the deadline fields are
    contracts.calendar.Deadline.fields, recomputed by `task_view`."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: str
    # correction_requested: closed by a clerk's request for a correction (the corrected case gets a new task)
    state: Literal["open", "done", "rejected", "correction_requested"] = "open"
    reason: str
    created_at: datetime
    deadline: date
    deadline_from: date | None = None
    deadline_days: int | None = None
    deadline_provisional: bool = False
    claimed_by: str | None = None
    claim_expires_at: datetime | None = None
    finished_at: datetime | None = None
    history: list[dict[str, Any]] = Field(default_factory=list)

    @field_validator("state", mode="before")
    @classmethod
    def _claimed_is_open(cls, state: Any) -> Any:
        """A task stored while a claim was also a state: the claim itself is in claimed_by/claim_expires_at."""
        return "open" if state == "claimed" else state

    def deadline_fields(self) -> dict[str, Any]:
        """What `task_view` recomputes the deadline from."""
        return {k: getattr(self, k) for k in ("deadline", "deadline_from", "deadline_days", "deadline_provisional")}

    def document(self) -> dict[str, Any]:
        """The task as a MongoDB subdocument written by hand (not through kit.repository): datetimes
        stay datetimes, the deadline's days are ISO dates as contracts.calendar.Deadline.fields has them."""
        doc = self.model_dump()
        for key in ("deadline", "deadline_from"):
            if doc.get(key) is not None:
                doc[key] = doc[key].isoformat()
        return doc


class AssignedTask(StoredTask):
    """A task that may be sent back to one clerk for a while (a corrected case goes back to the clerk
    who asked for the correction); when that lapses, anyone of the team may take it."""

    assigned_to: str | None = None
    assigned_until: datetime | None = None

    def assign_back(self, clerk: str | None, now: datetime, hours: float) -> None:
        if clerk:
            self.assigned_to, self.assigned_until = clerk, now + timedelta(hours=hours)

    def assignee(self, now: datetime) -> str | None:
        """Who alone may act on it now (None: anyone); lapsed when its end <= now, as a claim."""
        return holder(self.assigned_to, self.assigned_until, now)


def actionable(task: StoredTask | None, clerk: str, now: datetime) -> StoredTask:
    """The stored task a clerk may act on now: open, and unclaimed, theirs or lapsed."""
    if task is None:
        raise NotFound("没有待办的任务")
    if task.state != "open":
        raise closed(task.state)
    if isinstance(task, AssignedTask):
        assignee = task.assignee(now)
        if assignee and assignee != clerk:
            raise assigned_away(assignee, task.assigned_until)  # type: ignore[arg-type]
    who = holder(task.claimed_by, task.claim_expires_at, now)
    if who and who != clerk:
        raise held_by(who)
    return task


def claim_stored(task: StoredTask | None, clerk: str, now: datetime) -> StoredTask:
    task = actionable(task, clerk, now)
    for key, value in claim_fields(clerk, now).items():
        setattr(task, key, value)
    task.history.append(history_entry(clerk, "claim", {}, now))
    return task


def release_stored(task: StoredTask | None, clerk: str, now: datetime) -> StoredTask:
    if task is None:
        raise NotFound("没有待办的任务")
    if task.state != "open":
        raise closed(task.state)
    if holder(task.claimed_by, task.claim_expires_at, now) != clerk:
        raise not_yours()
    for key, value in release_fields().items():
        setattr(task, key, value)
    task.history.append(history_entry(clerk, "release", {}, now))
    return task


def finish_stored(task: StoredTask, clerk: str, action: str, state: str, recorded: dict[str, Any],
                  now: datetime) -> StoredTask:
    """A decision taken: the task closed in `state` by `clerk`, with what the decision recorded."""
    task.state, task.finished_at, task.claimed_by = state, now, clerk  # type: ignore[assignment]
    task.history.append(history_entry(clerk, action, recorded, now))
    return task


# ---- the view -----------------------------------------------------------------------------------


def task_view(*, bureau: str, id: str, kind: str, application_id: str, title: str, reason: str, state: str,
              created_at: datetime, deadline: dict[str, Any], claimed_by: str | None,
              claim_expires_at: datetime | None, actions: list[str], details: dict[str, Any],
              history: list[dict[str, Any]], now: datetime, assigned_to: str | None = None,
              assigned_until: datetime | None = None) -> Task:
    """The wire view of a stored task: a lapsed claim shows as open, a closed task offers no action,
    `overdue` = an open task whose deadline (a day in China) has passed. `deadline` holds the stored
    deadline fields (contracts.calendar.Deadline.fields), recomputed on today's calendar. An
    assignment (AssignedTask) shows while the task is open and it has not lapsed."""
    day, provisional = recomputed(deadline)
    is_open = state in OPEN_STATES
    who = holder(claimed_by, claim_expires_at, now) if is_open else claimed_by
    assignee = holder(assigned_to, assigned_until, now) if is_open else None
    shown = ("claimed" if who else "open") if is_open else state
    return Task(
        id=id, bureau=bureau, kind=kind, application_id=application_id, title=title, reason=reason, state=shown,
        created_at=created_at, deadline=day, deadline_provisional=provisional,
        overdue=is_open and clock.china_date(now) > day,
        claimed_by=who, claim_expires_at=claim_expires_at if shown == "claimed" else None,
        assigned_to=assignee, assigned_until=assigned_until if assignee else None,
        actions=list(actions) if is_open else [], details=details, history=list(history),
    )


def sort_tasks(tasks: list[Task]) -> list[Task]:
    return sorted(tasks, key=lambda t: (t.deadline, t.created_at))


# ---- the five RPCs ------------------------------------------------------------------------------


class ClerkQueue(Protocol):
    """What a bureau supplies: its storage of tasks, its action map and the details a clerk sees."""

    def list(self, states: tuple[str, ...] | None, now: datetime) -> list[Task]: ...
    def get(self, task_id: str, now: datetime) -> Task: ...
    def claim(self, task_id: str, clerk: str, now: datetime) -> Task: ...
    def release(self, task_id: str, clerk: str, now: datetime) -> Task: ...
    def act(self, task_id: str, clerk: str, action: str, payload: dict[str, Any], now: datetime) -> Task: ...


class ClerkRpc:
    """Mixin for a Nameko service: list_tasks, get_task, claim_task, release_task, act_on_task.

    The service defines `clerk_queue()` (built per call from its dependencies) and may set `clerk_clock`
    (a function returning the aware UTC now) when its stores need another precision."""

    clerk_clock: Callable[[], datetime] = staticmethod(clock.now)

    def clerk_queue(self) -> ClerkQueue:  # pragma: no cover - each bureau defines it
        raise NotImplementedError

    @rpc(expected_exceptions=OneStopError)
    def list_tasks(self, state: str = "open") -> list[dict]:
        tasks = self.clerk_queue().list(check_list_state(state), self.clerk_clock())
        return [t.model_dump(mode="json") for t in sort_tasks(tasks)]

    @rpc(expected_exceptions=OneStopError)
    def get_task(self, task_id: str) -> dict:
        return self.clerk_queue().get(_task_id(task_id), self.clerk_clock()).model_dump(mode="json")

    @rpc(expected_exceptions=OneStopError)
    def claim_task(self, task_id: str, clerk: str) -> dict:
        return self.clerk_queue().claim(_task_id(task_id), check_clerk(clerk), self.clerk_clock()).model_dump(mode="json")

    @rpc(expected_exceptions=OneStopError)
    def release_task(self, task_id: str, clerk: str) -> dict:
        return self.clerk_queue().release(_task_id(task_id), check_clerk(clerk), self.clerk_clock()).model_dump(mode="json")

    @rpc(expected_exceptions=OneStopError)
    def act_on_task(self, task_id: str, clerk: str, action: str, payload: dict | None = None) -> dict:
        task = self.clerk_queue().act(_task_id(task_id), check_clerk(clerk), action, check_payload(payload),
                                      self.clerk_clock())
        return task.model_dump(mode="json")


def _task_id(task_id: Any) -> str:
    if not isinstance(task_id, str) or not task_id or len(task_id) > 200:
        raise Invalid.with_fields("任务编号无效", [FieldError(field="task_id", message="应为任务编号")])
    return task_id
