"""The social-insurance registration certificate (社会保险登记证明) as a PDF, from stored data.

The CJK font is embedded (kit.pdf); with a signing identity the certificate is PAdES-signed by the
social-insurance agency, its round seal over the issue date. Resident ID numbers are printed masked:
the certificate is shown around.
"""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, Spacer

from contracts import clock
from contracts.codes import mask_resident_id
from contracts.rpc import Document, DocumentRef, NotFound
from kit import pdf as pdfkit
from kit import pdfsign, pki
from services.social_security import domain, injury

FONT = pdfkit.font()
AGENCY = "武汉市社会保险事业管理局"  # signs the certificate; its seal is the visible signature
MARGIN = 18 * mm


def signing_identity(config: dict) -> pki.Identity:
    return pki.identity(config, "social_security", AGENCY)


class CertificateDesk:
    """The documents RPCs' desk (kit.entrypoints.DocumentRpc): the certificate of a registered employer,
    rendered once per state of the employer and its staff, then served as issued (kit.documents)."""

    def __init__(self, store: Any, ref: DocumentRef, identity=None):
        self.store, self.ref, self.identity = store, ref, identity

    def list(self, application_id: str) -> list[dict]:
        return [self.ref.model_dump(mode="json")] if self._registered(application_id) else []

    def get(self, application_id: str, name: str) -> dict:
        employer = self._registered(application_id)
        if name != self.ref.name or employer is None:
            raise NotFound(f"申请{application_id}没有社保文书{name}")
        staff = self.store.staff(employer["uscc"], active_only=True)

        def render() -> Document:
            pdf = render_certificate(employer, staff, domain.local_today(clock.now()).isoformat(), self.identity)
            return Document(name=name, filename=f"社会保险登记证明-{employer['uscc']}.pdf",
                            content_type="application/pdf", data_base64=base64.b64encode(pdf).decode())

        source = {"employer": {k: v for k, v in employer.items() if k != "updated_at"}, "staff": staff}
        return self.store.documents.issue(application_id, name, source, render).model_dump(mode="json")

    def _registered(self, application_id: str) -> dict | None:
        employer = self.store.employer_by_application(application_id)
        return employer if employer is not None and employer["state"] == "registered" else None

_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1)
_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16)
_SMALL = ParagraphStyle("small", fontName=FONT, fontSize=8.5, leading=12, textColor=colors.grey)


def render_certificate(employer: dict[str, Any], staff: list[dict[str, Any]], issued_on: str,
                       identity=None) -> bytes:
    """`employer` as stored; `staff` = active enrolments as stored (raw IDs, masked here). With
    `identity` (kit.pki.Identity) the PDF is signed."""
    data, (page, _, y) = _draw(employer, staff, issued_on)
    if identity is None:
        return data
    date_x = MARGIN + stringWidth("出具日期：", FONT, _BODY.fontSize) + stringWidth(issued_on, FONT, _BODY.fontSize) / 2
    meta = pdfkit.Meta(f"社会保险登记证明 {employer['company_name']}", AGENCY, employer["uscc"])
    return pdfsign.bureau_sign(data, meta, identity, AGENCY, pdfsign.seal_box(page, date_x, y + 3 * mm, 42 * mm),
                               reason=f"{AGENCY}出具社会保险登记证明")


def _draw(employer: dict[str, Any], staff: list[dict[str, Any]], issued_on: str):
    buffer = BytesIO()
    doc = pdfkit.doc_template(buffer, A4, leftMargin=MARGIN, rightMargin=MARGIN,
                              topMargin=18 * mm, bottomMargin=18 * mm,
                              title="社会保险登记证明", author=AGENCY)
    date_line = pdfkit.anchor()
    facts = [
        ("单位名称", employer["company_name"]),
        ("统一社会信用代码", employer["uscc"]),
        ("单位社保登记号", employer["employer_number"]),
        ("参保险种", "、".join(employer.get("insurances", []))),
        *([("工伤保险行业风险类别", injury.rate_line(employer["work_injury"]))] if employer.get("work_injury") else []),
        ("登记日期", clock.china_date(employer["registered_at"]).isoformat()),
    ]
    story: list[Any] = [Paragraph("社会保险登记证明", _TITLE), Spacer(1, 6 * mm)]
    story.append(pdfkit.grid([[Paragraph(k, _BODY), Paragraph(str(v), _BODY)] for k, v in facts], [45 * mm, 129 * mm]))
    story += [Spacer(1, 6 * mm), Paragraph(f"在职参保人员（{len(staff)}人）", _BODY), Spacer(1, 2 * mm)]
    rows = [[Paragraph(h, _BODY) for h in ("姓名", "公民身份号码", "个人参保记录号", "参保日期", "缴费基数（元）",
                                           "就业登记日期")]]
    for person in staff:
        rows.append([Paragraph(c, _BODY) for c in (person["name"], mask_resident_id(person["resident_id"]),
                                                   person["record_number"], person["start_date"],
                                                   _base(person), person.get("employment_registered_on") or "—")])
    story.append(pdfkit.grid(rows, [18 * mm, 38 * mm, 44 * mm, 22 * mm, 24 * mm, 28 * mm], header=True))
    story += [Spacer(1, 8 * mm),
              Paragraph(f"出具日期：{issued_on}　　本证明由企业开办“一网通办”平台社会保险经办机构出具。", _BODY),
              date_line,
              *([Paragraph("标注“暂定”的缴费基数按上一期已公布的缴费基数上下限核定：本期标准公布后自动重新核定。", _SMALL)]
                if any(p.get("contribution_provisional") for p in staff) else []),
              Paragraph("社会保障号码即公民身份号码（《社会保险法》第五十八条），本证明中已作遮蔽处理。", _SMALL),
              Paragraph("参保人员的就业登记与参保登记同时办理；职工基本医疗保险和生育保险由医疗保障部门登记。", _SMALL)]
    doc.build(story)
    return buffer.getvalue(), date_line.at


def _base(person: dict[str, Any]) -> str:
    return person["contribution_base"] + ("（暂定）" if person.get("contribution_provisional") else "")
