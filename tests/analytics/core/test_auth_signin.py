"""Sign-in an insider cannot abuse: no timing hint about which names exist, throttling per name, per client
address and across the server that never locks the right password out for more than MAX_WAIT_SECONDS,
and an audit that never keeps what was typed into the name field unless it is an account."""
import json
import statistics
import time

import pytest

from analytics.core import auth


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Open(auth.Throttle):
    """No throttling: for measuring the cost of a check alone."""

    def wait(self, *args, **kwargs) -> int:
        return 0


class CountingHasher:
    """The real hasher, counting how often a password is checked."""

    def __init__(self, inner) -> None:
        self.inner, self.verified = inner, 0

    def verify(self, hashed, password):
        self.verified += 1
        return self.inner.verify(hashed, password)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def users_db(tiny_db):
    auth.add_user(tiny_db, "hr", "battery staple", [auth.Grant("hr_head", "company")], "test")
    auth.add_user(tiny_db, "gone", "battery staple", [auth.Grant("analyst", "company")], "test")
    auth.set_disabled(tiny_db, "gone", True, "test")
    return tiny_db


# ── finding 1: an unknown name costs what a wrong password costs ─────────────────────────────────────
@pytest.mark.parametrize(("name", "password"), [("who", "battery staple"), ("hr", "wrong"),
                                                ("gone", "battery staple"), ("hr", "battery staple")])
def test_every_sign_in_checks_exactly_one_hash(users_db, monkeypatch, name, password):
    hasher = CountingHasher(auth._HASHER)
    monkeypatch.setattr(auth, "_HASHER", hasher)
    try:
        auth.authenticate(users_db, name, password, throttle=Open())
    except auth.AuthError as exc:
        assert str(exc) == auth.BAD_LOGIN  # unknown, wrong and disabled: one message
    assert hasher.verified == 1


def test_unknown_names_and_wrong_passwords_take_the_same_time(users_db):
    # before: the unknown name answered in ~110 ms, a wrong password in ~320 ms (a 200 ms sleep) — a 3x gap
    def timed(name: str) -> float:
        start = time.perf_counter()
        with pytest.raises(auth.AuthError):
            auth.authenticate(users_db, name, "not the password", throttle=Open())
        return time.perf_counter() - start

    unknown, wrong = [], []
    for _ in range(15):  # interleaved, so load from elsewhere hits both alike
        unknown.append(timed("nobody.here"))
        wrong.append(timed("hr"))
    a, b = statistics.median(unknown), statistics.median(wrong)
    assert max(a, b) / min(a, b) < 1.3, (a, b)


def test_the_dummy_hash_costs_what_a_real_one_costs(users_db):
    real = users_db.scalar("select password_hash from users where username = 'hr'")
    params = lambda h: h.split("$")[3]  # noqa: E731  m=…,t=…,p=…
    assert params(auth._DUMMY_HASH) == params(real)


# ── finding 2: throttling ───────────────────────────────────────────────────────────────────────────
def test_a_name_waits_after_five_failures_and_never_longer_than_thirty_seconds():
    clock = Clock()
    throttle = auth.Throttle(clock)
    waits = []
    for _ in range(12):
        throttle.failed("hr", f"10.0.0.{len(waits)}")  # from ever new addresses: the name counts alone
        waits.append(throttle.wait("hr", "10.0.1.1"))
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:9] == [2, 4, 8, 16, 30]  # seconds after the latest failure, then the ceiling
    assert max(waits) == auth.MAX_WAIT_SECONDS == 30
    clock.advance(30)
    assert throttle.wait("hr", "10.0.1.1") == 0


def test_guessing_at_a_name_cannot_keep_its_owner_out(users_db):
    # before: six wrong guesses locked the account for up to 300 s, and every further guess extended it
    clock = Clock()
    throttle = auth.Throttle(clock)
    for _ in range(auth.LOCK_AFTER):
        with pytest.raises(auth.AuthError, match="Unknown user"):
            auth.authenticate(users_db, "hr", "guess", address="10.9.9.9", requester="intruder", throttle=throttle)
    with pytest.raises(auth.AuthError) as refused:
        auth.authenticate(users_db, "hr", "battery staple", address="10.1.1.1", requester="owner", throttle=throttle)
    assert refused.value.code == "throttled"
    wait = refused.value.params["s"]
    assert 0 < wait <= auth.MAX_WAIT_SECONDS
    for _ in range(wait):  # the intruder keeps guessing every second while the owner waits
        clock.advance(1)
        with pytest.raises(auth.AuthError):
            auth.authenticate(users_db, "hr", "guess", address="10.9.9.9", requester="intruder", throttle=throttle)
    viewer = auth.authenticate(users_db, "hr", "battery staple", address="10.1.1.1", requester="owner",
                               throttle=throttle)
    assert viewer.user == "hr"  # heard after its wait, whatever happened meanwhile


