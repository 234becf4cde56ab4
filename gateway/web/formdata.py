"""The one form as an HTML form: inputs are named by the same dotted paths the server's field errors
use ("shareholders.0.resident_id"), so an error lands next to its input with no mapping table, and
the submitted values are re-rendered as typed.

`parse` turns the posted fields back into the JSON shape `contracts.form.validate_form` takes:
numbered rows become lists (re-numbered, so a row removed in the browser leaves no gap), blank
optional rows are dropped, checkboxes become booleans and lists.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData

from contracts import clock
from contracts.form import ApplicationForm
from contracts.rpc import FieldError

LISTS = ("business_scope", "seals.kinds", "tax.invoice_kinds")  # checkbox groups
BOOLEANS = ("seals.electronic", "seals.physical", "housing_fund", "governance.no_supervisor_consent",
            "governance.officers_declaration")
ROWS = ("shareholders", "directors", "supervisors", "employees")
# checkboxes inside a row: "supervisors.0.staff_representative" (职工代表监事) is a boolean of the row;
# "directors.0.audit_committee" ticks that director into governance.audit_committee (by resident ID)
ROW_FLAGS = ("staff_representative", "audit_committee")
NOT_FORM = {"csrf_token", "form_marker", "confirm_unchanged", "reply_text", "reply_file"}  # + the reply (gateway/replies.py)
# the deepest real input is "shareholders.0.resident_id": a longer or deeper name is no field of the
# form; it stays one (truncated) unknown key, so validation names it instead of recursing into it
MAX_DEPTH, MAX_KEY = 4, 100
MONEY = ("registered_capital", "subscribed_amount", "monthly_wage", "monthly_invoice_estimate", "annual_sales_estimate")
_MONEY = re.compile(r"^(\d+)(?:\.(\d+))?(万)?$")


def money(text: str) -> str:
    """An amount as founders type it -> yuan: "50万" -> "500000", "1,000,000元" -> "1000000".
    Anything else is left as typed, for the form's own message. (static/checks.js reads it alike.)"""
    plain = re.sub(r"[,，\s]", "", text).removesuffix("元")
    match = _MONEY.match(plain)
    if not match:
        return text
    whole, fraction, wan = match.group(1), match.group(2) or "", match.group(3)
    if not wan:
        return plain
    digits = (fraction + "0000")
    whole = (whole + digits[:4]).lstrip("0") or "0"
    rest = digits[4:].rstrip("0")
    return whole + (f".{rest}" if rest else "")


def parse(form: FormData) -> dict[str, Any]:
    flat: dict[str, str] = {}
    for key, value in form.multi_items():
        if key in NOT_FORM or key in LISTS or key in BOOLEANS or not isinstance(value, str):
            continue
        if key.endswith(ROW_FLAGS):  # a ticked checkbox of a row (an unticked one is not posted)
            flat[key] = "true" if value == "true" else value
        elif value.strip():  # a blank input is a missing value: "必填", or the form's default
            flat[key] = value.strip()
            if key.endswith((".resident_id", ".uscc")):  # a typed lower-case x is the check character X
                flat[key] = flat[key].upper()
            elif key.endswith(MONEY):
                flat[key] = money(flat[key])
    data: dict[str, Any] = {}
    for key, value in flat.items():
        parts = key.split(".")
        _put(data, parts if len(parts) <= MAX_DEPTH and len(key) <= MAX_KEY else [key[:MAX_KEY]], value)
    data = _listify(data)
    for key in LISTS:
        _put(data, key.split("."), [v for v in form.getlist(key) if isinstance(v, str) and v])
    for key in BOOLEANS:
        _put(data, key.split("."), form.get(key) == "true")
    return _clean(data)


def from_draft(pairs: list[list[str]], blank: dict[str, Any]) -> dict[str, Any]:
    """A saved draft's fields as form values; a list the founder emptied keeps the blank form's first row."""
    data = parse(FormData([(k, v) for k, v in pairs]))
    for key in ROWS:
        if not data.get(key) and blank.get(key):
            data[key] = blank[key]
    return data


def _put(data: dict, parts: list[str], value: Any) -> None:
    for part in parts[:-1]:
        data = data.setdefault(part, {})
        if not isinstance(data, dict):
            return
    data[parts[-1]] = value


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def _blank(row: Any) -> bool:
    return isinstance(row, dict) and all(v in ("", None) or k == "kind" for k, v in row.items())


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    for key in ROWS:
        rows = data.get(key)
        if isinstance(rows, dict):  # a single unnumbered row
            rows = [rows]
        data[key] = [r for r in rows or [] if not _blank(r)]
    for holder in data["shareholders"]:
        if isinstance(holder, dict):
            holder.pop("uscc" if holder.get("kind", "natural") == "natural" else "resident_id", None)
    if _blank(data.get("manager")):
        data.pop("manager", None)
    _row_flags(data)
    return data


def _row_flags(data: dict[str, Any]) -> None:
    """Row checkboxes back into the form's shape: a supervisor's flag a boolean, the ticked directors
    the audit committee's members (their resident IDs, as contracts.form.Governance names them)."""
    for row in data["supervisors"]:
        if isinstance(row, dict) and "staff_representative" in row:
            row["staff_representative"] = row["staff_representative"] == "true"
    members = [row.get("resident_id", "") for row in data["directors"]
               if isinstance(row, dict) and row.pop("audit_committee", None) == "true"]
    if members:
        governance = data.setdefault("governance", {})
        if isinstance(governance, dict):
            governance["audit_committee"] = members


SECTIONS = list(ApplicationForm.model_fields)


def _section_index(error: FieldError) -> int:
    head = error.field.split(".")[0]
    return SECTIONS.index(head) if head in SECTIONS else -1


def errors_by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """Messages per slot, in the order of the form's sections (the summary reads top to bottom):
    an item of a checkbox group is shown on the group."""
    slots: dict[str, list[str]] = defaultdict(list)
    for error in sorted(errors, key=_section_index):
        path = error.field
        for group in LISTS:
            if path.startswith(group + "."):
                path = group
        slots[path].append(error.message)
    return dict(slots)


def blank_form(account: dict[str, Any] | None = None) -> dict[str, Any]:
    """A new form, with what the account already told us filled in (asked once)."""
    account = account or {}
    me = {"name": account.get("name", ""), "resident_id": account.get("resident_id", "")}
    due = (clock.china_today() + timedelta(days=365 * 3)).isoformat()
    return {
        "company_type": "limited_liability",
        "name": {"division": "武汉", "trade_name": "", "industry": "", "organisation_form": "有限公司"},
        "domicile": {"district_code": "", "detail": ""},
        "registered_capital": "",
        "shareholders": [{"kind": "natural", **me, "subscribed_amount": "", "payment_due": due}],
        "legal_representative": {**me, "position": "director"},
        "directors": [dict(me)],
        "supervisors": [],
        "governance": {"no_supervisor_consent": False, "officers_declaration": False},
        "business_scope": [],
        "seals": {"kinds": ["company", "finance", "invoice"], "electronic": True, "physical": False,
                  "delivery": "post"},
        "tax": {"taxpayer_type": "small_scale", "invoice_kinds": ["vat_general"],
                "monthly_invoice_estimate": "", "annual_sales_estimate": ""},
        "employees": [],
        "housing_fund": False,
        "contact": {"phone": account.get("mobile") or "", "email": account.get("email") or ""},
    }


def value(data: Any, path: str, default: Any = "") -> Any:
    """The value at a dotted path of a (possibly half-valid) submitted form, for re-rendering."""
    node = data
    for part in path.split("."):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return default
        if node is None:
            return default
    return node
