"""The ONE application form a founder fills in, and every rule it must satisfy.

Parsing (types, formats) is pydantic's job; the business rules run afterwards in `form_errors` so a
founder sees every problem at once, each on its own field, in Chinese. `validate_form` does both and
raises `Invalid` whose field errors carry dotted paths ("shareholders.0.resident_id").
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from contracts import clock, scope
from contracts.codes import hubei_divisions, is_known_district, is_valid_resident_id, is_valid_uscc
from contracts.rpc import FieldError, Invalid
from contracts.text import PersonName, VisibleText

STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

Money = Annotated[Decimal, Field(max_digits=15, decimal_places=2)]  # CNY to the fen; never float
Name = PersonName  # 规范汉字 only (contracts/text.py): no bidi, zero-width or other invisible characters
OrganisationName = Annotated[VisibleText, Field(min_length=2, max_length=40)]


class CompanyType(StrEnum):
    limited_liability = "limited_liability"  # 有限责任公司
    one_person_llc = "one_person_llc"  # 一人有限责任公司
    joint_stock = "joint_stock"  # 股份有限公司


COMPANY_TYPE_LABELS = {
    CompanyType.limited_liability: "有限责任公司",
    CompanyType.one_person_llc: "有限责任公司（自然人独资）",
    CompanyType.joint_stock: "股份有限公司",
}
ORGANISATION_FORMS = {  # Company Law art. 7
    CompanyType.limited_liability: ("有限公司", "有限责任公司"),
    CompanyType.one_person_llc: ("有限公司", "有限责任公司"),
    CompanyType.joint_stock: ("股份有限公司", "股份公司"),
}
SHAREHOLDER_LIMITS = {  # Company Law 2023: art. 42 (LLC 1-50), art. 92 (joint-stock 1-200 promoters)
    CompanyType.limited_liability: (1, 50),
    CompanyType.one_person_llc: (1, 1),
    CompanyType.joint_stock: (1, 200),
}
CAPITAL_PAYMENT_YEARS = 5  # Company Law 2023 art. 47
GENERAL_TAXPAYER_THRESHOLD = Decimal("5000000")  # 财税〔2018〕33号


class CompanyName(BaseModel):
    """行政区划 + 字号 + 行业表述 + 组织形式, e.g. 武汉 + 海陆空 + 商贸 + 有限公司."""

    model_config = STRICT
    division: VisibleText = Field("武汉", max_length=10)
    trade_name: VisibleText = Field(max_length=10)
    industry: VisibleText = Field(max_length=20)
    organisation_form: VisibleText = Field(max_length=10)

    @property
    def full(self) -> str:
        return f"{self.division}{self.trade_name}{self.industry}{self.organisation_form}"


class Address(BaseModel):
    model_config = STRICT
    district_code: str = Field(pattern=r"^\d{6}$")
    detail: VisibleText = Field(min_length=4, max_length=200)


class Person(BaseModel):
    model_config = STRICT
    name: Name
    resident_id: str = Field(min_length=18, max_length=18)


class NaturalShareholder(Person):
    kind: Literal["natural"] = "natural"
    subscribed_amount: Money
    payment_due: date


class CorporateShareholder(BaseModel):
    model_config = STRICT
    kind: Literal["corporate"]
    name: OrganisationName
    uscc: str = Field(min_length=18, max_length=18)
    subscribed_amount: Money
    payment_due: date


Shareholder = Annotated[NaturalShareholder | CorporateShareholder, Field(discriminator="kind")]


class LegalRepresentative(Person):
    position: Literal["director", "manager"]  # Company Law art. 10


class SealKind(StrEnum):
    company = "company"  # 公章
    finance = "finance"  # 财务专用章
    invoice = "invoice"  # 发票专用章
    contract = "contract"  # 合同专用章
    legal_representative = "legal_representative"  # 法定代表人名章


SEAL_KIND_LABELS = {
    SealKind.company: "公章",
    SealKind.finance: "财务专用章",
    SealKind.invoice: "发票专用章",
    SealKind.contract: "合同专用章",
    SealKind.legal_representative: "法定代表人名章",
}


class SealRequest(BaseModel):
    model_config = STRICT
    kinds: list[SealKind] = Field(default_factory=lambda: [SealKind.company])
    electronic: bool = True
    physical: bool = False
    delivery: Literal["post", "pickup"] = "post"
    postal_address: VisibleText | None = Field(None, max_length=200)


class TaxpayerType(StrEnum):
    small_scale = "small_scale"  # 小规模纳税人
    general = "general"  # 一般纳税人


class InvoiceKind(StrEnum):
    vat_special = "vat_special"  # 数电发票（增值税专用发票）
    vat_general = "vat_general"  # 数电发票（普通发票）


class TaxNeeds(BaseModel):
    model_config = STRICT
    taxpayer_type: TaxpayerType = TaxpayerType.small_scale
    invoice_kinds: list[InvoiceKind] = Field(default_factory=lambda: [InvoiceKind.vat_general])
    monthly_invoice_estimate: Money = Decimal("0")
    annual_sales_estimate: Money = Decimal("0")


class Employee(Person):
    start_date: date | None = None  # None: from the day the company is established
    monthly_wage: Money


# 住房公积金管理条例 art. 18: the unit and the employee each deposit 5 %-12 % of the wage base.
HOUSING_FUND_MIN_RATE, HOUSING_FUND_MAX_RATE = 5, 12
HOUSING_FUND_DEFAULT_RATE = 8  # what ticking "housing fund" without choosing means (Wuhan's usual rate)


class HousingFundRequest(BaseModel):
    """住房公积金单位缴存登记: the deposit rates the unit chooses, whole percent each."""

    model_config = STRICT
    employer_rate: int = Field(HOUSING_FUND_DEFAULT_RATE, ge=HOUSING_FUND_MIN_RATE, le=HOUSING_FUND_MAX_RATE)
    employee_rate: int = Field(HOUSING_FUND_DEFAULT_RATE, ge=HOUSING_FUND_MIN_RATE, le=HOUSING_FUND_MAX_RATE)


def _housing_fund_choice(value: Any) -> Any:
    """The form's earlier yes/no stays valid: yes = the default rates, no = not asked for."""
    if value is True or value in ("true", "on", "1"):
        return {}
    if value is False or value in ("false", "", "0"):
        return None
    return value


