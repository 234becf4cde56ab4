"""Chinese wording for the pages: states, actions, field labels, and the template filters."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from contracts import banks, bureaus, scope, timelimits
from contracts.clock import CHINA
from contracts.codes import hubei_divisions
from contracts.form import BOARD_LABELS, COMPANY_TYPE_LABELS, MESSAGES, SEAL_KIND_LABELS, SUPERVISION_LABELS

APPLICATION_STATUS = {
    "awaiting_confirmation": "等待相关人员确认", "withdrawn": "已撤回",
    "submitted": "已提交", "in_review": "审核中", "correction_requested": "待补正", "rejected": "未通过",
    "licensed": "已领照，其他事项办理中", "completed": "全部办结", "revoked": "营业执照已吊销",
}
STEP_STATE = {
    "pending": "未开始", "in_progress": "办理中", "waiting_for_clerk": "人工审核中",
    "correction_requested": "待补正", "done": "已完成", "rejected": "未获办理", "revoked": "已吊销",
    "not_requested": "未申请", "lapsed": "已作废",
}
TASK_STATE = {"open": "待办", "claimed": "已认领", "done": "已办结", "rejected": "已驳回",
              "correction_requested": "已要求补正"}
ACTIONS = {
    "approve": "批准", "reject": "驳回", "request_correction": "要求补正", "mark_engraved": "已刻制",
    "file_with_police": "公安备案", "dispatch": "寄出 / 交付", "mark_delivered": "已送达", "claim": "认领",
}
TASK_KIND = bureaus.TASK_KINDS
BUREAU = bureaus.LABELS
# the form's branch list (DEMO data, contracts/data/bank_branches_wuhan.json); blank = no bank account
BANK_BRANCHES = [("", "不预约银行开户"), *((b.id, f"{b.name}（{b.address}，营业时间 {banks.hours_text(b)}）")
                                        for b in banks.branches().values())]
# the preferred appointment's slots: every branch's (the form's rules say which a branch has)
BANK_SLOTS = [("", "不指定（领照后自动预约最早的空闲时段）"),
              *((s, s) for s in sorted({s for b in banks.branches().values() for s in banks.slots(b)}))]
# a bureau's intermediate steps (step_progressed) as the founder reads them; others show their name
PROGRESS_STEP = {"appointment_moved": "申请人已改约银行开户时间", "account_closed": "基本存款账户已销户",
                 "reservation_lapsed": "企业已注销，银行开户预约作废"}
# the slots of each branch, for moving an appointment on the company page
BANK_BRANCH_SLOTS = {b.id: list(banks.slots(b)) for b in banks.branches().values()}
TAXPAYER = {"small_scale": "小规模纳税人", "general": "一般纳税人"}
INVOICE = {"vat_general": "数电发票（普通发票）", "vat_special": "数电发票（增值税专用发票）"}
POSITION = {"director": "董事（执行董事）", "manager": "经理"}
# Empty = read from the number of directors / supervisors (contracts.form.Governance).
BOARD = {"": "按所填董事人数确定", **{k.value: v for k, v in BOARD_LABELS.items()}}
SUPERVISION = {"": "按所填监事人数确定", **{k.value: v for k, v in SUPERVISION_LABELS.items()}}

# the leaf names of the form's dotted paths, for the error summary ("股东 2 · 身份证号码")
FIELD = {
    "reply_text": "给登记机关的说明", "reply_file": "附件",  # the correction's reply (gateway/replies.py)
    "company_type": "公司类型", "name": "企业名称", "division": "行政区划", "trade_name": "字号",
    "industry": "行业或经营特点", "organisation_form": "组织形式", "domicile": "住所",
    "district_code": "所在区", "detail": "详细地址", "registered_capital": "注册资本",
    "shareholders": "股东", "kind": "股东类型", "resident_id": "身份证号码", "uscc": "统一社会信用代码",
    "subscribed_amount": "认缴出资额", "payment_due": "出资期限", "legal_representative": "法定代表人",
    "position": "担任职务", "directors": "董事", "manager": "经理", "supervisors": "监事",
    "business_scope": "经营范围", "seals": "印章", "kinds": "种类", "electronic": "电子印章",
    "physical": "实物印章", "delivery": "领取方式", "postal_address": "收件地址", "tax": "税务",
    "taxpayer_type": "纳税人类型", "invoice_kinds": "发票种类", "monthly_invoice_estimate": "每月开票金额预计",
    "annual_sales_estimate": "年销售额预计", "employees": "员工", "start_date": "入职日期",
    "monthly_wage": "月工资", "housing_fund": "住房公积金", "employer_rate": "单位缴存比例",
    "employee_rate": "个人缴存比例", "beneficial_owners": "受益所有人", "owners": "受益所有人", "basis": "认定依据",
    "share": "持股比例", "exempt": "免于填报", "commitment_signed": "免报承诺", "contact": "联系方式", "phone": "手机号码",
    "email": "电子邮箱", "body": "申请表", "governance": "组织机构", "board": "董事会",
    "supervision": "监督机构", "audit_committee": "审计委员会成员", "no_supervisor_consent": "全体股东同意不设监事",
    "officers_declaration": "任职资格承诺", "bank": "银行预约开户", "branch_id": "开户网点", "appointment_date": "预约日期", "appointment_slot": "预约时段", "staff_representative": "职工代表", "natural_person_controlled": "自然人投资或控股",
}
# the keys of a task's details (every bureau's), for the clerk's page
DETAIL = {
    "revision": "补正次数", "name_reserved": "名称已预留", "district": "所在区", "company_name": "企业名称",
    "tax_office": "主管税务机关", "proposed_quota": "建议每月开票额度", "real_name": "实名核验",
    "label": "名称", "status": "状态", "code": "编码", "licensed": "许可项目", "tracking_number": "快递单号",
    "name": "名称", "legal_representative": "法定代表人", "registered_capital": "注册资本（元）",
    "company_type": "公司类型", "uscc": "统一社会信用代码", "delivery": "领取方式", "seals": "印章",
    "account_number": "基本存款账户账号", "branch": "开户网点", "appointment": "预约时间", "reserved_seals": "预留印鉴",
}
DETAIL_SHOWN_ELSEWHERE = {"name_check", "business_scope", "reasons", "resubmission", "changes", "change_id", "uscc",
                          "revision"}
# what a registration clerk may flag for correction
CORRECTABLE = [
    ("name.trade_name", "字号"), ("name.industry", "行业或经营特点"), ("name", "企业名称（整体）"),
    ("business_scope", "经营范围"), ("domicile.detail", "住所详细地址"), ("registered_capital", "注册资本"),
    ("shareholders", "股东"), ("legal_representative", "法定代表人"), ("directors", "董事"),
    ("supervisors", "监事"), ("governance", "组织机构"), ("contact.phone", "联系电话"),
]


# the form's ten steps: (the fieldset's id, its title), in order (templates/form.html)
STEPS = [("sec-name", "公司名称"), ("sec-type", "类型与注册资本"), ("sec-domicile", "住所"), ("sec-shareholders", "股东"),
         ("sec-officers", "法定代表人与董事、监事"), ("sec-scope", "经营范围"), ("sec-seals", "印章"), ("sec-tax", "税务"),
         ("sec-employees", "员工"), ("sec-bank", "银行开户"), ("sec-contact", "联系方式")]


def address_clash(domicile: dict[str, Any]) -> str:
    """A detail address naming another Wuhan district than the one chosen (所在区 武昌区, 洪山区…号)."""
    chosen = district_name(domicile.get("district_code"))
    detail = domicile.get("detail") or ""
    named = [name for _, name in districts() if name in detail and name != chosen]
    return f"详细地址写的是{named[0]}，所在区却是{chosen}，请核对" if named and chosen else ""


def diff_value(path: str, value: Any) -> str:
    """One side of a correction diff: resident IDs masked, scope codes named, nothing as raw JSON."""
    if value in (None, "", []):
        return "（空）"
    if path.endswith("resident_id"):
        return mask_id(str(value))
    if path == "business_scope" and isinstance(value, list):
        return "、".join(scope.item(c).name if scope.item(c) else c for c in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if path.endswith("district_code"):
        return district_name(str(value))
    return str(value)


def ms_when(value: Any) -> str:
    """A browser timestamp (milliseconds since 1970) in Beijing time."""
    try:
        return when(datetime.fromtimestamp(int(value) / 1000, UTC))
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def field_label(path: str) -> str:
    parts = path.split(".")
    words = []
    for part in parts:
        if part.isdigit():
            words[-1:] = [f"{words[-1]} {int(part) + 1}"] if words else [part]
        else:
            words.append(FIELD.get(part, part))
    return " · ".join(words)


# Message bookkeeping, not the founder's data.
RECEIPT_ENVELOPE = {"application_id", "type", "event_id", "occurred_at", "documents", "revision"}
RECEIPT_LABELS = {"founder_id": "申请人账号", "contact_phone": "联系电话", "licence": "营业执照登记事项",
                  # what the bank's bank_account_reserved carries to tax and the insurance bureaus
                  "account_number": "基本存款账户账号", "account_kind": "账户种类", "bank_name": "开户银行",
                  "branch_id": "开户网点", "branch_name": "开户网点", "branch_address": "网点地址",
                  "appointment_date": "预约开户时间", "appointment_slot": "预约开户时间",
                  "company_name": "企业名称", "shared_with": "共享部门"}


def shared_sections(paths: list[str]) -> list[str]:
    """The form sections a set of received field paths covers, in Chinese, for the data-sharing receipt:
    "form.shareholders.0.resident_id" and "employees.1.name" become 股东 and 员工."""
    sections: list[str] = []
    for path in paths:
        parts = [p.removesuffix("[]") for p in path.split(".") if p != "form" and not p.isdigit()]
        if not parts or parts[0] in RECEIPT_ENVELOPE:
            continue
        label = RECEIPT_LABELS.get(parts[0]) or FIELD.get(parts[0], parts[0])
        if label not in sections:
            sections.append(label)
    return sections


def shares_resident_ids(paths: list[str]) -> bool:
    return any(path.endswith("resident_id") for path in paths)


def detail_label(key: str) -> str:
    return DETAIL.get(key) or FIELD.get(key) or key


def field_id(path: str) -> str:
    """The id of the input (or the section) that shows the errors for a dotted path."""
    return "f-" + re.sub(r"[^A-Za-z0-9_-]", "-", path)


def districts() -> list[tuple[str, str]]:
    rows = hubei_divisions()
    return sorted((code, row["name"]) for code, row in rows.items() if code.startswith("4201") and code != "420100")


def district_name(code: str | None) -> str:
    row = hubei_divisions().get(code or "")
    return row["name"] if row else (code or "")


def when(value: Any) -> str:
    """A moment in Beijing time, e.g. 2025-03-04 10:05."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}秒"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}分{sec}秒" if sec else f"{minutes}分钟"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}小时{minutes}分"


