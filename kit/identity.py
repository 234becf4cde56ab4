"""Identity verification of a person signing up (实名认证) as a pluggable verifier, chosen by configuration.

A production verifier asks the public-security real-name service (公安部公民网络身份认证 / 全国公民身份证号码
查询服务中心) whether this name and resident ID belong together and the card is valid, usually with a face
match. The embedded verifier cannot ask anyone: it is named for what it does, FORMAT CHECK, and every
account it passes says so in its status.

    verifier = load_verifier("format_check")          # the embedded one (the default)
    verifier = load_verifier("mypkg.mps:Verifier")     # an adapter: module:attribute, called with no arguments
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import import_module
from typing import Protocol

from contracts.codes import is_valid_resident_id, resident_id_birth_date

FORMAT_CHECK = "format_check"


@dataclass(frozen=True)
class IdentityCheck:
    verified: bool  # what the verifier vouches for: see `method` and `status` for how much that is
    method: str
    status: str  # Chinese, shown to the person and to operators
    problems: tuple[str, ...] = ()

    def as_record(self, at) -> dict:
        return {"verified": self.verified, "method": self.method, "status": self.status, "checked_at": at}


class IdentityVerifier(Protocol):
    method: str

    def check(self, name: str, resident_id: str, day: date) -> IdentityCheck:
        """Whether this person is who they say; problems in Chinese when not."""


class FormatCheck:
    """FORMAT CHECK: the resident ID is well formed under GB 11643-1999 (a real birth date, not in the future,
    and the ISO 7064 MOD 11-2 check character) and a name is given. It did NOT verify the person against the
    public-security real-name service: a made-up but well-formed number, or a real number typed by someone
    else, passes. The account's status says exactly that."""

    method = FORMAT_CHECK
    status = "身份证号码格式校验通过（仅格式校验：未经公安机关实名核验，未核对本人与证件是否一致）"

    def check(self, name: str, resident_id: str, day: date) -> IdentityCheck:
        problems = []
        if not (name or "").strip():
            problems.append("请填写姓名")
        if not is_valid_resident_id(resident_id, day) or resident_id_birth_date(resident_id) is None:
            problems.append("身份证号码无效：请核对出生日期和最后一位校验码")
        if problems:
            return IdentityCheck(False, self.method, "身份证号码格式校验未通过", tuple(problems))
        return IdentityCheck(True, self.method, self.status)


def load_verifier(setting: str) -> IdentityVerifier:
    """`format_check` (embedded), or `module:attribute` naming an adapter class or factory."""
    setting = (setting or FORMAT_CHECK).strip()
    if setting == FORMAT_CHECK:
        return FormatCheck()
    module, _, attribute = setting.partition(":")
    if not module or not attribute:
        raise ValueError(f"identity verifier {setting!r}: use {FORMAT_CHECK!r} or module:attribute")
    return getattr(import_module(module), attribute)()
