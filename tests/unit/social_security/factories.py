"""What the unit tests of the workflow and the clerk queue build: a licence, a recording dispatch."""

from datetime import UTC, date, datetime
from decimal import Decimal

from contracts.codes import make_uscc
from contracts.events import Licence, LicenceIssued
from contracts.form import Employee, LegalRepresentative, SealRequest, TaxNeeds

from .helpers import resident_id

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
USCC = make_uscc("420111", "00000001")


def licence(district: str = "420111", staff: int = 0, wage: str = "9000.00", ids: list[str] | None = None,
            scope: tuple[str, ...] = ("G0008",)) -> LicenceIssued:
    return LicenceIssued(
        application_id="app-1",
        licence=Licence(uscc=make_uscc(district, "00000001"), company_name="武汉海陆空商贸有限公司",
                        company_type="有限责任公司", legal_representative="赵六",
                        registered_capital=Decimal("100000.00"), established_on=date(2026, 11, 25), term="长期",
                        domicile="武汉市洪山区珞喻路1号", district_code=district, business_scope="日用百货销售",
                        authority="武汉市洪山区市场监督管理局", issued_at=NOW),
        legal_representative=LegalRepresentative(name="赵六", resident_id=resident_id(seq="900"), position="director"),
        contact_phone="13800000000", seals=SealRequest(), tax=TaxNeeds(), business_scope=list(scope),
        employees=[Employee(name="孙八", resident_id=rid, monthly_wage=Decimal(wage))
                   for rid in (ids or [resident_id(seq=f"{i:03d}") for i in range(staff)])])


class Sent(list):
    """A dispatch that records (routing key, payload)."""

    def __call__(self, kind, payload):
        self.append((kind, payload))

    def kinds(self):
        return [k for k, _ in self]
