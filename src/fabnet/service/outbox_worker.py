"""Delivers the outbox at least once: retries with exponential back-off, one message at a time per process."""

import asyncio
import contextlib
import json
import logging
import random
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, bindparam, select, update

from fabnet.exchange.audit import message_digest, verify_receipt
from fabnet.exchange.outbox import RetryPolicy
from fabnet.exchange.tokens import issue_token
from fabnet.service.dsp_io import MESSAGE_ID_HEADER, RECEIPT_HEADER
from fabnet.service.node_runtime import NodeRuntime, QueuedMessage, now_utc
from fabnet.service.peer_client import PeerHttp
from fabnet.store.exchange_tables import NegotiationRow, OutboxRow, TransferRow
from fabnet.store.fast_statements import FastStatement

log = logging.getLogger("fabnet.node.outbox")
RETRYABLE = {401, 403, 408, 409, 425, 429}
OUTBOX = OutboxRow.__table__
PENDING = (
    select(OUTBOX.c.id, OUTBOX.c.process_pid, OUTBOX.c.recipient, OUTBOX.c.url, OUTBOX.c.body, OUTBOX.c.message_id,
           OUTBOX.c.next_attempt_at, OUTBOX.c.attempts)
    # pending rows are exactly those with a next attempt (delivered and given-up ones have none): indexed
    .where(OUTBOX.c.next_attempt_at.is_not(None))
    .order_by(OUTBOX.c.id)
    .limit(5000)
)
MARK = FastStatement(update(OUTBOX).where(OUTBOX.c.message_id == bindparam("key"))
                     .values(attempts=OUTBOX.c.attempts + 1, delivered_at=bindparam("delivered"),
                             next_attempt_at=bindparam("next_attempt"), last_error=bindparam("error"),
                             receipt=bindparam("receipt_text")))


def _learn_statement(table: type) -> FastStatement:
    columns = table.__table__.c
    return FastStatement(update(table.__table__)
                         .where(and_(columns.pid == bindparam("key"), columns.peer_pid.is_(None)))
                         .values(peer_pid=bindparam("learned")))


LEARN = {"negotiation": _learn_statement(NegotiationRow), "transfer": _learn_statement(TransferRow)}


@dataclass
class Outcome:
    """The result of one delivery attempt, written with the others that finished meanwhile in one transaction."""

    item: QueuedMessage
    delivered: bool
    next_attempt: datetime | None
    error: str | None
    receipt: str | None
    learned_peer_pid: tuple[str, str] | None = None
    """(process table, the counterparty's pid) when the answer named it."""