# ---- beneficial owners (受益所有人, 中国人民银行 国家市场监督管理总局令〔2024〕第3号, from 2024-11-01) ----


class ControlBasis(StrEnum):
    equity = "equity"  # 直接或间接拥有25%以上股权、股份或合伙权益
    control = "control"  # 单独或联合对公司实施实际控制（协议、亲属关系等）
    senior_manager = "senior_manager"  # 无上述人员时，负责日常经营管理的高级管理人员


CONTROL_BASIS_LABELS = {ControlBasis.equity: "持股25%以上", ControlBasis.control: "实际控制",
                        ControlBasis.senior_manager: "高级管理人员"}
BENEFICIAL_EQUITY_THRESHOLD = Decimal("25")  # percent (order 3号 art. 6)
BENEFICIAL_EXEMPT_CAPITAL = Decimal("10000000")  # art. 7: capital <= 10 million yuan ...


class BeneficialOwner(Person):
    """A natural person who owns or controls the company; `share` in percent of equity (0-100)."""

    basis: list[ControlBasis] = Field(min_length=1, max_length=3)
    share: Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)] | None = None


class BeneficialOwnership(BaseModel):
    """The filing, or the exemption: capital <= 10 million yuan, every shareholder a natural person, and
    a signed commitment that no one else owns or controls the company (承诺). Registration keeps it; it is
    never on a public page nor in the licence_issued event."""

    model_config = STRICT
    exempt: bool = False
    commitment_signed: bool = False
    owners: list[BeneficialOwner] = Field(default_factory=list, max_length=50)


