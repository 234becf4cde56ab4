"""A shareholder that is a company confirms through its legal representative (issue 20).

Company Law art. 10: the legal representative acts for the company; a corporate shareholder's consent to
a new company is given by that person (or a person they authorise: not modelled here). So the person who
confirms for a corporate shareholder (by its USCC) is:

- a company registered here: its CURRENT legal representative from registration's own record (the
  registered form with registered changes applied), over RPC; the founder names nobody (a name given is
  refused: the register, not the form, says who acts for it, and comparing would tell the founder
  whether a guessed number is the representative's);
- any other company: the person the form names under the shareholder (`legal_representative`), with a
  field error in Chinese when missing or invalid; that person confirms from their own verified account.

The registered representative's number is kept with the application (`corporate_representatives`) to
find their confirmation and is never shown to the founder (views show masked names, like every party).
⚠️ Assumption (2026-12): a company registered elsewhere is not checked against its own registry (no
national enterprise-registry lookup here); the named person's real-name verification is what binds it.
"""

from __future__ import annotations

from typing import Any

from contracts.codes import is_valid_resident_id
from contracts.rpc import FieldError
from gateway.clients import Clients

ROLE = "corporate_representative"
REGISTERED_HERE = "该企业已在本市登记：由其登记的法定代表人本人确认，此处无需填写"
NAME_THEM = "该企业股东未在本市登记：请填写其法定代表人的姓名和身份证号码，由其本人登录确认"
BAD_NUMBER = "身份证号码无效：请核对出生日期和最后一位校验码"


def representatives(clients: Clients, founder_id: str, form: dict[str, Any]) -> tuple[list[dict], list[FieldError]]:
    """(the registered representatives to add to the parties, field errors)."""
    found, errors = [], []
    for i, holder in enumerate(form.get("shareholders") or []):
        if holder.get("kind") != "corporate":
            continue
        path, named = f"shareholders.{i}.legal_representative", holder.get("legal_representative")
        record = clients.registration.legal_representative_of(holder["uscc"], founder_id)
        if record.get("registered"):
            if named:
                errors.append(FieldError(field=path, message=REGISTERED_HERE))
            else:
                found.append({"uscc": holder["uscc"], "name": record["name"], "resident_id": record["resident_id"]})
        elif not named:
            errors.append(FieldError(field=f"{path}.name", message=NAME_THEM))
        elif not is_valid_resident_id(named.get("resident_id", "")):
            errors.append(FieldError(field=f"{path}.resident_id", message=BAD_NUMBER))
    return found, errors
