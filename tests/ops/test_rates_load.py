"""`onestop rates load` for medical insurance: a running medical insurance service (a real nameko container
on the shared broker and database) uses a file the operator loads without a restart, and its figures
past the last period are provisional until the next period is loaded."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from contracts.rpc import Conflict, register_remote_errors
from gateway.ops.cli import main
from kit import rates
from services.medical_insurance import figures
from services.medical_insurance import service as medical
from tests.integration.medical_insurance.test_medical_insurance_service import (
    Watcher,  # what the bureau tells
)
from tests.support.events import as_published
from tests.unit.housing_fund.factories import licence_issued, staff

pytestmark = pytest.mark.integration


def yichang_file(tmp_path, **change) -> str:
    """The shipped Wuhan figures, typed in again for 宜昌 (420500), for which nothing ships."""
    raw = json.loads((figures.DATA_DIR / "420100_2026-09.json").read_text("utf-8"))
    raw.update(region_code="420500", source="测试 2026-12-02 宜昌", **change)
    path = tmp_path / f"yichang-{raw['valid_from']}.json"
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=1), "utf-8")
    return str(path)


def test_a_running_service_uses_the_loaded_file_without_a_restart(container_factory, service_config, monkeypatch,
                                                                   tmp_path, capsys):
    monkeypatch.setenv(rates.RATES_DIR_ENV, str(tmp_path / "rates"))
    monkeypatch.setenv(rates.RECHECK_ENV, "0")  # looks at the directory at every question (default 30 s)
    book = figures.operator_book()  # what the service builds at start-up, from that environment
    assert book.operator_dir == tmp_path / "rates" / "medical_insurance"
    monkeypatch.setattr(medical, "FIGURES", book)
    Watcher.seen = []
    container = container_factory(medical.MedicalInsuranceService, service_config)
    watcher = container_factory(Watcher, service_config)
    container.start()
    watcher.start()
    register_remote_errors()

    event = licence_issued(staff("3000.00"), district="420501", rates=None)  # 宜昌: no figures shipped
    with entrypoint_waiter(watcher, "on_task_queued"):
        as_published(service_config)("registration", event.type, event.model_dump(mode="json"))
    with ServiceRpcProxy("medical_insurance", service_config) as rpc:
        [task] = rpc.list_tasks("open")
        rpc.claim_task(task["id"], "clerk-a")
        with pytest.raises(Conflict, match="仍未配置"):
            rpc.act_on_task(task["id"], "clerk-a", "approve", {})

        assert main(["rates", "load", yichang_file(tmp_path)]) == 0
        assert "installed medical_insurance 420500 2026-09-01~2027-08-31" in capsys.readouterr().out
        with entrypoint_waiter(watcher, "on_registered"):
            done = rpc.act_on_task(task["id"], "clerk-a", "approve", {})
        assert done["state"] == "done"
        [member] = rpc.list_members(event.licence.uscc)
    assert member["contribution_base"] == "4700.00"  # 3000 held up to the loaded file's floor
    assert [p["type"] for p in Watcher.seen] == ["task_queued", "medical_insurance_registered"]


def test_past_the_last_loaded_period_the_figures_are_provisional_until_the_next_is_loaded(monkeypatch, tmp_path,
                                                                                         capsys):
    monkeypatch.setenv(rates.RATES_DIR_ENV, str(tmp_path / "rates"))
    book = figures.FiguresBook(directory=tmp_path / "none", operator_dir=rates.operator_dir("medical_insurance"))
    book.recheck = 0
    assert main(["rates", "load", yichang_file(tmp_path)]) == 0
    later = date(2027, 9, 15)
    continued = book.figures("420502", later)
    assert continued.provisional and continued.period == "2026-09-01~2027-08-31"
    assert main(["rates", "load", yichang_file(tmp_path, valid_from="2027-09-01", valid_until="2028-08-31",
                                               base={"floor": "4900.00", "ceiling": "24500.00"})]) == 0
    loaded = book.figures("420502", later)
    assert not loaded.provisional and loaded.base.floor == Decimal("4900.00")
    assert book.figures("420502", date(2028, 9, 1)).provisional