class Contact(BaseModel):
    model_config = STRICT
    phone: VisibleText = Field(max_length=20)
    email: VisibleText = Field(max_length=120)


class ApplicationForm(BaseModel):
    """Everything every bureau needs, asked once."""

    model_config = STRICT
    company_type: CompanyType
    name: CompanyName
    domicile: Address
    registered_capital: Money
    shareholders: list[Shareholder] = Field(min_length=1, max_length=200)
    legal_representative: LegalRepresentative
    directors: list[Person] = Field(min_length=1, max_length=50)
    manager: Person | None = None
    supervisors: list[Person] = Field(default_factory=list, max_length=20)
    business_scope: list[str] = Field(min_length=1, max_length=50)
    seals: SealRequest = Field(default_factory=SealRequest)
    tax: TaxNeeds = Field(default_factory=TaxNeeds)
    employees: list[Employee] = Field(default_factory=list, max_length=500)
    housing_fund: Annotated[HousingFundRequest | None, BeforeValidator(_housing_fund_choice)] = None
    beneficial_owners: BeneficialOwnership | None = None
    contact: Contact


# ---- rules -----------------------------------------------------------------------------------

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")

# The messages the browser's live checks show too (gateway/web renders them into the page), so a
# founder reads the same words before and after submitting.
MESSAGES = {
    "resident_id": "身份证号码无效：请核对出生日期和最后一位校验码",
    "uscc": "统一社会信用代码无效：请核对18位代码及校验码",
    "phone": "请填写11位手机号码",
    "email": "电子邮箱格式不正确",
    "amount": "请填写金额数字，如 100000.00",
    "amount_places": "金额最多保留两位小数（到分）",
}


def _division_names() -> set[str]:
    names = {""}
    for row in hubei_divisions().values():
        full = row["name"]
        names.add(full)
        names.add(full.rstrip("省市区"))
    return names


