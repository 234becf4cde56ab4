"""受理回执 (the acceptance receipt) as a PDF, given at submission: the 受理编号, the submission time in
Beijing time, the list of what was received (sections of the one form, summarised: names, counts,
amounts, never a resident ID), and the deadlines of every step with the rule they follow
(contracts/timelimits.py), from the same application view the founder's page shows. A real PDF with
the embedded CJK font and PDF/A-2b identification (kit/pdf.py); not signed: it proves nothing to a
third party, it is the founder's own record (the licence is the signed document)."""

from __future__ import annotations

import io
from typing import Any

from contracts import clock, scope, timelimits
from gateway.web.texts import BUREAU, INVOICE, STEP_STATE, TAXPAYER, TEMPLATE_GLOBALS, when, yuan
from kit import pdf

COMPANY_TYPES = TEMPLATE_GLOBALS["COMPANY_TYPES"]
SEAL_KINDS = TEMPLATE_GLOBALS["SEAL_KINDS"]
ISSUER = "武汉市企业开办一网通办平台"


def _names(people: Any) -> str:
    people = [p for p in (people if isinstance(people, list) else [people]) if isinstance(p, dict)]
    return "、".join(p.get("name", "") for p in people) + (f"（{len(people)}人）" if len(people) > 1 else "")


def _address(domicile: dict[str, Any]) -> str:
    district = TEMPLATE_GLOBALS["district_name"](domicile.get("district_code", "")) or ""
    detail = domicile.get("detail", "")
    return detail if detail.startswith(district) else district + detail


def received(form: dict[str, Any], company: str) -> list[tuple[str, str]]:
    """(what, summary) for every section of the form the founder filled in."""
    domicile = form.get("domicile") or {}
    tax = form.get("tax") or {}
    seals = form.get("seals") or {}
    rows = [
        ("企业名称", company),
        ("公司类型", COMPANY_TYPES.get(form.get("company_type", ""), "")),
        ("住所", _address(domicile)),
        ("注册资本", yuan(form.get("registered_capital"))),
        ("股东及出资", _names(form.get("shareholders") or [])),
        ("法定代表人", _names(form.get("legal_representative") or {})),
        ("董事", _names(form.get("directors") or [])),
        ("监事", _names(form.get("supervisors") or []) or "不设监事"),
        ("经理", _names(form.get("manager") or {})),
        ("经营范围", scope.describe(form.get("business_scope") or [])),
        ("印章", "、".join(SEAL_KINDS.get(k, k) for k in seals.get("kinds") or []) or "不刻制"),
        ("税务", "；".join(filter(None, [TAXPAYER.get(tax.get("taxpayer_type", ""), ""),
                                        "、".join(INVOICE.get(k, k) for k in tax.get("invoice_kinds") or [])]))),
        ("员工参保", f"{len(form.get('employees') or [])}人"),
        ("住房公积金", "办理缴存登记" if form.get("housing_fund") else "暂不办理"),
        ("银行预约开户", "已预约" if (form.get("bank") or {}).get("branch_id") else "不预约"),
        ("受益所有人", "已填报" if (form.get("beneficial_owners") or {}).get("owners") else "承诺免报"
         if (form.get("beneficial_owners") or {}).get("exempt") else "—"),
        ("联系方式", "已填写手机号码和电子邮箱"),
    ]
    return [(what, text) for what, text in rows if text]


def render(app: dict[str, Any]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Spacer

    font = pdf.font()
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=9, leading=13)
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1)
    head = ParagraphStyle("head", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)

    def cell(text: str, style=body):
        return Paragraph(str(text).replace("&", "&amp;").replace("<", "&lt;"), style)

    width = 170 * mm
    story = [Paragraph("企业开办申请受理回执", title), Spacer(1, 4 * mm),
             pdf.grid([[cell("受理编号"), cell(app.get("acceptance_no") or "—")],
                       [cell("企业名称"), cell(app.get("company_name", ""))],
                       [cell("提交时间"), cell(f"{when(app['submitted_at'])}（北京时间）")],
                       [cell("受理平台"), cell(ISSUER)]], [35 * mm, width - 35 * mm]),
             Paragraph("一、收到的申请内容", head),
             pdf.grid([[cell("项目"), cell("内容摘要")],
                       *([cell(a), cell(b)] for a, b in received(app.get("form") or {}, app.get("company_name", "")))],
                      [35 * mm, width - 35 * mm], header=True),
             Paragraph("身份证明、住所证明等无需另交纸质材料：由登记机关通过政务数据共享核验。", small),
             Paragraph("二、办理时限", head)]
    rows = [[cell("事项"), cell("办理部门"), cell("时限（截至当日）"), cell("当前状态")]]
    for step in app.get("steps") or []:
        if step["state"] == "not_requested":
            continue
        due = step.get("deadline") or "—"
        if step.get("deadline_planned"):
            due += "（预计）"
        rows.append([cell(step["title"]), cell(BUREAU.get(step["bureau"], step["bureau"])), cell(due),
                     cell(STEP_STATE.get(step["state"], step["state"]))])
    story += [pdf.grid(rows, [45 * mm, 50 * mm, 40 * mm, 35 * mm], header=True), Spacer(1, 2 * mm),
              Paragraph(f"全部办结时限：{app.get('deadline')} 前（自 {app.get('deadline_from')} 起计）。", body),
              Paragraph(timelimits.RULE_TEXT, small), Spacer(1, 4 * mm),
              Paragraph(f"本回执由{ISSUER}于 {when(clock.now())}（北京时间）生成，仅作申请人留存；"
                        "办理进度以网上申请页面为准。", small)]
    buffer = io.BytesIO()
    pdf.doc_template(buffer, A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
                     title="企业开办申请受理回执", author=ISSUER).build(story)
    meta = pdf.Meta(title="企业开办申请受理回执", author=ISSUER, subject=app.get("acceptance_no") or "",
                    keywords=["受理回执", app.get("acceptance_no") or ""], created=clock.now())
    return pdf.to_bytes(pdf.archive(buffer.getvalue(), meta))


def filename(app: dict[str, Any]) -> str:
    return f"受理回执-{app.get('acceptance_no') or app['id']}.pdf"

