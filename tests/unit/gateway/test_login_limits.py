"""Failed log-ins: a challenge, then growing delays per address, a capped delay per account, never a
lockout of the owner (gateway/login_limits.py, gateway/challenge.py), on the real gateway store."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from contracts import clock
from gateway.auth import AccountService, ChallengeRequired, SignUp
from gateway.errors import TooManyRequests, Unauthenticated
from gateway.login_limits import MAX_ACCOUNT_DELAY, LoginPolicy, wait_message
from gateway.store import GatewayStore

PASSWORD = "right-pass-1"


@pytest.fixture
def moment():
    # starts at the real instant: the database's TTL indexes (real time) would drop rows dated in the past
    box = [clock.system_clock()]
    with clock.using(lambda: box[0]):
        yield box


@pytest.fixture
def accounts(mongo_db, moment):
    store = GatewayStore(mongo_db)
    store.ensure_indexes()
    service = AccountService(store, max_failures=4, hasher=PasswordHasher(time_cost=1, memory_cost=1024,
                                                                           parallelism=1), challenge_after=2)
    service.sign_up(SignUp(name="王芳", resident_id="11010519491231002X", email="wf@example.com", password=PASSWORD))
    return service


def solve(challenge) -> str:
    a, b = map(int, re.findall(r"\d+", challenge.question))
    return str(a + b)


def fail(accounts, client, challenge=True):
    args = ()
    if challenge:
        c = accounts.challenge.issue()
        args = (c.id, solve(c))
    with pytest.raises(Unauthenticated) as wrong:
        accounts.log_in("wf@example.com", "wrong-pass", client, *args)
    assert not isinstance(wrong.value, ChallengeRequired)


def test_after_a_few_failures_a_log_in_needs_the_answer_to_a_fresh_challenge(accounts, moment):
    fail(accounts, "10.0.0.1", challenge=False)
    fail(accounts, "10.0.0.1", challenge=False)
    with pytest.raises(ChallengeRequired) as asked:
        accounts.log_in("wf@example.com", PASSWORD, "10.0.0.1")
    assert asked.value.field_errors[0].field == "challenge_answer"
    challenge = accounts.challenge.issue()
    assert "不是专业的人机验证" in challenge.notice  # the embedded adapter says what it is not
    with pytest.raises(ChallengeRequired):
        accounts.log_in("wf@example.com", PASSWORD, "10.0.0.1", challenge.id, "-1")
    with pytest.raises(ChallengeRequired):  # used up by the wrong answer
        accounts.log_in("wf@example.com", PASSWORD, "10.0.0.1", challenge.id, solve(challenge))
    # each wrong answer counted as a failure of the address: its 4th (max_failures) brings a wait
    with pytest.raises(TooManyRequests):
        accounts.log_in("wf@example.com", PASSWORD, "10.0.0.1")
    moment[0] += timedelta(seconds=2)
    fresh = accounts.challenge.issue()
    token, _ = accounts.log_in("wf@example.com", PASSWORD, "10.0.0.1", fresh.id, solve(fresh))
    assert token


def test_an_expired_challenge_is_refused(accounts, moment):
    fail(accounts, "10.0.0.2", challenge=False)
    fail(accounts, "10.0.0.2", challenge=False)
    challenge = accounts.challenge.issue()
    moment[0] += timedelta(minutes=6)
    with pytest.raises(ChallengeRequired):
        accounts.log_in("wf@example.com", PASSWORD, "10.0.0.2", challenge.id, solve(challenge))


def test_an_address_that_keeps_failing_waits_longer_each_time(accounts, moment):
    for _ in range(4):
        fail(accounts, "10.0.0.3")
    waits = []
    for _ in range(3):
        with pytest.raises(TooManyRequests) as slowed:
            accounts.log_in("wf@example.com", PASSWORD, "10.0.0.3")
        waits.append(slowed.value.retry_after)
        assert "请" in slowed.value.message and "后再试" in slowed.value.message
        moment[0] += timedelta(seconds=slowed.value.retry_after)
        fail(accounts, "10.0.0.3")
    assert waits == [2, 4, 8]
    # the owner, from their own address, is not slowed by the attacker's address (a challenge, no wait)
    challenge = accounts.challenge.issue()
    assert accounts.log_in("wf@example.com", PASSWORD, "10.9.9.9", challenge.id, solve(challenge))[0]


def test_guessing_from_many_addresses_slows_the_account_by_a_minute_at_most(accounts, moment):
    waits = []
    for i in range(4 * 5 + 12):  # past the account's threshold (ACCOUNT_FACTOR x max_failures) and more
        try:
            fail(accounts, f"10.1.{i}.1")
        except TooManyRequests as slowed:
            waits.append(slowed.retry_after)
            moment[0] += timedelta(seconds=slowed.retry_after)
            fail(accounts, f"10.1.{i}.1")
    assert waits[:3] == [2, 4, 8] and max(waits) == MAX_ACCOUNT_DELAY
    challenge = accounts.challenge.issue()
    try:
        token, _ = accounts.log_in("wf@example.com", PASSWORD, "10.9.9.8", challenge.id, solve(challenge))
    except TooManyRequests as slowed:  # the owner waits at most the account's cap, then gets in
        assert slowed.retry_after <= MAX_ACCOUNT_DELAY
        moment[0] += timedelta(seconds=slowed.retry_after)
        challenge = accounts.challenge.issue()
        token, _ = accounts.log_in("wf@example.com", PASSWORD, "10.9.9.8", challenge.id, solve(challenge))
    assert token


def test_the_policy_and_its_message():
    policy = LoginPolicy(delay_after=3, challenge_after=2, base_delay=2.0)
    assert [policy.address_delay(n) for n in (2, 3, 4, 5)] == [0, 2, 4, 8]
    assert policy.address_delay(40) == 900 and policy.account_delay(10**6) == MAX_ACCOUNT_DELAY
    assert policy.needs_challenge([0, 2, 0]) and not policy.needs_challenge([1, 1, 1])
    assert wait_message(30) == "登录失败次数较多，为保护账号安全，请30秒后再试"
    assert wait_message(600) == "登录失败次数较多，为保护账号安全，请10分钟后再试"