def form_errors(form: ApplicationForm, today: date | None = None) -> list[FieldError]:
    """Every business rule the form breaks, as (field path, Chinese message)."""
    today = today or clock.china_today()
    errors: list[FieldError] = []

    def err(path: str, message: str) -> None:
        errors.append(FieldError(field=path, message=message))

    # name (企业名称登记管理规定)
    trade = form.name.trade_name
    if not _HAN.match(trade):
        err("name.trade_name", "字号只能使用规范汉字，不能含拼音、字母、数字或符号")
    elif len(trade) < 2:
        err("name.trade_name", "字号应由两个以上汉字组成")
    if form.name.division not in _division_names():
        err("name.division", "行政区划名称应为湖北省内的省、市或区名称（如“武汉”），或留空")
    if form.name.industry and not _HAN.match(form.name.industry):
        err("name.industry", "行业或经营特点只能使用规范汉字")
    allowed_forms = ORGANISATION_FORMS[form.company_type]
    if form.name.organisation_form not in allowed_forms:
        err(
            "name.organisation_form",
            f"{COMPANY_TYPE_LABELS[form.company_type]}的组织形式应为“{'”或“'.join(allowed_forms)}”",
        )

    if not is_known_district(form.domicile.district_code):
        err("domicile.district_code", "住所所在区不在本系统服务范围内（武汉市13个区）")

    # capital and shareholders (公司法 2023)
    if form.registered_capital <= 0:
        err("registered_capital", "注册资本应大于0元")
    low, high = SHAREHOLDER_LIMITS[form.company_type]
    if not low <= len(form.shareholders) <= high:
        label = COMPANY_TYPE_LABELS[form.company_type]
        err("shareholders", f"{label}的股东应为{low}至{high}个" if low != high else f"{label}只能有一个股东")
    latest_due = _add_years(today, CAPITAL_PAYMENT_YEARS)
    seen_holders: set[str] = set()
    for i, holder in enumerate(form.shareholders):
        path = f"shareholders.{i}"
        key = holder.resident_id if isinstance(holder, NaturalShareholder) else holder.uscc
        if isinstance(holder, NaturalShareholder):
            if not is_valid_resident_id(holder.resident_id, today):
                err(f"{path}.resident_id", MESSAGES["resident_id"])
        elif not is_valid_uscc(holder.uscc):
            err(f"{path}.uscc", MESSAGES["uscc"])
        if key in seen_holders:
            err(path, "同一股东不能重复填写")
        seen_holders.add(key)
        if holder.subscribed_amount <= 0:
            err(f"{path}.subscribed_amount", "认缴出资额应大于0元")
        if form.company_type is CompanyType.joint_stock:
            if holder.payment_due > today:
                err(f"{path}.payment_due", "股份有限公司发起人应在公司成立前缴足股款（公司法第九十八条）")
        elif holder.payment_due < today:
            err(f"{path}.payment_due", "认缴出资日期不能早于今天")
        elif holder.payment_due > latest_due:
            err(
                f"{path}.payment_due",
                f"有限责任公司股东认缴的出资应自公司成立之日起五年内缴足（公司法第四十七条），"
                f"最晚{latest_due.isoformat()}",
            )
    subscribed = sum((h.subscribed_amount for h in form.shareholders), Decimal("0"))
    if form.registered_capital > 0 and subscribed != form.registered_capital:
        err("shareholders", f"股东认缴出资合计{subscribed}元，与注册资本{form.registered_capital}元不一致")

    # officers
    for i, person in enumerate(form.directors):
        _check_person(person, f"directors.{i}", today, err)
    if form.manager:
        _check_person(form.manager, "manager", today, err)
    for i, person in enumerate(form.supervisors):
        _check_person(person, f"supervisors.{i}", today, err)
    rep = form.legal_representative
    if not is_valid_resident_id(rep.resident_id, today):
        err("legal_representative.resident_id", MESSAGES["resident_id"])
    director_ids = {p.resident_id for p in form.directors}
    if rep.position == "director" and rep.resident_id not in director_ids:
        err("legal_representative", "法定代表人须由执行公司事务的董事担任：请先把此人列为董事（公司法第十条）")
    if rep.position == "manager" and (form.manager is None or form.manager.resident_id != rep.resident_id):
        err("legal_representative", "法定代表人选择由经理担任时，须与所填经理为同一人（公司法第十条）")
    officer_ids = director_ids | ({form.manager.resident_id} if form.manager else set())
    for i, person in enumerate(form.supervisors):
        if person.resident_id in officer_ids:
            err(f"supervisors.{i}", "董事、高级管理人员不得兼任监事")

    # business scope
    seen_items: set[str] = set()
    for i, code in enumerate(form.business_scope):
        if scope.item(code) is None:
            err(f"business_scope.{i}", "该经营范围条目不在《经营范围规范表述目录》中，请从目录中选择")
        elif code in seen_items:
            err(f"business_scope.{i}", "经营范围条目重复")
        seen_items.add(code)

    # seals
    seals = form.seals
    if seals.kinds and not (seals.electronic or seals.physical):
        err("seals", "请至少选择电子印章或实物印章中的一种")
    if len(set(seals.kinds)) != len(seals.kinds):
        err("seals.kinds", "印章种类重复")
    if seals.physical and seals.delivery == "post" and not seals.postal_address:
        err("seals.postal_address", "选择免费邮寄实物印章时，请填写收件地址")

    # tax
    if form.tax.monthly_invoice_estimate < 0:
        err("tax.monthly_invoice_estimate", "每月开票金额预计不能为负数")
    if form.tax.annual_sales_estimate < 0:
        err("tax.annual_sales_estimate", "年销售额预计不能为负数")
    if (
        form.tax.taxpayer_type is TaxpayerType.small_scale
        and form.tax.annual_sales_estimate > GENERAL_TAXPAYER_THRESHOLD
    ):
        err("tax.taxpayer_type", "预计年应税销售额超过500万元，应登记为一般纳税人（财税〔2018〕33号）")

    # employees
    seen_staff: set[str] = set()
    for i, person in enumerate(form.employees):
        path = f"employees.{i}"
        _check_person(person, path, today, err)
        if person.resident_id in seen_staff:
            err(path, "同一员工不能重复填写")
        seen_staff.add(person.resident_id)
        if person.monthly_wage <= 0:
            err(f"{path}.monthly_wage", "月工资应大于0元")
        if person.start_date is None:
            pass
        elif person.start_date < today:
            err(f"{path}.start_date", "入职日期不能早于今天：公司成立后才能参保")
        elif person.start_date > today + timedelta(days=365):
            err(f"{path}.start_date", "入职日期不能晚于一年以后")

    if form.beneficial_owners is not None:
        _beneficial_owner_errors(form, form.beneficial_owners, today, err)

    # contact
    if not _MOBILE.match(form.contact.phone):
        err("contact.phone", MESSAGES["phone"])
    if not _EMAIL.match(form.contact.email):
        err("contact.email", MESSAGES["email"])
    return errors


