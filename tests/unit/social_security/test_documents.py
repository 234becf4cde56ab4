from datetime import UTC, datetime
from io import BytesIO

from pypdf import PdfReader

from contracts.codes import make_uscc, mask_resident_id
from services.social_security.documents import render_certificate

from .helpers import resident_id


def test_certificate_reads_back_with_masked_ids_only():
    uscc = make_uscc("420111", "00000001")
    employer = {"company_name": "武汉海陆空商贸有限公司", "uscc": uscc, "employer_number": "4201112026000001",
                "insurances": ["养老保险", "失业保险", "工伤保险"],
                "registered_at": datetime(2026, 11, 25, tzinfo=UTC)}
    rid = resident_id()
    staff = [{"name": "张三", "resident_id": rid, "record_number": "420111202600000100001",
              "start_date": "2026-11-25", "contribution_base": "8000.00",
              "employment_number": "JY420111202600000100001", "employment_registered_on": "2026-11-26"}]
    pdf = render_certificate(employer, staff, "2026-11-25")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    for expected in ("社会保险登记证明", "武汉海陆空商贸有限公司", uscc, "4201112026000001", "工伤保险",
                     "张三", mask_resident_id(rid), "8000.00", "就业登记日期", "2026-11-26"):
        assert expected in text, expected
    assert rid not in text
    assert "医疗" not in text.replace("职工基本医疗保险和生育保险由医疗保障部门登记", "")  # medical is not ours
