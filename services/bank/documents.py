"""The bank's documents, as PDFs from the stored account: the appointment confirmation (银行预约开户确认书)
once the appointment is booked, and the basic account's details (基本存款账户信息) once it is open.

Since 2019 a bank no longer hands out an account licence (开户许可证): the People's Bank abolished the
approval of enterprise accounts and the bank gives the depositor the basic account's details instead
(《企业银行结算账户管理办法》, 银发〔2019〕41号). Materials to bring follow 《人民币银行结算账户管理办法》
(中国人民银行令〔2003〕第5号) art. 17 (the licence) and the reserved seals (预留印鉴) the bank keeps on file.
The CJK font is embedded (kit.pdf); with a signing identity the PDF is PAdES-signed by the bank, its
round seal over the issue date, like every bureau's documents.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer

from contracts import banks
from contracts.clock import china_date, in_china
from contracts.rpc import DocumentRef
from kit import pdf as pdfkit
from kit import pdfsign, pki
from services.bank.domain import ACCOUNT_DOC, APPOINTMENT_DOC, Account, appointment_text

FONT = pdfkit.font()
MARGIN = 16 * mm
APPOINTMENT, ACCOUNT_DETAILS = APPOINTMENT_DOC, ACCOUNT_DOC
MATERIALS = ("营业执照（可出示电子营业执照）", "法定代表人本人有效身份证件",
             "预留印鉴：单位财务专用章、法定代表人名章")


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "bank", banks.bank().name)


_p = pdfkit.paragraphs("bank")  # title, body and small paragraphs in the embedded font


def refs(account: Account) -> list[DocumentRef]:
    """What the account has to show: the confirmation while booked or open, the details once open."""
    if account.state == "refused":
        return []
    return [APPOINTMENT, ACCOUNT_DETAILS] if account.state == "opened" else [APPOINTMENT]


def render(account: Account, name: str, identity: pki.Identity | None = None) -> tuple[bytes, str]:
    """The named document's PDF and its file name; with `identity` signed by the bank."""
    if name == ACCOUNT_DETAILS.name:
        title, issued, facts = ACCOUNT_DETAILS.title, account.opened_at, _details(account)
        notes = ["本账户为基本存款账户，用于办理日常转账结算和现金收付（《人民币银行结算账户管理办法》第十三条）。"]
    else:
        title, issued, facts = APPOINTMENT.title, account.reserved_at, _appointment(account)
        notes = ["请按预约时间携带以下材料到网点柜台办理：" + "；".join(MATERIALS) + "。",
                 "预分配的账号在柜台核验预留印鉴、开立账户后生效；已同步至税务（三方协议）和社会保险、医疗保险、"
                 "住房公积金（委托扣款）部门。"]
    issued_on = china_date(issued).isoformat()
    data, (page, _, y) = _draw(title, facts, notes, issued_on, account.bank_name)
    filename = f"{title}-{account.uscc}.pdf"
    if identity is None:
        return data, filename
    date_x = MARGIN + stringWidth("出具日期：", FONT, 10) + stringWidth(issued_on, FONT, 10) / 2
    meta = pdfkit.Meta(f"{title} {account.company_name}", account.bank_name, account.uscc, created=issued)
    signed = pdfsign.bureau_sign(data, meta, identity, account.bank_name,
                                 pdfsign.seal_box(page, date_x, y + 3 * mm, 42 * mm),
                                 reason=f"{account.bank_name}出具{title}")
    return signed, filename


def _appointment(account: Account) -> list[tuple[str, str]]:
    when = appointment_text(account.appointment) or "网点已约满：工作人员将联系您另行安排"
    return [("单位名称", account.company_name), ("统一社会信用代码", account.uscc),
            ("法定代表人", account.legal_representative), ("开户银行", account.branch_name),
            ("网点地址", account.branch_address), ("预约时间（北京时间）", when),
            ("预分配基本存款账户账号", account.account_number)]


def _details(account: Account) -> list[tuple[str, str]]:
    opened = in_china(account.opened_at).strftime("%Y-%m-%d %H:%M") if account.opened_at else ""
    return [("存款人名称", account.company_name), ("统一社会信用代码", account.uscc),
            ("法定代表人", account.legal_representative), ("账户性质", "基本存款账户"),
            ("账号", account.account_number), ("开户银行", account.branch_name),
            ("开户时间（北京时间）", opened)]


def _draw(title: str, facts: list[tuple[str, str]], notes: list[str], issued_on: str, bank_name: str):
    buffer = BytesIO()
    doc = pdfkit.doc_template(buffer, A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
                              bottomMargin=18 * mm, title=title, author=bank_name)
    date_line = pdfkit.anchor()
    story: list[Any] = [
        _p(title, "title"), Spacer(1, 6 * mm),
        pdfkit.grid([[_p(k), _p(v)] for k, v in facts], [48 * mm, 130 * mm]),
        Spacer(1, 6 * mm), *[_p(n) for n in notes], Spacer(1, 8 * mm),
        _p(f"出具日期：{issued_on}　　本文书由{bank_name}通过企业开办“一网通办”平台出具。"), date_line,
        _p("银行网点及预约数据为演示数据（contracts/data/bank_branches_wuhan.json），不对应真实银行。", "small"),
    ]
    doc.build(story)
    return buffer.getvalue(), date_line.at