def _beneficial_owner_errors(form: ApplicationForm, filing: BeneficialOwnership, today: date, err) -> None:
    path = "beneficial_owners"
    if filing.exempt:
        if form.registered_capital > BENEFICIAL_EXEMPT_CAPITAL:
            err(f"{path}.exempt", "注册资本超过1000万元，不能承诺免于填报受益所有人信息")
        if any(not isinstance(h, NaturalShareholder) for h in form.shareholders):
            err(f"{path}.exempt", "有非自然人股东，不能承诺免于填报受益所有人信息")
        if not filing.commitment_signed:
            err(f"{path}.commitment_signed", "免于填报须签署承诺书（承诺股东均为自然人且不存在其他受益所有人）")
        return
    if not filing.owners:
        err(f"{path}.owners", "请填写至少一名受益所有人，或在符合条件时承诺免于填报")
    seen: set[str] = set()
    total = Decimal("0")
    for i, owner in enumerate(filing.owners):
        at = f"{path}.owners.{i}"
        _check_person(owner, at, today, err)
        if owner.resident_id in seen:
            err(at, "同一受益所有人不能重复填写")
        seen.add(owner.resident_id)
        total += owner.share or 0
        if ControlBasis.equity in owner.basis and (owner.share is None or owner.share < BENEFICIAL_EQUITY_THRESHOLD):
            err(f"{at}.share", "按持股认定的受益所有人，持股比例应不低于25%")
    if total > 100:
        err(f"{path}.owners", f"受益所有人持股比例合计{total}%，超过100%")


def _check_person(person: Person, path: str, today: date, err) -> None:
    if not is_valid_resident_id(person.resident_id, today):
        err(f"{path}.resident_id", MESSAGES["resident_id"])


def flat_fields(node: Any, prefix: str = "") -> dict[str, Any]:
    """A form (as JSON) as {dotted path: value}, rows numbered ("shareholders.0.name"); lists of plain
    values (business_scope) stay whole. What a correction's diff compares."""
    if isinstance(node, dict):
        return {k: v for key, value in node.items() for k, v in flat_fields(value, f"{prefix}{key}.").items()}
    if isinstance(node, list) and any(isinstance(x, dict) for x in node):
        return {k: v for i, value in enumerate(node) for k, v in flat_fields(value, f"{prefix}{i}.").items()}
    return {prefix.rstrip("."): node}


