"""Change of details (变更登记) after start-up: what a founder may change, and the rules it must keep.

A change is applied to the company's registered form and the result is checked with the application
form's own rules (`contracts.form.form_errors`), so a change can never register what start-up would
refuse (e.g. a legal representative who is neither a director nor the manager, Company Law art. 10).
Pure: no I/O.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from contracts import scope
from contracts.capital import CLAIM_DAYS_PUBLISHED, NOTIFY_CREDITORS_DAYS, is_decrease
from contracts.closing import parse_model
from contracts.form import (
    STRICT,
    Address,
    ApplicationForm,
    CompanyName,
    LegalRepresentative,
    Money,
    Person,
    Shareholder,
    form_errors,
    pydantic_field_errors,
)
from contracts.rpc import FieldError, Invalid
from contracts.text import VisibleText

# What each changed section means on the founder's timeline and on the licence.
CHANGE_LABELS = {
    "name": "名称",
    "domicile": "住所",
    "legal_representative": "法定代表人",
    "directors": "董事",
    "manager": "经理",
    "business_scope": "经营范围",
    "registered_capital": "注册资本",
    "shareholders": "股东及出资",
}
# Sections whose change can break the legal representative rule (art. 10), so its errors count too.
_REP_SECTIONS = {"legal_representative", "directors", "manager"}
# The subscriptions must add up to the registered capital (公司法 art. 47), so either touches both.
_CAPITAL_SECTIONS = {"registered_capital", "shareholders"}


class ChangeRequest(BaseModel):
    """The sections that change (omitted = unchanged); the new value replaces the registered one."""

    model_config = STRICT
    # a new name goes through registration's name rules and register like a new company's
    # (services/registration/changes.py); the old one is barred for a year (规定 art. 17)
    name: CompanyName | None = None
    domicile: Address | None = None
    legal_representative: LegalRepresentative | None = None
    directors: list[Person] | None = None
    manager: Person | None = None
    business_scope: list[str] | None = None
    # 增资 / 减资 (a decrease waits out the creditor period: contracts.capital) and 股东及认缴出资
    registered_capital: Money | None = None
    shareholders: list[Shareholder] | None = Field(None, min_length=1, max_length=200)
    # a decrease: the company has notified its known creditors (公司法 art. 224: within 10 days of the resolution)
    creditors_notified: bool = False

    def sections(self) -> list[str]:
        return [k for k in CHANGE_LABELS if getattr(self, k) is not None]


def parse_change(data: Any) -> ChangeRequest:
    """The request body, or `Invalid` with field errors in Chinese (an empty change is an error too)."""
    try:
        change = ChangeRequest.model_validate(data)
    except ValidationError as exc:
        raise Invalid.with_fields("变更申请有内容需要修改", pydantic_field_errors(exc)) from None
    if not change.sections():
        raise Invalid.with_fields("请填写要变更的事项", [FieldError(
            field="body", message=f"至少填写一项：{'、'.join(CHANGE_LABELS.values())}")])
    return change


def apply_change(form: ApplicationForm, change: ChangeRequest, today: date | None = None) -> ApplicationForm:
    """The registered form after the change; `Invalid` naming every rule the result would break that
    the change touches (rules a section it leaves alone may break are not the founder's doing now)."""
    updated = form.model_dump(mode="json")
    updated.update(change.model_dump(mode="json", include=set(change.sections())))
    try:
        after = ApplicationForm.model_validate(updated)
    except ValidationError as exc:
        raise Invalid.with_fields("变更申请有内容需要修改", pydantic_field_errors(exc)) from None
    touched = set(change.sections())
    if touched & _REP_SECTIONS:
        touched |= _REP_SECTIONS
    if touched & _CAPITAL_SECTIONS:
        touched |= _CAPITAL_SECTIONS
    errors = [e for e in form_errors(after, today) if e.field.split(".")[0] in touched]
    if change.domicile is not None and change.domicile == form.domicile:
        errors.append(FieldError(field="domicile", message="新住所与登记的住所相同"))
    if change.name is not None and change.name.full == form.name.full:
        errors.append(FieldError(field="name.trade_name", message="新名称与登记的名称相同"))
    if change.registered_capital is not None and change.registered_capital == form.registered_capital:
        errors.append(FieldError(field="registered_capital", message="新注册资本与登记的注册资本相同"))
    if is_decrease(form.registered_capital, after.registered_capital) and not change.creditors_notified:
        errors.append(FieldError(field="creditors_notified", message=(
            f"减少注册资本须自股东会决议之日起{NOTIFY_CREDITORS_DAYS}日内通知债权人，并经{CLAIM_DAYS_PUBLISHED}日公告期"
            "（公司法第二百二十四条）：请确认已通知债权人")))
    if errors:
        raise Invalid.with_fields(f"变更申请有{len(errors)}处需要修改", errors)
    return after


def licensed_items(change: ChangeRequest, form: ApplicationForm) -> list[str]:
    """Licensed business-scope items the change ADDS (they need the approving authority: a clerk)."""
    added = [c for c in (change.business_scope or []) if c not in form.business_scope]
    return [scope.item(c).name for c in added if scope.item(c) and scope.item(c).licensed]


def _named(form: ApplicationForm) -> dict[str, dict[str, Any]]:
    """resident ID -> {name, roles}: the natural persons a form names (as issue 20's confirmations count them)."""
    rows: list[tuple[str, Any]] = [("legal_representative", form.legal_representative)]
    rows += [("shareholder", h) for h in form.shareholders if getattr(h, "kind", "natural") == "natural"]
    rows += [("director", p) for p in form.directors] + [("supervisor", p) for p in form.supervisors or []]
    rows += [("manager", form.manager)] if form.manager else []
    people: dict[str, dict[str, Any]] = {}
    for role, person in rows:
        entry = people.setdefault(person.resident_id, {"resident_id": person.resident_id, "name": person.name, "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)
    return people


def new_parties(before: ApplicationForm, after: ApplicationForm, founder_resident_id: str | None) -> list[dict[str, Any]]:
    """Who must confirm a change from their own verified account: every natural person it names
    newly or in a role they did not hold (the founder, acting, confirms by submitting)."""
    held = _named(before)
    return [{**p, "roles": [r for r in p["roles"] if r not in held.get(rid, {}).get("roles", [])]}
            for rid, p in _named(after).items()
            if rid != founder_resident_id and not set(p["roles"]) <= set(held.get(rid, {}).get("roles", []))]


# ---- a creditor's objection to a capital decrease (公司法 2023 第二百二十四条) -------------------------
# 债权人自接到通知之日起三十日内，未接到通知的自公告之日起四十五日内，有权要求公司清偿债务或者提供相应的担保.
# Anyone may file one during the period (the public notice is on 国家企业信用信息公示系统, no login);
# the decrease is not registered until the company records how it answered each one.

DEMANDS = {"repay": "要求清偿债务", "guarantee": "要求提供相应的担保"}
OUTCOMES = {"settled": "已清偿债务", "guaranteed": "已提供相应的担保"}


class CreditorObjection(BaseModel):
    model_config = STRICT
    creditor: VisibleText = Field(min_length=1, max_length=60)  # kept by registration, shown to the company only
    demand: Literal["repay", "guarantee"]
    reason: VisibleText = Field(min_length=2, max_length=500)


class ObjectionAnswer(BaseModel):
    model_config = STRICT
    outcome: Literal["settled", "guaranteed"]
    note: VisibleText | None = Field(None, max_length=500)


def parse_creditor_objection(data: Any) -> CreditorObjection:
    return parse_model(CreditorObjection, data, "异议有内容需要修改")


def parse_objection_answer(data: Any) -> ObjectionAnswer:
    return parse_model(ObjectionAnswer, data, "答复有内容需要修改")
