"""The one form as an HTML form: inputs are named by the same dotted paths the server's field errors
use ("shareholders.0.resident_id"), so an error lands next to its input with no mapping table, and
the submitted values are re-rendered as typed.

`parse` turns the posted fields back into the JSON shape `contracts.form.validate_form` takes:
numbered rows become lists (re-numbered, so a row removed in the browser leaves no gap), blank
optional rows are dropped, checkboxes become booleans and lists.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from starlette.datastructures import FormData

from contracts import clock
from contracts.rpc import FieldError

LISTS = ("business_scope", "seals.kinds", "tax.invoice_kinds")  # checkbox groups
BOOLEANS = ("seals.electronic", "seals.physical", "housing_fund", "governance.no_supervisor_consent",
            "governance.officers_declaration")
ROWS = ("shareholders", "directors", "supervisors", "employees")
NOT_FORM = {"csrf_token", "form_marker"}


def parse(form: FormData) -> dict[str, Any]:
    flat: dict[str, str] = {}
    for key, value in form.multi_items():
        if key in NOT_FORM or key in LISTS or key in BOOLEANS or not isinstance(value, str):
            continue
        if value.strip():  # a blank input is a missing value: "必填", or the form's default
            flat[key] = value.strip()
    data: dict[str, Any] = {}
    for key, value in flat.items():
        _put(data, key.split("."), value)
    data = _listify(data)
    for key in LISTS:
        _put(data, key.split("."), [v for v in form.getlist(key) if isinstance(v, str) and v])
    for key in BOOLEANS:
        _put(data, key.split("."), form.get(key) == "true")
    return _clean(data)


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
    return data


def errors_by_field(errors: list[FieldError]) -> dict[str, list[str]]:
    """Messages per slot: an item of a checkbox group is shown on the group."""
    slots: dict[str, list[str]] = defaultdict(list)
    for error in errors:
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