def unchanged_fields(flagged: list[str], before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The flagged paths (a path covers everything under it) whose values are the same in both forms."""
    old, new = flat_fields(before), flat_fields(after)
    changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    return [f for f in flagged if not any(c == f or c.startswith(f + ".") for c in changed)]


def _rows(data: dict, key: str) -> list[tuple[str, dict]]:
    rows = data.get(key)
    return [(f"{key}.{i}", r) for i, r in enumerate(rows) if isinstance(r, dict)] if isinstance(rows, list) else []


def single_field_errors(data: Any, today: date | None = None) -> list[FieldError]:
    """The checks that need one field only, run on the raw body: when the form does not parse (a
    required field missing), these still report a bad ID check digit or phone number in the same
    answer instead of on the next submit. The same words as `form_errors`."""
    if not isinstance(data, dict):
        return []
    today = today or clock.china_today()
    people = [(p, r) for key in ("shareholders", "directors", "supervisors", "employees") for p, r in _rows(data, key)]
    people += [(key, data[key]) for key in ("legal_representative", "manager") if isinstance(data.get(key), dict)]
    errors: list[FieldError] = []
    for path, row in people:
        number = row.get("resident_id")
        if isinstance(number, str) and number.strip() and not is_valid_resident_id(number.strip(), today):
            errors.append(FieldError(field=f"{path}.resident_id", message=MESSAGES["resident_id"]))
        code = row.get("uscc")
        if row.get("kind") == "corporate" and isinstance(code, str) and code.strip() and not is_valid_uscc(code.strip()):
            errors.append(FieldError(field=f"{path}.uscc", message=MESSAGES["uscc"]))
    contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
    for key, pattern in (("phone", _MOBILE), ("email", _EMAIL)):
        value = contact.get(key)
        if isinstance(value, str) and value.strip() and not pattern.match(value.strip()):
            errors.append(FieldError(field=f"contact.{key}", message=MESSAGES[key]))
    return errors


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---- parsing with founder-readable messages ---------------------------------------------------

_TYPE_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "表单中没有这一项",
    "string_type": "应为文字",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "含有无法识别的字符（如单独的代理项），请重新输入",
    "decimal_parsing": "请填写金额数字，如 100000.00",
    "decimal_type": "请填写金额数字，如 100000.00",
    "decimal_max_places": "金额最多保留两位小数（到分）",
    "decimal_max_digits": "金额过大",
    "decimal_whole_digits": "金额过大",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "日期格式应为 YYYY-MM-DD",
    "bool_parsing": "应为是或否",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "greater_than": "应大于{gt}",
    "greater_than_equal": "不能小于{ge}",
    "less_than_equal": "不能大于{le}",
    "bool_type": "应为是或否",
    "list_type": "应为列表",
    "too_short": "至少需要填写一项",
    "too_long": "项数太多",
    "model_type": "格式不正确",
    "model_attributes_type": "格式不正确",
    "dict_type": "格式不正确",
    "enum": "不是可选的值",
    "literal_error": "不是可选的值",
    "union_tag_invalid": "股东类型应为 natural（自然人）或 corporate（法人）",
    "union_tag_not_found": "请注明股东类型 kind：natural（自然人）或 corporate（法人）",
}


def pydantic_field_errors(exc: ValidationError) -> list[FieldError]:
    rows = []
    for e in exc.errors():
        loc = [str(p) for p in e["loc"] if p not in ("natural", "corporate")]
        template = _TYPE_MESSAGES.get(e["type"])
        message = template.format(**e.get("ctx", {})) if template else e["msg"]
        if e["type"] in ("enum", "literal_error") and e.get("ctx", {}).get("expected"):
            message = f"{message}，可选：{e['ctx']['expected']}"
        rows.append(FieldError(field=".".join(loc) or "body", message=message))
    return rows


def validate_form(data: Any, today: date | None = None) -> ApplicationForm:
    """Parse and check a submitted form; raise `Invalid` listing every field error."""
    errors = collect_errors(data, today)
    if isinstance(errors, ApplicationForm):
        return errors
    raise Invalid.with_fields(f"申请表有{len(errors)}处需要修改", errors)


def collect_errors(data: Any, today: date | None = None) -> ApplicationForm | list[FieldError]:
    """The parsed form, or EVERY error that can be found in it: the parse errors plus the one-field
    checks of the fields that did parse (the cross-field rules need a whole form)."""
    try:
        form = ApplicationForm.model_validate(data)
    except ValidationError as exc:
        errors = pydantic_field_errors(exc)
        seen = {e.field for e in errors}
        return errors + [e for e in single_field_errors(data, today) if e.field not in seen]
    return form_errors(form, today) or form