def test_a_browser_that_was_told_to_wait_is_refused_until_then():
    clock = Clock()
    throttle = auth.Throttle(clock)
    for _ in range(auth.LOCK_AFTER):
        throttle.failed("hr")
    first = throttle.wait("hr", requester="tab")
    assert first > 0
    clock.advance(first - 1)
    assert 0 < throttle.wait("hr", requester="tab") <= 1  # no new wait: the one it was given, running down
    clock.advance(1)
    assert throttle.wait("hr", requester="tab") == 0  # its turn
    throttle.failed("hr")
    assert throttle.wait("hr", requester="tab") == 4  # a wrong guess on its turn: the next, longer wait


def test_one_password_over_many_names_from_one_address_is_slowed_down():
    clock = Clock()
    throttle = auth.Throttle(clock)
    for i in range(auth.ADDRESS_LOCK_AFTER):
        assert throttle.wait(f"user{i}", "10.0.0.7") == 0
        throttle.failed(f"user{i}", "10.0.0.7")
    assert throttle.wait("user99", "10.0.0.7") > 0   # a fresh name from the same address waits
    assert throttle.wait("user99", "10.0.0.8") == 0  # another address does not
    clock.advance(auth.FAILURE_MEMORY + 1)
    assert throttle.wait("user99", "10.0.0.7") == 0  # failures are forgotten


def test_a_global_ceiling_makes_every_attempt_wait():
    clock = Clock()
    throttle = auth.Throttle(clock)
    for i in range(auth.GLOBAL_CEILING):  # one failure each from many names and addresses
        throttle.failed(f"user{i}", f"10.0.{i}.1")
    assert throttle.wait("fresh", "192.168.0.1") == auth.GLOBAL_WAIT_SECONDS
    assert throttle.wait("fresh") == auth.GLOBAL_WAIT_SECONDS  # the command line has no address: waits too
    clock.advance(61)
    assert throttle.wait("fresh", "192.168.0.1") == 0


def test_a_refusal_is_immediate_and_says_how_long(users_db, monkeypatch):
    throttle = auth.Throttle(Clock())
    for _ in range(auth.LOCK_AFTER):
        throttle.failed("hr")
    monkeypatch.setattr(time, "sleep", lambda s: pytest.fail("a server thread slept"))
    start = time.perf_counter()
    with pytest.raises(auth.AuthError, match=r"Try again in \d+ seconds") as refused:
        auth.authenticate(users_db, "hr", "battery staple", throttle=throttle)
    assert time.perf_counter() - start < 0.5  # no password check, no sleep
    assert refused.value.code == "throttled" and 0 < refused.value.params["s"] <= auth.MAX_WAIT_SECONDS


def test_throttling_keeps_no_typed_name():
    throttle = auth.Throttle(Clock())
    throttle.failed("correct horse battery staple", "10.0.0.1")
    assert "correct horse" not in repr(throttle.__dict__)


# ── finding 3: the audit of failures ────────────────────────────────────────────────────────────────
def test_a_failed_sign_in_keeps_the_name_only_if_it_is_an_account(users_db):
    for name in ("hr", "Tr0ub4dor&3-my-password", "x" * 5000):
        with pytest.raises(auth.AuthError):
            auth.authenticate(users_db, name, "wrong", throttle=Open())
    rows = users_db.sql("select actor, action, detail from audit_log where action = 'login_failed' order by event_id")
    assert rows["actor"].to_list() == ["hr", auth.UNKNOWN_USER, auth.UNKNOWN_USER]
    assert [json.loads(d).get("typed_length") for d in rows["detail"]] == [None, 23, 5000]
    everything = users_db.sql("select * from audit_log").write_csv()
    assert "Tr0ub4dor" not in everything and "x" * 50 not in everything


def test_a_throttled_attempt_is_audited_the_same_way(users_db):
    throttle = auth.Throttle(Clock())
    for _ in range(auth.LOCK_AFTER):
        throttle.failed("my secret password")
    with pytest.raises(auth.AuthError):
        auth.authenticate(users_db, "my secret password", "x", throttle=throttle)
    row = users_db.sql("select actor, detail from audit_log where action = 'login_throttled'")
    assert row["actor"].to_list() == [auth.UNKNOWN_USER]
    assert json.loads(row["detail"][0]) == {"typed_length": 18}


def test_refusals_cannot_flood_the_audit_log(users_db):
    clock = Clock()
    throttle = auth.Throttle(clock)
    for _ in range(auth.LOCK_AFTER):
        throttle.failed("hr")
    for _ in range(50):  # refusals cost the sender nothing
        with pytest.raises(auth.AuthError, match="Too many failed attempts"):
            auth.authenticate(users_db, "hr", "guess", throttle=throttle)
    for i in range(200):  # nor do refusals for ever new names once the server is over its ceiling
        throttle.failed(f"spray{i}")
    for i in range(200):
        with pytest.raises(auth.AuthError, match="Too many failed attempts"):
            auth.authenticate(users_db, f"other{i}", "guess", throttle=throttle)
    noted = users_db.scalar("select count(*) from audit_log where action = 'login_throttled'")
    assert noted == auth.GLOBAL_CEILING  # one for hr (not 50), then others up to the ceiling per minute
