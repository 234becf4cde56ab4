"""The ONE deadline rule: every date a founder or a clerk reads as 时限 comes from here.

- The clock starts when the registration authority has the complete materials: the day (Beijing) the
  application was accepted (every person named confirmed), or, after a correction, the day of the
  latest resubmission. 《市场主体登记管理条例》(国务院令第746号) art. 19: the authority registers
  materials that are 齐全、符合法定形式 on the spot or within 3 working days, and tells the applicant at
  once everything to correct when they are not; the time limit therefore runs on complete materials.
  ⚠️ Our reading, 2026-12-02, not confirmed in an official commentary: while the founder corrects, the
  clock is stopped, and it restarts in full from the resubmission (not resumed where it stopped).
- Each bureau's step gets its own target working days (contracts.bureaus.TARGET_DAYS) from when it
  starts: registration from the clock start, every bureau that acts on the licence from the licence's
  day. A step not started yet shows the date it would have if the step before it took its full time
  (`planned`).
- The application's 办结时限 is the latest deadline of the steps the founder asked for: the summary
  never says a date a step card contradicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from contracts.bureaus import BUREAUS, TARGET_DAYS
from contracts.calendar import Deadline, deadline

FIRST = "registration"
CLOSED = ("not_requested",)
RULE_TEXT = ("办理时限从登记机关收到齐全材料之日起按工作日计算（《市场主体登记管理条例》第十九条）；"
             "补正期间暂停计时，补正材料提交后重新起算。领取营业执照后，其余各事项并行办理，各自从执照签发之日起计时。")
SOURCE = "《市场主体登记管理条例》（国务院令第746号）第十九条"


@dataclass(frozen=True)
class StepTime:
    due: date
    provisional: bool
    planned: bool  # not started yet: the date if every step before it takes its full time


def step_deadline(bureau: str, start: date) -> Deadline:
    """A bureau's own target from the day its step starts."""
    return deadline(start, TARGET_DAYS[bureau])


def plan(steps: dict[str, dict[str, Any]], clock_start: date) -> dict[str, StepTime]:
    """Each requested step's deadline: the bureau's own (stored on the step) once it started,
    otherwise planned from the clock start (registration) or registration's deadline (the others)."""
    out: dict[str, StepTime] = {}
    first = steps.get(FIRST) or {}
    if first.get("deadline"):
        out[FIRST] = StepTime(date.fromisoformat(first["deadline"]), bool(first.get("deadline_provisional")), False)
    else:
        d = step_deadline(FIRST, clock_start)
        out[FIRST] = StepTime(d.due, d.provisional, True)
    licence_day = out[FIRST].due
    for b in BUREAUS:
        step = steps.get(b.name)
        if b.name == FIRST or step is None or step.get("state") in CLOSED:
            continue
        if step.get("deadline"):
            out[b.name] = StepTime(date.fromisoformat(step["deadline"]), bool(step.get("deadline_provisional")),
                                   False)
        else:
            d = step_deadline(b.name, licence_day)
            out[b.name] = StepTime(d.due, d.provisional, True)
    return out


def overall(times: dict[str, StepTime]) -> StepTime:
    """The application's 办结时限: the latest step deadline (planned if that step is)."""
    latest = max(times.values(), key=lambda t: t.due)
    return StepTime(latest.due, any(t.provisional for t in times.values()), latest.planned)


# ---- after start-up: a change of details (变更登记) ------------------------------------------------

CHANGE_RULE_TEXT = ("变更登记：登记机关对齐全、符合法定形式的申请材料当场登记，不能当场登记的3个工作日内登记"
                    "（《市场主体登记管理条例》第十九条）；补正期间暂停计时，补正后重新起算。")
# How long the people a change names have to confirm it from their own accounts (本人确认), as at
# start-up. ⚠️ Assumption (2026-12), as gateway/confirmations.py: no official figure was found; a choice.
CHANGE_CONFIRMATION_DAYS = 5


def change_review_deadline(start: date) -> Deadline:
    """A change sent to a clerk: registration's own target from the day its materials were complete
    (submitted, every person named confirmed) or last corrected, the same rule as start-up's."""
    return step_deadline(FIRST, start)


def change_confirmation_deadline(start: date) -> Deadline:
    """The last day the people a change names may confirm it; after it the change is withdrawn."""
    return deadline(start, CHANGE_CONFIRMATION_DAYS)
