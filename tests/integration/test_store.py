"""The store on SQLite and on PostgreSQL: actions, idempotency, the crash case, outcomes, audit.

Every test runs on both databases (PostgreSQL is the server `make test` starts; elsewhere those
cases skip). A fake clock stands in for time, so "two minutes later" takes no time at all.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from recall_assistant.store import (
    UNKNOWN_MESSAGE,
    ActionNotFound,
    Actor,
    ClaimLost,
    InvalidCursor,
    InvalidTransition,
    RecipientOutcome,
    Store,
    StoreUnavailable,
    request_hash,
)
from recall_assistant.store.db import make_engine
from recall_assistant.store.migrate import upgrade_to_head
from recall_assistant.store.schema import actions, audit_events, idempotency_keys
from tests.support.store import KINDS, FakeClock, empty_database

ADELE = Actor("0a1b2c3d-0000-4000-8000-00000000adele", "7d0c4b1e-2f4a-4c1e-9b55-5a1d2c3e4f60",
              "adele@contoso.com")
ALEX = Actor("0a1b2c3d-0000-4000-8000-000000000a1e", ADELE.tid, "alex@contoso.com")
IMID = "<CAF1234@mail.contoso.com>"
BODY = {"messageId": "AAMkAD-1", "replaceWith": None}
HASH = request_hash("POST /api/recalls", BODY)


@pytest.fixture(params=KINDS)
def database_url(request, tmp_path):
    with empty_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def engines():
    made = []

    def make(url):
        made.append(make_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
def store(database_url, clock, engines):
    engine = engines(database_url)
    upgrade_to_head(engine)
    return Store(engine, clock=clock)


def begin(store, claim=None, actor=ADELE, kind="recall", **extra):
    return store.begin_action(kind=kind, actor=actor, message_id="AAMkAD-1",
                              internet_message_id=IMID, request={"replaceWith": False},
                              request_id="req-0001", claim=claim, **extra)


def count(store, table, *where) -> int:
    with store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar()


def events(store) -> list[tuple[str, str]]:
    return [(e.event, e.result) for e in store.iter_audit()]


# --- actions and their audit rows ----------------------------------------------------------

def test_begin_action_is_committed_with_its_audit_row_before_it_returns(store, database_url,
                                                                         engines, clock):
    action = begin(store)
    # Another engine (another process, as far as the database knows) sees both at once.
    other = Store(engines(database_url), clock=clock)
    seen = other.get_action(action.id)
    assert seen is not None and seen.state == "recorded"
    assert seen.caller_oid == ADELE.oid and seen.internet_message_id == IMID
    assert seen.request == {"replaceWith": False}
    [event] = list(other.iter_audit())
    assert (event.event, event.result, event.action_id) == ("recall.requested", "recorded",
                                                            action.id)
    assert (event.actor_oid, event.actor_tid, event.actor_address) == (ADELE.oid, ADELE.tid,
                                                                       ADELE.address)
    assert event.internet_message_id == IMID and event.request_id == "req-0001"


def test_a_recall_goes_recorded_submitted_completed_and_each_step_is_audited(store, clock):
    action = begin(store)
    clock.advance(seconds=1)
    submitted = store.mark_submitted(action.id, response={"graph": "accepted"})
    assert submitted.state == "submitted" and submitted.response == {"graph": "accepted"}
    assert submitted.updated_at > submitted.created_at
    clock.advance(minutes=10)  # past the grace period: only "recorded" ever turns unknown
    assert store.get_action(action.id).state == "submitted"
    done = store.complete(action.id)
    assert done.state == "completed" and done.finished
    assert done.response == {"graph": "accepted"}  # kept when complete() brings none
    assert events(store) == [("recall.requested", "recorded"), ("recall.submitted", "ok"),
                             ("recall.completed", "ok")]


def test_a_failed_action_says_so_in_the_audit_log(store):
    action = begin(store, kind="correction")
    failed = store.fail(action.id, error_code="graph_forbidden", error_message="Access denied.",
                        request_id="req-0002")
    assert failed.state == "failed"
    assert (failed.error_code, failed.error_message) == ("graph_forbidden", "Access denied.")
    last = list(store.iter_audit())[-1]
    assert (last.event, last.result, last.request_id) == ("correction.failed", "failed",
                                                          "req-0002")
    assert last.details == {"errorCode": "graph_forbidden"}
    assert last.actor_oid == ADELE.oid  # the action's caller, without being told again


def test_finished_actions_cannot_move_again_and_unknown_ids_are_404(store):
    action = begin(store)
    store.complete(action.id)
    with pytest.raises(InvalidTransition) as caught:
        store.fail(action.id, error_code="late")
    assert caught.value.status == 409 and caught.value.details["state"] == "completed"
    with pytest.raises(ActionNotFound):
        store.mark_submitted("no-such-action")
    assert events(store) == [("recall.requested", "recorded"), ("recall.completed", "ok")]


def test_a_graph_timeout_is_stored_as_unknown_and_can_still_be_settled(store):
    action = begin(store)
    unknown = store.mark_unknown(action.id, reason="graph_timeout")
    assert unknown.state == "unknown" and unknown.status_message == UNKNOWN_MESSAGE
    with pytest.raises(InvalidTransition):
        store.mark_submitted(action.id)  # never "try again" from unknown
    assert store.complete(action.id, details={"from": "recall report"}).state == "completed"


def test_get_action_hides_other_callers_actions(store):
    action = begin(store)
    assert store.get_action(action.id, caller_oid=ADELE.oid) is not None
    assert store.get_action(action.id, caller_oid=ALEX.oid) is None
    assert store.get_action("missing") is None


def test_actions_for_a_message_are_the_callers_own_oldest_first(store, clock):
    first = begin(store)
    clock.advance(seconds=5)
    second = begin(store, kind="correction", parent_id=first.id)
    begin(store, actor=ALEX)
    listed = store.actions_for_message(ADELE.oid, IMID)
    assert [a.id for a in listed] == [first.id, second.id]
    assert listed[1].parent_id == first.id


def test_unit_of_work_keeps_nothing_unless_committed(store):
    with pytest.raises(RuntimeError), store.unit_of_work() as uow:
        uow.actions.add(kind="recall", actor=ADELE, message_id="m", internet_message_id=IMID,
                        request=None, request_id=None, idempotency_key=None, parent_id=None)
        uow.audit.append("recall.requested", actor=ADELE, result="recorded")
        raise RuntimeError("the process dies here")
    with store.unit_of_work() as uow:
        uow.audit.append("recall.requested", actor=ADELE, result="recorded")
        # leaves without commit()
    assert count(store, actions) == 0 and count(store, audit_events) == 0


# --- "unknown": recorded, then the process died ---------------------------------------------

def test_an_action_stuck_in_recorded_reads_as_unknown_after_the_grace_period(store, clock):
    action = begin(store)
    clock.advance(seconds=119)
    assert store.get_action(action.id).state == "recorded"
    clock.advance(seconds=2)
    late = store.get_action(action.id)
    assert (late.state, late.stored_state) == ("unknown", "recorded")
    assert late.status_message == "unknown — check the recall report"
    # A slow original request that does come back may still record what Graph said.
    assert store.mark_submitted(action.id).state == "submitted"


def test_crash_between_the_audit_write_and_the_graph_call(database_url, clock, engines):
    """The process records the action, "dies" before calling Graph, and restarts."""
    first_life = Store(engines(database_url), clock=clock)
    first_life.ensure_schema()
    claim = first_life.claim(ADELE.oid, "key-1", HASH)
    assert claim.outcome == "new"
    action = begin(first_life, claim=claim)
    graph_calls = []  # the recall would be appended here: it never happens
    first_life.engine.dispose()  # the process is gone; its connections with it

    clock.advance(minutes=3)
    second_life = Store(engines(database_url), clock=clock)
    # Not lost: still there, and honest about what it cannot know.
    found = second_life.get_action(action.id, caller_oid=ADELE.oid)
    assert found.state == "unknown" and found.status_message == UNKNOWN_MESSAGE
    assert [a.id for a in second_life.actions_for_message(ADELE.oid, IMID)] == [action.id]
    # The first read that found it so wrote its "unknown" row, and only that one did.
    assert [(e.event, e.action_id) for e in second_life.iter_audit()] == [
        ("recall.requested", action.id), ("recall.unknown", action.id)]
    # Not repeated: the task pane's retry with the same key gets the unknown action back.
    retry = second_life.claim(ADELE.oid, "key-1", HASH)
    assert retry.outcome == "replay"
    assert retry.action.id == action.id and retry.action.state == "unknown"
    assert retry.response is None
    with pytest.raises(ClaimLost):
        begin(second_life, claim=retry)  # even a careless caller cannot act on a replay
    assert count(second_life, actions) == 1 and graph_calls == []


def test_a_stale_action_is_audited_unknown_once_however_many_read_it(store, clock):
    action = begin(store)
    clock.advance(minutes=3)
    readers = [lambda: store.get_action(action.id),
               lambda: store.actions_for_message(ADELE.oid, IMID)] * 4
    with ThreadPoolExecutor(len(readers)) as pool:
        list(pool.map(lambda read: read(), readers))
    assert events(store) == [("recall.requested", "recorded"), ("recall.unknown", "unknown")]
    unknown = list(store.iter_audit())[-1]
    assert unknown.request_id == "req-0001"  # the request that never finished
    assert unknown.details["reason"] == "no_answer_within_grace"
    # The slow request that does come back records Graph's answer after it.
    store.mark_submitted(action.id, request_id="req-0001")
    store.get_action(action.id)
    assert [e for e, _ in events(store)] == ["recall.requested", "recall.unknown",
                                             "recall.submitted"]


# --- idempotency keys ------------------------------------------------------------------------

def test_same_key_same_body_replays_the_first_response(store):
    claim = store.claim(ADELE.oid, "key-1", HASH)
    action = begin(store, claim=claim)
    store.mark_submitted(action.id)
    store.save_response(claim, 202, {"id": action.id, "status": "submitted"})
    store.save_response(claim, 500, {"overwritten": True})  # only the first response counts
    again = store.claim(ADELE.oid, "key-1", HASH)
    assert again.outcome == "replay"
    assert (again.response.status, again.response.body) == (202, {"id": action.id,
                                                                  "status": "submitted"})
    assert again.action.id == action.id
    assert count(store, actions) == 1


def test_same_key_another_body_is_a_conflict(store):
    store.claim(ADELE.oid, "key-1", HASH)
    other = store.claim(ADELE.oid, "key-1", request_hash("POST /api/recalls",
                                                        {**BODY, "replaceWith": {"x": 1}}))
    assert other.outcome == "conflict" and other.action is None and other.response is None
    # The same body under another route is another request too.
    assert store.claim(ADELE.oid, "key-1",
                       request_hash("POST /api/corrections", BODY)).outcome == "conflict"


def test_the_body_hash_ignores_key_order_and_whitespace():
    assert request_hash("POST /x", {"a": 1, "b": [1, 2]}) == \
        request_hash("POST /x", {"b": [1, 2], "a": 1})
    assert request_hash("POST /x", {"a": 1}) != request_hash("POST /y", {"a": 1})


def test_keys_belong_to_one_caller(store):
    assert store.claim(ADELE.oid, "key-1", HASH).outcome == "new"
    assert store.claim(ALEX.oid, "key-1", HASH).outcome == "new"


def test_a_replay_while_the_first_request_is_in_flight(store, clock):
    claim = store.claim(ADELE.oid, "key-1", HASH)
    early = store.claim(ADELE.oid, "key-1", HASH)
    assert early.outcome == "replay" and early.in_progress  # validated, not yet recorded
    action = begin(store, claim=claim)
    clock.advance(seconds=30)
    during = store.claim(ADELE.oid, "key-1", HASH)
    assert during.outcome == "replay" and not during.in_progress
    assert during.action.id == action.id and during.action.state == "recorded"


def test_a_claim_that_never_recorded_an_action_can_be_taken_over(store, clock):
    stale = store.claim(ADELE.oid, "key-1", HASH)
    clock.advance(minutes=3)  # its request died before begin_action: it never called Graph
    fresh = store.claim(ADELE.oid, "key-1", HASH)
    assert fresh.outcome == "new" and fresh.claimed_at > stale.claimed_at
    with pytest.raises(ClaimLost):
        begin(store, claim=stale)  # the old request, if it wakes up, cannot act any more
    assert count(store, actions) == 0 and count(store, audit_events) == 0
    assert begin(store, claim=fresh).idempotency_key == "key-1"


def test_a_released_claim_frees_the_key(store):
    claim = store.claim(ADELE.oid, "key-1", HASH)
    store.release(claim)  # the request was refused before it acted
    assert count(store, idempotency_keys) == 0
    other_body = request_hash("POST /api/recalls", {"messageId": "fixed"})
    assert store.claim(ADELE.oid, "key-1", other_body).outcome == "new"


def test_a_key_with_an_action_is_never_released(store):
    claim = store.claim(ADELE.oid, "key-1", HASH)
    begin(store, claim=claim)
    store.release(claim)
    assert store.claim(ADELE.oid, "key-1", HASH).outcome == "replay"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_malformed_keys_are_refused(store, key):
    with pytest.raises(ValueError):
        store.claim(ADELE.oid, key, HASH)


def test_simultaneous_identical_requests_act_exactly_once(store):
    """Eight threads race with one key: one records an action, the others replay it."""
    workers = 8
    barrier = threading.Barrier(workers)

    def request(_):
        barrier.wait()
        claim = store.claim(ADELE.oid, "key-race", HASH)
        if claim.outcome == "new":
            action = begin(store, claim=claim)
            store.save_response(claim, 202, {"id": action.id})
        return claim.outcome

    with ThreadPoolExecutor(workers) as pool:
        outcomes = list(pool.map(request, range(workers)))
    assert sorted(outcomes) == ["new"] + ["replay"] * (workers - 1)
    assert count(store, actions) == 1
    assert count(store, audit_events) == 1


def test_simultaneous_requests_with_one_key_and_different_bodies(store):
    workers = 6
    barrier = threading.Barrier(workers)

    def request(n):
        barrier.wait()
        return store.claim(ADELE.oid, "key-race", request_hash("POST /api/recalls", {"n": n}))

    with ThreadPoolExecutor(workers) as pool:
        claims = list(pool.map(request, range(workers)))
    assert sorted(c.outcome for c in claims) == ["conflict"] * (workers - 1) + ["new"]
    assert count(store, idempotency_keys) == 1


# --- per-recipient outcomes ------------------------------------------------------------------

def test_outcomes_are_upserted_one_row_per_address(store, clock):
    action = begin(store)
    store.record_outcomes(action.id, [
        RecipientOutcome("Alex@Contoso.com", "pending", "eligibility"),
        RecipientOutcome("bob@gmail.com", "failed", "eligibility", "external_recipient"),
    ])
    clock.advance(minutes=5)
    store.record_outcomes(action.id, [RecipientOutcome("alex@contoso.com", "succeeded",
                                                       "report")])
    alex, bob = store.outcomes(action.id)
    assert (alex.address, alex.status, alex.source, alex.reason_code) == (
        "alex@contoso.com", "succeeded", "report", None)
    assert alex.checked_at == clock()
    assert (bob.status, bob.reason_code) == ("failed", "external_recipient")
    assert store.outcomes("another-action") == []


def test_each_change_of_outcomes_is_one_audit_row_with_its_request(store):
    action = begin(store)
    store.record_outcomes(action.id, [], request_id="req-poll-0")  # nothing changed
    store.record_outcomes(action.id, [
        RecipientOutcome("alex@contoso.com", "succeeded", "report"),
        RecipientOutcome("bob@gmail.com", "failed", "eligibility", "consumer_mail"),
    ], request_id="req-poll-1")
    assert events(store) == [("recall.requested", "recorded"), ("recall.outcomes", "ok")]
    row = list(store.iter_audit())[-1]
    assert (row.request_id, row.action_id, row.actor_oid) == ("req-poll-1", action.id, ADELE.oid)
    assert row.internet_message_id == IMID
    assert row.details == {"outcomes": [
        {"address": "alex@contoso.com", "status": "succeeded", "source": "report",
         "reasonCode": None},
        {"address": "bob@gmail.com", "status": "failed", "source": "eligibility",
         "reasonCode": "consumer_mail"}]}


def test_outcomes_are_checked(store):
    action = begin(store)
    with pytest.raises(ValueError):
        store.record_outcomes(action.id, [RecipientOutcome("a@b.c", "recalled", "report")])
    with pytest.raises(ValueError):
        store.record_outcomes(action.id, [RecipientOutcome("a@b.c", "failed", "guess")])
    with pytest.raises(ActionNotFound):
        store.record_outcomes("no-such-action", [RecipientOutcome("a@b.c", "failed", "report")])
    # foreign keys are enforced on SQLite too
    with pytest.raises(IntegrityError), store.unit_of_work() as uow:
        uow.outcomes.upsert("no-such-action", [RecipientOutcome("a@b.c", "failed", "report")])
        uow.commit()


# --- the audit log ---------------------------------------------------------------------------

def test_the_database_refuses_to_change_or_remove_audit_rows(store):
    begin(store)
    for statement in ("UPDATE audit_events SET result = 'ok'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as db:
            db.execute(text(statement))
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as db:
            db.execute(text("TRUNCATE audit_events"))
    [event] = list(store.iter_audit())
    assert event.result == "recorded"


def test_no_repository_can_change_audit_rows():
    from recall_assistant.store.repositories import AuditRepository

    public = {name for name in vars(AuditRepository) if not name.startswith("_")}
    assert public == {"append", "page", "count", "has"}


def test_subjects_are_kept_only_when_the_administrator_turns_them_on(database_url, engines):
    engine = engines(database_url)
    quiet, verbose = Store(engine), Store(engine, audit_subjects=True)
    begin(quiet, subject="Q3 numbers (confidential)")
    begin(verbose, subject="Q3 numbers (confidential)")
    assert [e.subject for e in quiet.iter_audit()] == [None, "Q3 numbers (confidential)"]


def test_record_event_appends_a_service_event(store):
    event = store.record_event("recall.report_read", actor=None, result="ok",
                               internet_message_id=IMID, details={"recipients": 3})
    [stored] = list(store.iter_audit())
    assert stored == event and stored.actor_oid is None and stored.details == {"recipients": 3}


@pytest.fixture
def twelve_events(store, clock):
    """Twelve events a minute apart from 09:00, three of them sharing 09:05 exactly."""
    for n in range(12):
        if n not in (6, 7):
            clock.set(dt.datetime(2026, 11, 20, 9, n if n < 6 else n - 2, tzinfo=dt.UTC))
        store.record_event(f"test.{n}", actor=ADELE, result="ok")
    return store


def test_audit_pages_are_newest_first_and_cover_everything_once(twelve_events):
    store = twelve_events
    seen, cursor = [], None
    while True:
        page = store.audit_page(tenant_id=ADELE.tid, limit=5, cursor=cursor)
        seen.extend(e.event for e in page.events)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"test.{n}" for n in reversed(range(12))]


def test_audit_range_is_from_inclusive_to_exclusive(twelve_events):
    page = twelve_events.audit_page(tenant_id=ADELE.tid, since=dt.datetime(2026, 11, 20, 9, 5, tzinfo=dt.UTC),
                                    until=dt.datetime(2026, 11, 20, 9, 7, tzinfo=dt.UTC))
    assert [e.event for e in page.events] == ["test.8", "test.7", "test.6", "test.5"]
    # Offsets are honoured: 10:07+01:00 is 09:07 UTC.
    plus_one = dt.timezone(dt.timedelta(hours=1))
    page = twelve_events.audit_page(tenant_id=ADELE.tid, since=dt.datetime(2026, 11, 20, 10, 7, tzinfo=plus_one))
    assert [e.event for e in page.events] == ["test.11", "test.10", "test.9"]


def test_iter_audit_goes_oldest_first_in_batches(twelve_events):
    listed = [e.event for e in twelve_events.iter_audit(batch=4)]
    assert listed == [f"test.{n}" for n in range(12)]
    since = dt.datetime(2026, 11, 20, 9, 8, tzinfo=dt.UTC)
    assert [e.event for e in twelve_events.iter_audit(since=since, batch=2)] == [
        "test.10", "test.11"]


# The old unsigned cursors: garbage, a list, and an id past every integer column (once a 500).
@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJ4IiwxXQ", "WzEsMl0", "W10",
                                    "WyIyMDI2LTExLTIwVDA5OjA1OjAwKzAwOjAwIiwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"])
def test_foreign_cursors_are_refused(store, cursor):
    with pytest.raises(InvalidCursor) as caught:
        store.audit_page(tenant_id=ADELE.tid, cursor=cursor)
    assert caught.value.status == 400 and caught.value.code == "invalid_cursor"


def test_a_page_holds_only_the_tenants_events_and_its_cursor_only_that_tenant(twelve_events):
    store = twelve_events
    store.record_event("other.1", actor=Actor("x-oid", "other-tenant", "x@fabrikam.com"),
                       result="ok")
    page = store.audit_page(tenant_id=ADELE.tid, limit=5)
    assert all(e.actor_tid == ADELE.tid for e in page.events)
    assert [e.event for e in store.audit_page(tenant_id="other-tenant").events] == ["other.1"]
    with pytest.raises(InvalidCursor):
        store.audit_page(tenant_id="other-tenant", cursor=page.next_cursor)
    assert [e.event for e in store.iter_audit(tenant_id="other-tenant")] == ["other.1"]


@pytest.mark.parametrize("limit", [0, 501])
def test_page_size_is_bounded(store, limit):
    with pytest.raises(ValueError):
        store.audit_page(tenant_id=ADELE.tid, limit=limit)


# --- when the database is away ---------------------------------------------------------------

def test_an_unreachable_database_is_a_503_not_a_crash(caplog):
    store = Store(make_engine("postgresql+psycopg://postgres@127.0.0.1:1/none"))
    assert store.prepare() is False  # start-up carries on; /readyz says what is wrong
    with pytest.raises(StoreUnavailable) as caught:
        store.claim(ADELE.oid, "key-1", HASH)
    assert caught.value.status == 503 and caught.value.headers["Retry-After"] == "5"


def test_one_first_recall_per_message_even_when_two_arrive_at_once(database_url, clock, engines,
                                                                   monkeypatch):
    import time

    from recall_assistant.store import AlreadyRecalled
    from recall_assistant.store.repositories import ActionRepository

    looked = ActionRepository.for_message

    def slow_look(self, *args):
        found = looked(self, *args)
        time.sleep(0.3)  # both requests look before either records: only the lock saves us
        return found

    monkeypatch.setattr(ActionRepository, "for_message", slow_look)
    # Two instances (two engines) record a first recall of the same message at the same time.
    stores = [Store(engines(database_url), clock=clock) for _ in range(2)]
    upgrade_to_head(stores[0].engine)
    barrier = threading.Barrier(2)

    def first_recall(store):
        barrier.wait()
        try:
            return begin(store, sole_recall=True)
        except AlreadyRecalled as already:
            return already

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(first_recall, stores))
    recorded = [r for r in results if not isinstance(r, AlreadyRecalled)]
    refused = [r for r in results if isinstance(r, AlreadyRecalled)]
    assert len(recorded) == 1 and len(refused) == 1
    assert refused[0].action.id == recorded[0].id
    assert count(stores[0], actions) == 1
    # Another caller, a retry (a child) and a correction are not first recalls of theirs.
    begin(stores[0], actor=ALEX, sole_recall=True)
    begin(stores[0], parent_id=recorded[0].id)
    # A recall Graph refused does not count: the message may be recalled again.
    stores[0].fail(recorded[0].id, error_code="graph_rejected")
    assert begin(stores[0], sole_recall=True).id != recorded[0].id
