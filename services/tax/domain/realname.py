"""The legal representative's real-name check (实名核验): the verifier a registration is checked by (a
port: a verifier that asks the authority does I/O, lives outside the domain and is handed to
`check_real_name`), and the embedded one, a pure format check.

A real check asks the ID issuing authority (the public security organs' resident-ID records, reached through
the 全国公民身份证号码查询服务中心) whether this name and number belong together and the card is valid. The
embedded verifier cannot: it is named for what it does, FORMAT CHECK ONLY, and every record says so.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from contracts.codes import is_valid_resident_id


class RealNameVerifier(Protocol):
    method: str  # recorded with every check
    label: str  # the same, in Chinese, for clerks and documents
    consults: str | None  # the authority it asked; None when it asked no one

    def problems(self, name: str, resident_id: str, day: date) -> list[str]:
        """What is wrong with this person's identity, in Chinese; empty when the check passes."""


class FormatCheckOnly:
    """FORMAT CHECK ONLY: a name is present and the number is a well-formed GB 11643-1999 resident ID (real
    birth date, check digit). It does NOT ask the ID issuing authority, so a made-up but well-formed number,
    or a real number under someone else's name, passes."""

    method = "format_check_only"
    label = "仅格式校验（未向公安机关核查身份信息）"
    consults = None
    would_consult = "公安机关居民身份证信息（经全国公民身份证号码查询服务中心）"

    def problems(self, name: str, resident_id: str, day: date) -> list[str]:
        found = []
        if not (name or "").strip():
            found.append("法定代表人姓名缺失")
        if not is_valid_resident_id(resident_id, day):
            found.append("法定代表人居民身份证号码无效")
        return found


FORMAT_CHECK_ONLY = FormatCheckOnly()
