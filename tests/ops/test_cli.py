"""The operator commands (`onestop queues|sla|outbox|calendar`) through gateway.ops.cli.main, against databases
this test seeds (unique prefix, dropped afterwards) and a fresh vhost on the shared RabbitMQ."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta

import pytest
from kombu import Connection, Exchange, Queue

from contracts import clock
from contracts.calendar import statutory_holidays
from gateway.ops import status as ops
from gateway.ops.cli import main
from kit.launcher import DEFAULT_AMQP_URI, create_vhost, delete_vhost
from kit.mongo import connect
from tests.conftest import MONGO_URI

pytestmark = pytest.mark.integration

TODAY = ops.today_in_beijing()


@pytest.fixture
def env(monkeypatch, tmp_path):
    run = uuid.uuid4().hex[:8]
    prefix, vhost = f"ops_{run}", f"ops-{run}"
    create_vhost(vhost)
    monkeypatch.setenv("MONGO_URI", MONGO_URI)
    monkeypatch.setenv("ONESTOP_DB_PREFIX", prefix)
    monkeypatch.setenv("AMQP_URI", f"{DEFAULT_AMQP_URI}{vhost}")
    monkeypatch.delenv("AMQP_MANAGEMENT_URI", raising=False)  # derived: same host, port 15672
    monkeypatch.setenv("ONESTOP_HOLIDAY_DIR", str(tmp_path / "holidays"))
    client = connect(MONGO_URI, f"{prefix}_gateway").client
    try:
        yield {"prefix": prefix, "vhost": vhost, "client": client, "amqp": f"{DEFAULT_AMQP_URI}{vhost}",
               "holidays": tmp_path / "holidays", "tmp": tmp_path}
    finally:
        delete_vhost(vhost)
        for name in ops.database_names(prefix).values():
            client.drop_database(name)
        client.close()


def run(argv, capsys) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def step(state: str, deadline: date | None) -> dict:
    return {"state": state, "deadline": deadline.isoformat() if deadline else None}


def seed_applications(db) -> dict[str, str]:
    late = TODAY - timedelta(days=10)
    ids = {k: f"app-{k}-{uuid.uuid4().hex[:6]}" for k in ("late", "fine", "done")}
    db.applications.insert_many([
        {"_id": ids["late"], "status": "licensed", "steps": {
            "registration": step("done", late), "seal": step("in_progress", TODAY + timedelta(days=3)),
            "tax": step("waiting_for_clerk", late), "social_security": step("in_progress", late)}},
        {"_id": ids["fine"], "status": "in_review", "steps": {
            "registration": step("waiting_for_clerk", TODAY + timedelta(days=1)),
            "seal": step("pending", None), "tax": step("pending", None), "social_security": step("pending", None)}},
        {"_id": ids["done"], "status": "completed", "steps": {"tax": step("waiting_for_clerk", late)}},
    ])
    return ids


def test_sla_lists_overdue_steps_with_working_days_late(env, capsys):
    db = env["client"][f"{env['prefix']}_gateway"]
    code, out = run(["sla"], capsys)
    assert code == 0 and out.startswith("0 overdue step(s)")
    ids = seed_applications(db)
    code, out = run(["sla"], capsys)
    assert code == 1, out  # breaches: an operator must act
    assert "application_id" in out and ids["late"] in out and ids["done"] not in out and ids["fine"] not in out
    code, out = run(["sla", "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["count"] == 2
    rows = {(b["application_id"], b["bureau"]): b for b in data["breaches"]}
    assert set(rows) == {(ids["late"], "tax"), (ids["late"], "social_security")}
    expected = ops.working_days_late((TODAY - timedelta(days=10)).isoformat(), TODAY)
    assert expected >= 1 and rows[(ids["late"], "tax")]["working_days_late"] == expected  # 10 days late: a holiday week can leave only a few working days


def test_queues_shows_clerk_queues_and_rabbitmq_depths(env, capsys):
    seed_applications(env["client"][f"{env['prefix']}_gateway"])
    with Connection(env["amqp"]) as conn:  # a bureau's RPC queue with 3 waiting messages, no consumer
        queue = Queue("rpc-tax", Exchange("nameko-rpc", type="topic", durable=True), routing_key="tax.*",
                      durable=True)
        producer = conn.Producer()
        for _ in range(3):
            producer.publish({"x": 1}, exchange=queue.exchange, routing_key="tax.health", declare=[queue])
    # the management API's message counts lag by its statistics interval (5 s by default)
    deadline = time.monotonic() + 20
    while {q["queue"]: q["messages"] for q in ops.rabbit_queues(ops.management_uri_for(env["amqp"]),
                                                                env["vhost"])}.get("rpc-tax") != 3:
        assert time.monotonic() < deadline, "the management API never showed the 3 messages"
        time.sleep(0.5)
    code, out = run(["queues", "--json"], capsys)
    data = json.loads(out)
    assert code == 0, out
    bureaus = {b["bureau"]: b for b in data["bureaus"]}
    assert bureaus["tax"]["waiting"] == 1 and bureaus["tax"]["overdue"] == 1  # the completed one is ignored
    assert bureaus["registration"]["waiting"] == 1 and bureaus["registration"]["overdue"] == 0
    assert bureaus["social_security"]["overdue_steps"] == 1 and bureaus["seal"]["overdue_steps"] == 0
    rpc_tax = {q["queue"]: q for q in data["rabbitmq"]["queues"]}["rpc-tax"]
    assert data["rabbitmq"]["vhost"] == env["vhost"] and rpc_tax["messages"] == 3 and rpc_tax["consumers"] == 0
    code, out = run(["queues"], capsys)
    assert code == 0 and "rpc-tax" in out and "waiting" in out


def test_queues_exit_1_when_the_management_api_is_unreachable(env, capsys, monkeypatch):
    monkeypatch.setenv("AMQP_MANAGEMENT_URI", "http://guest:guest@127.0.0.1:9")  # nothing listens
    code, out = run(["queues"], capsys)
    assert code == 1 and "error: RabbitMQ management API" in out and "clerk queues" in out


def test_outbox_lists_pending_entries_and_replay_publishes_them_as_the_right_source(env, capsys):
    tax = env["client"][f"{env['prefix']}_tax"]
    tax.registrations.create_index("outbox.created_at")  # as tax's store makes it: what marks an outbox
    event_id = str(uuid.uuid4())
    old = clock.now() - timedelta(minutes=5)
    payload = {"type": "tax_registered", "event_id": event_id, "application_id": "app-1"}
    tax.registrations.insert_one({"_id": "r1", "outbox": [
        {"event_id": event_id, "type": "tax_registered", "payload": payload, "created_at": old}]})
    tax.registrations.insert_one({"_id": "r2", "outbox": []})
    code, out = run(["outbox", "--json"], capsys)
    data = json.loads(out)
    assert code == 1, out  # older than --stale-seconds (60)
    assert data["pending"] == 1 and data["collections"][0]["database"] == f"{env['prefix']}_tax"
    assert data["collections"][0]["collection"] == "registrations"
    code, out = run(["outbox", "--stale-seconds", "3600"], capsys)
    assert code == 0 and "1 pending outbox entry" in out and "registrations" in out

    # a consumer bound like a nameko event handler of tax's events, before the replay
    with Connection(env["amqp"]) as conn:
        listener = Queue("ops-test-listener", Exchange("tax.events", type="topic", durable=True),
                         routing_key="tax_registered", durable=False, auto_delete=False)
        listener(conn).declare()
        code, out = run(["outbox", "replay"], capsys)
        assert code == 0 and "published and pulled 1 outbox entry" in out, out
        message = listener(conn).get(no_ack=True)
        assert message is not None and json.loads(message.body)["event_id"] == event_id
    assert tax.registrations.find_one({"_id": "r1"})["outbox"] == []
    code, out = run(["outbox"], capsys)
    assert code == 0 and out.startswith("0 pending")
    code, out = run(["outbox", "replay", "--json"], capsys)
    assert code == 0 and json.loads(out)["published"] == 0


def test_calendar_load_validates_installs_and_status_reports_coverage(env, capsys):
    year = TODAY.year + 2  # beyond what chinese_calendar ships: the statutory rules, provisional
    code, out = run(["calendar", "status", "--json"], capsys)
    before = json.loads(out)
    assert code == 1 and {"year": year, "source": "provisional"} in before["years"] and year in before["provisional"]
    good = env["tmp"] / "next.json"
    saturday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() == 5)
    holidays = sorted(d.isoformat() for d in statutory_holidays(year) if d.weekday() < 5)
    good.write_text(json.dumps({"year": year, "source": "国办发明电 test", "holidays": holidays,
                                "workdays": [saturday.isoformat()]}, ensure_ascii=False, indent=1), "utf-8")
    code, out = run(["calendar", "load", str(good)], capsys)
    assert code == 0 and f"installed {year}" in out
    installed = env["holidays"] / f"{year}.json"
    assert json.loads(installed.read_text("utf-8"))["workdays"] == [saturday.isoformat()]
    code, out = run(["calendar", "status", "--json"], capsys)
    assert {"year": year, "source": "override"} in json.loads(out)["years"]

    # contradictory: a make-up working day on a weekday, and the statutory days missing; refused with
    # the line, and the installed notice stays in force
    weekday = next(date(year, 3, d) for d in range(1, 8) if date(year, 3, d).weekday() < 5)
    bad = env["tmp"] / "bad.json"
    bad.write_text(json.dumps({"year": year, "holidays": holidays, "workdays": [weekday.isoformat()]}, indent=1),
                   "utf-8")
    code = main(["calendar", "load", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "not a weekend day" in err and "line " in err and "nothing was installed" in err
    assert json.loads(installed.read_text("utf-8"))["workdays"] == [saturday.isoformat()]
    malformed = env["tmp"] / "malformed.json"
    malformed.write_text('{\n "year": 2030,\n "holidays": [\n}', "utf-8")
    code = main(["calendar", "load", str(malformed)])
    assert code == 2 and "line 4: not JSON" in capsys.readouterr().err
    code, _ = run(["calendar", "load", str(env["tmp"] / "missing.json")], capsys)
    assert code == 2

    (env["holidays"] / f"{year + 1}.json").write_text("{not json", "utf-8")  # hand-edited, broken
    code, out = run(["calendar", "status"], capsys)
    assert code == 1 and "invalid file" in out


def test_rates_load_validates_installs_and_status_reports_provisional_regions(env, capsys, monkeypatch):
    monkeypatch.setenv("ONESTOP_RATES_DIR", str(env["tmp"] / "rates"))
    kinds = {k: {"employer_rate": "0.1", "personal_rate": "0.01"} for k in ("pension", "medical", "unemployment",
                                                                           "work_injury")}
    figures = {"region_code": "420100", "valid_from": "2027-09-01", "valid_until": "2028-08-31",
               "source": "测试 2026-12-01", "base": {"floor": "4900.00", "ceiling": "24500.00"}, "rates": kinds,
               "housing_fund": {"base": {"floor": "2300", "ceiling": "24500.00"}, "employer_rate": "0.08",
                                "personal_rate": "0.08"}}
    good = env["tmp"] / "rates-2027.json"
    good.write_text(json.dumps(figures, indent=1), "utf-8")
    code, out = run(["rates", "load", str(good)], capsys)
    assert code == 0 and "420100 2027-09-01~2028-08-31" in out
    assert (env["tmp"] / "rates" / "420100_2027-09.json").is_file()
    overlapping = env["tmp"] / "overlap.json"
    overlapping.write_text(json.dumps({**figures, "valid_from": "2028-03-01", "valid_until": "2029-02-28"}), "utf-8")
    code = main(["rates", "load", str(overlapping)])
    assert code == 2 and "overlaps" in capsys.readouterr().err
    broken = env["tmp"] / "broken.json"
    broken.write_text(json.dumps({**figures, "base": {"floor": "9", "ceiling": "1"}}, indent=1), "utf-8")
    code = main(["rates", "load", str(broken)])
    assert code == 2 and "line 6: base floor 9 / ceiling 1 out of order" in capsys.readouterr().err
    code, out = run(["rates", "status", "--json"], capsys)
    status = json.loads(out)
    assert [p["period"] for p in status["periods"]] == ["2027-09-01~2028-08-31"]
    assert [p["bureau"] for p in status["periods"]] == ["social_security"]


def medical_figures(valid_from="2027-09-01", valid_until="2028-08-31", **extra) -> dict:
    """A medical insurance file (services/medical_insurance/data's shape: medical and maternity)."""
    return {"region_code": "420100", "valid_from": valid_from, "valid_until": valid_until,
            "source": "测试 2026-12-02", "base": {"floor": "4900.00", "ceiling": "24500.00"},
            "rates": {"medical": {"employer_rate": "0.08", "personal_rate": "0.02"},
                      "maternity": {"employer_rate": "0.007", "personal_rate": "0"}}, **extra}


def test_rates_load_takes_medical_insurance_files_beside_social_securitys(capsys, monkeypatch, tmp_path):
    rates = tmp_path / "rates"
    monkeypatch.setenv("ONESTOP_RATES_DIR", str(rates))
    good = tmp_path / "medical-2027.json"
    good.write_text(json.dumps(medical_figures(), ensure_ascii=False, indent=1), "utf-8")
    code, out = run(["rates", "load", str(good), "--json"], capsys)
    loaded = json.loads(out)
    assert code == 0 and loaded["bureau"] == "medical_insurance" and loaded["period"] == "2027-09-01~2028-08-31"
    installed = rates / "medical_insurance" / "420100_2027-09.json"
    assert loaded["installed"] == str(installed) and json.loads(installed.read_text("utf-8")) == medical_figures()
    assert list(rates.glob("*.json")) == []  # not where social security reads its files

    # the same validation as social security's: overlaps with the bureau's own periods, bad figures with
    # their line, a missing kind by name; nothing installed, what was there stays
    overlapping = tmp_path / "overlap.json"
    overlapping.write_text(json.dumps(medical_figures("2028-03-01", "2029-02-28")), "utf-8")
    assert main(["rates", "load", str(overlapping)]) == 2 and "overlaps" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(medical_figures(base={"floor": "9", "ceiling": "1"}), indent=1), "utf-8")
    assert main(["rates", "load", str(broken)]) == 2
    assert "line 6: base floor 9 / ceiling 1 out of order" in capsys.readouterr().err
    partial = medical_figures()
    del partial["rates"]["maternity"]
    (tmp_path / "partial.json").write_text(json.dumps(partial, indent=1), "utf-8")
    assert main(["rates", "load", str(tmp_path / "partial.json")]) == 2
    err = capsys.readouterr().err
    assert "rates missing for ['maternity']" in err and "nothing was installed" in err
    both = medical_figures()
    both["rates"].update({k: {"employer_rate": "0.1", "personal_rate": "0.01"}
                          for k in ("pension", "unemployment", "work_injury")})
    (tmp_path / "both.json").write_text(json.dumps(both, indent=1), "utf-8")
    assert main(["rates", "load", str(tmp_path / "both.json")]) == 2
    assert "one bureau's figures per file" in capsys.readouterr().err
    assert sorted(p.name for p in rates.rglob("*.json")) == ["420100_2027-09.json"]

    # social security's file for the same period is no overlap: another bureau's
    social = {**medical_figures(), "rates": both["rates"]}
    del social["rates"]["medical"], social["rates"]["maternity"]
    (tmp_path / "social.json").write_text(json.dumps(social, indent=1), "utf-8")
    code, out = run(["rates", "load", str(tmp_path / "social.json"), "--json"], capsys)
    assert code == 0 and json.loads(out)["installed"] == str(rates / "420100_2027-09.json")

    code, out = run(["rates", "status", "--json"], capsys)
    status = json.loads(out)
    assert sorted((p["bureau"], p["period"]) for p in status["periods"]) == [
        ("medical_insurance", "2027-09-01~2028-08-31"), ("social_security", "2027-09-01~2028-08-31")]


def test_rates_status_names_a_medical_region_whose_last_loaded_period_has_lapsed(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("ONESTOP_RATES_DIR", str(tmp_path / "rates"))
    ended = TODAY.replace(day=1) - timedelta(days=1)  # the end of last month: lapsed today
    lapsed = tmp_path / "lapsed.json"
    lapsed.write_text(json.dumps(medical_figures(date(ended.year - 1, ended.month, 1).isoformat(),
                                                 ended.isoformat())), "utf-8")
    assert main(["rates", "load", str(lapsed)]) == 0
    capsys.readouterr()
    code, out = run(["rates", "status"], capsys)
    assert code == 1 and "medical_insurance 420100: no figures for today: the last period continues, provisional" in out
