"""A later hire as the bureaus that open a personal record for it check it (housing fund, medical
insurance): the request model's own errors, then the resident ID and the start date against the
unit's establishment, every error named as the request names the field."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contracts.codes import is_valid_resident_id
from contracts.form import pydantic_field_errors
from contracts.rpc import FieldError, Invalid

Hire = TypeVar("Hire", bound=BaseModel)


def parse_hire(model: type[Hire], raw: Any, established_on: date, today: date) -> Hire:
    if not isinstance(raw, dict):
        raise Invalid.with_fields("员工信息格式不正确", [FieldError(field="employee", message="员工信息格式不正确")])
    try:
        hire = model.model_validate(raw)
    except ValidationError as exc:
        raise Invalid.with_fields("员工信息有内容需要修改", pydantic_field_errors(exc)) from None
    errors = []
    if not is_valid_resident_id(hire.resident_id, today):  # type: ignore[attr-defined]
        errors.append(FieldError(field="resident_id", message="身份证号码无效：请核对出生日期和最后一位校验码"))
    if hire.start_date < established_on:  # type: ignore[attr-defined]
        errors.append(FieldError(field="start_date", message=f"不能早于单位成立日期{established_on.isoformat()}"))
    if errors:
        raise Invalid.with_fields(f"员工信息有{len(errors)}处需要修改", errors)
    return hire


def check_request_id(request_id: Any) -> None:
    """A hire's request id (the founder's Idempotency-Key, the same at every bureau): 1-100 characters."""
    if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 100):
        raise Invalid.with_fields("request_id 无效", [FieldError(field="request_id", message="应为1至100个字符")])