def yuan(value: Any) -> str:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value or "")
    return f"{amount:,.2f} 元"


def mask_id(value: str | None) -> str:
    value = value or ""
    return value[:6] + "********" + value[-4:] if len(value) == 18 else value


PARTY_STATE = {"pending": "待确认", "confirmed": "已确认", "declined": "已拒绝", "implicit": "本人提交（视为确认）"}
ROLE = {"legal_representative": "法定代表人", "shareholder": "股东", "director": "董事", "supervisor": "监事",
        "manager": "经理"}

TEMPLATE_GLOBALS = {
    "PARTY_STATE": PARTY_STATE, "ROLE": ROLE,
    "APPLICATION_STATUS": APPLICATION_STATUS, "STEP_STATE": STEP_STATE, "TASK_STATE": TASK_STATE,
    "ACTIONS": ACTIONS, "TASK_KIND": TASK_KIND, "BUREAU": BUREAU, "TAXPAYER": TAXPAYER, "INVOICE": INVOICE, "POSITION": POSITION, "BOARD": BOARD, "SUPERVISION": SUPERVISION,
    "COMPANY_TYPES": {k.value: v for k, v in COMPANY_TYPE_LABELS.items()},
    "SEAL_KINDS": {k.value: v for k, v in SEAL_KIND_LABELS.items()},
    "BANK_NAME": banks.bank().name, "BANK_BRANCHES": BANK_BRANCHES, "BANK_SLOTS": BANK_SLOTS,
    "BANK_BRANCH_SLOTS": BANK_BRANCH_SLOTS, "PROGRESS_STEP": PROGRESS_STEP,
    "CORRECTABLE": CORRECTABLE, "field_label": field_label, "detail_label": detail_label,
    "shared_sections": shared_sections, "shares_resident_ids": shares_resident_ids,
    "DETAIL_SHOWN_ELSEWHERE": DETAIL_SHOWN_ELSEWHERE, "field_id": field_id, "districts": districts,
    "district_name": district_name, "scope_items": lambda: list(scope.catalogue().values()),
    "scope_item": scope.item, "FORM_MESSAGES": MESSAGES, "STEPS": STEPS, "STEP_TITLES": bureaus.STEP_TITLES, "diff_value": diff_value, "address_clash": address_clash,
    "DEADLINE_RULE": timelimits.RULE_TEXT, "CHANGE_RULE": timelimits.CHANGE_RULE_TEXT,
}
TEMPLATE_FILTERS = {"ms_when": ms_when, "when": when, "duration": duration, "yuan": yuan, "mask_id": mask_id}