class OutboxWorker:
    """Messages of one process go out in order, one at a time; different processes go out concurrently.

    Freshly committed messages are handed over in memory; a periodic scan of the table picks up what a
    restart left behind and what waits for a retry, so nothing depends on the hand-over alone. The outcome
    of each attempt is written in batches: the next message of a process may go out before its predecessor
    is marked delivered, and a crash in between only means the predecessor is sent again — which the
    receiver's inbox answers from its record, so effects stay exactly-once.
    """

    SCAN_EVERY_S = 1.0
    WRITE_AFTER_S = 0.05
    WRITE_AT = 256
    """Outcomes are written once the oldest has waited WRITE_AFTER_S, WRITE_AT have gathered, or nothing is in
    flight: under load one transaction marks many deliveries instead of one or two."""

    def __init__(self, runtime: NodeRuntime, policy: RetryPolicy | None = None) -> None:
        self.runtime = runtime
        self.policy = policy or RetryPolicy()
        self.queues: dict[str, deque[QueuedMessage]] = {}
        self.known: set[str] = set()
        self.in_flight: set[str] = set()
        self.tasks: set[asyncio.Task] = set()
        self.outcomes: list[Outcome] = []
        self.first_outcome_at = 0.0
        self.last_scan = 0.0
        self.http: PeerHttp | None = None

    async def run(self) -> None:
        # at most delivery_concurrency requests are in flight (see _dispatch), so as many connections per peer
        self.http = PeerHttp(connect_timeout=10.0, total_timeout=70.0,
                             max_idle_per_peer=self.runtime.config.delivery_concurrency)
        try:
            await self._loop()
        finally:
            self.http.close()

    async def _loop(self) -> None:
        wake = self.runtime.outbox_wake
        assert wake is not None
        loop = asyncio.get_running_loop()
        while True:
            wake.clear()
            try:
                scan = loop.time() - self.last_scan >= self.SCAN_EVERY_S
                # outcomes first, so that the scan never re-reads a message that was delivered but is not yet marked
                if self.outcomes and (scan or not self.in_flight or len(self.outcomes) >= self.WRITE_AT
                                      or loop.time() - self.first_outcome_at >= self.WRITE_AFTER_S):
                    self._write_outcomes()
                self._take_fresh()
                if scan:
                    self._scan()
                    self.last_scan = loop.time()
            except Exception:  # a database hiccup must not stop deliveries; outcomes stay queued for the next round
                log.exception("outbox bookkeeping failed")
            next_due = self._dispatch()
            timeout = self.SCAN_EVERY_S
            if next_due is not None:
                timeout = max(0.0, min(timeout, (next_due - now_utc()).total_seconds()))
            if self.outcomes:
                timeout = max(0.0, min(timeout, self.first_outcome_at + self.WRITE_AFTER_S - loop.time()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)

    def _enqueue(self, item: QueuedMessage) -> None:
        if item.message_id in self.known:
            return
        self.known.add(item.message_id)
        self.queues.setdefault(item.pid, deque()).append(item)

    def _take_fresh(self) -> None:
        fresh, self.runtime.fresh_outbox = self.runtime.fresh_outbox, []
        for row in fresh:
            self._enqueue(row)

    def _scan(self) -> None:
        with self.runtime.store.engine.connect() as connection:
            rows = connection.execute(PENDING).all()
        for row in rows:
            due = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=UTC)
            self._enqueue(QueuedMessage(row.message_id, row.process_pid, row.recipient, row.url, row.body, due,
                                        row.attempts))

    def _dispatch(self) -> datetime | None:
        """Start the head message of every idle process that is due; return when the next one falls due."""
        free = self.runtime.config.delivery_concurrency - len(self.in_flight)
        now = now_utc()
        next_due: datetime | None = None
        for pid, queue in list(self.queues.items()):
            if not queue:
                del self.queues[pid]
                continue
            if pid in self.in_flight:
                continue
            head = queue[0]
            if head.due > now:
                next_due = head.due if next_due is None else min(next_due, head.due)
                continue
            if free <= 0:
                return now
            free -= 1
            self.in_flight.add(pid)
            task = asyncio.create_task(self._deliver(head))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return next_due

    async def _post(self, item: QueuedMessage) -> tuple[int, str, str | None]:
        assert self.http is not None
        token = issue_token(self.runtime.identity.keys, self.runtime.member_id, item.recipient, now_utc())
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                   MESSAGE_ID_HEADER: item.message_id}
        try:
            status, text, answer_headers = await self.http.post(item.url, item.body.encode(), headers)
        except (OSError, TimeoutError, ValueError) as error:
            return 0, f"{type(error).__name__}: {error}", None
        return status, text, answer_headers.get(RECEIPT_HEADER.lower())

    async def _deliver(self, item: QueuedMessage) -> None:
        done = False
        try:
            status, text, receipt = await self._post(item)
            outcome = self._outcome(item, status, text, receipt)
            if not self.outcomes:
                self.first_outcome_at = asyncio.get_running_loop().time()
            self.outcomes.append(outcome)
            if outcome.next_attempt is None:
                done = True
            else:
                item.due = outcome.next_attempt
        except Exception:  # a delivery must never kill the worker; the message stays due
            log.exception("delivery of outbox message %s failed", item.message_id)
            item.due = now_utc() + self.policy.delay(1)
        finally:
            if done:
                queue = self.queues.get(item.pid)
                if queue and queue[0] is item:
                    queue.popleft()
            self.in_flight.discard(item.pid)
            if self.runtime.outbox_wake is not None:
                self.runtime.outbox_wake.set()

    def _outcome(self, item: QueuedMessage, status: int, text: str, receipt: str | None) -> Outcome:
        """Judge one attempt: delivered, to be retried (when), or refused for good."""
        item.attempts += 1
        if 200 <= status < 300:
            member = self.runtime.trust.member(item.recipient)
            if not (receipt and member and verify_receipt(receipt, member.keys, message_digest(item.body.encode()))):
                receipt = None
            return Outcome(item, True, None, None, receipt, _peer_pid_in_answer(json.loads(item.body), text))
        if status in RETRYABLE or status == 0 or status >= 500:
            next_attempt = self.policy.next_attempt(item.attempts, now_utc(), random.random())
            log.info("outbox message %s to %s: %s %s, retry at %s", item.message_id, item.url, status, text[:200],
                     next_attempt)
            return Outcome(item, False, next_attempt, f"{status}: {text[:500]}", None)
        log.warning("outbox message %s to %s refused: %s %s", item.message_id, item.url, status, text[:200])
        return Outcome(item, False, None, f"{status}: {text[:500]}", None)

    def _write_outcomes(self) -> None:
        """Store every outcome gathered since the last round in one transaction."""
        if not self.outcomes:
            return
        outcomes = self.outcomes
        now = now_utc()
        with self.runtime.connection() as connection, connection.begin():
            for outcome in outcomes:
                self._write(connection, outcome, now)
        self.outcomes = self.outcomes[len(outcomes):]
        for outcome in outcomes:
            if outcome.next_attempt is None:
                self.known.discard(outcome.item.message_id)
            self.runtime.touch(outcome.item.pid)

    @staticmethod
    def _write(connection: Connection, outcome: Outcome, now: datetime) -> None:
        MARK.execute(connection, {
            "key": outcome.item.message_id, "delivered": now if outcome.delivered else None,
            "next_attempt": outcome.next_attempt, "error": outcome.error, "receipt_text": outcome.receipt,
        })
        if outcome.learned_peer_pid is not None:
            kind, peer_pid = outcome.learned_peer_pid
            LEARN[kind].execute(connection, {"key": outcome.item.pid, "learned": peer_pid})


def _peer_pid_in_answer(sent: dict, response_text: str) -> tuple[str, str] | None:
    """The counterparty's pid arrives in its answer to the initial request (or initial offer)."""
    kind = sent.get("@type")
    if kind not in ("ContractRequestMessage", "TransferRequestMessage", "ContractOfferMessage"):
        return None
    try:
        answer = json.loads(response_text)
    except ValueError:
        return None
    key = "consumerPid" if kind == "ContractOfferMessage" else "providerPid"
    learned = answer.get(key) if isinstance(answer, dict) else None
    if not isinstance(learned, str):
        return None
    return ("transfer" if kind == "TransferRequestMessage" else "negotiation"), learned
