"""Delivers the outbox at least once: retries with exponential back-off, one message at a time per process."""

import asyncio
import contextlib
import json
import logging
import random
from collections import deque
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, update

from fabnet.exchange.audit import message_digest, verify_receipt
from fabnet.exchange.outbox import RetryPolicy
from fabnet.exchange.tokens import issue_token
from fabnet.service.dsp_io import MESSAGE_ID_HEADER, RECEIPT_HEADER
from fabnet.service.node_runtime import NodeRuntime, QueuedMessage, now_utc
from fabnet.store.exchange_tables import NegotiationRow, OutboxRow, TransferRow

log = logging.getLogger("fabnet.node.outbox")
RETRYABLE = {401, 403, 408, 409, 425, 429}


class OutboxWorker:
    """Messages of one process go out in order, one at a time; different processes go out concurrently.

    Freshly committed messages are handed over in memory; a periodic scan of the table picks up what a
    restart left behind and what waits for a retry, so nothing depends on the hand-over alone.
    """

    SCAN_EVERY_S = 1.0

    def __init__(self, runtime: NodeRuntime, client: httpx.AsyncClient, policy: RetryPolicy | None = None) -> None:
        self.runtime = runtime
        self.client = client
        self.policy = policy or RetryPolicy()
        self.queues: dict[str, deque[QueuedMessage]] = {}
        self.known: set[str] = set()
        self.in_flight: set[str] = set()
        self.tasks: set[asyncio.Task] = set()
        self.last_scan = 0.0

    async def run(self) -> None:
        wake = self.runtime.outbox_wake
        assert wake is not None
        loop = asyncio.get_running_loop()
        while True:
            wake.clear()
            self._take_fresh()
            if loop.time() - self.last_scan >= self.SCAN_EVERY_S:
                self._scan()
                self.last_scan = loop.time()
            next_due = self._dispatch()
            timeout = self.SCAN_EVERY_S
            if next_due is not None:
                timeout = max(0.0, min(timeout, (next_due - now_utc()).total_seconds()))
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
        with self.runtime.store.transaction() as uow:
            # pending rows are exactly those with a next attempt (delivered and given-up ones have none): indexed
            rows = uow.session.execute(
                select(OutboxRow.id, OutboxRow.process_pid, OutboxRow.recipient, OutboxRow.url, OutboxRow.body,
                       OutboxRow.message_id, OutboxRow.next_attempt_at, OutboxRow.attempts)
                .where(OutboxRow.next_attempt_at.is_not(None))
                .order_by(OutboxRow.id)
                .limit(5000)
            ).all()
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

    async def _deliver(self, item: QueuedMessage) -> None:
        done = False
        try:
            token = issue_token(self.runtime.identity.keys, self.runtime.member_id, item.recipient, now_utc())
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                       MESSAGE_ID_HEADER: item.message_id}
            try:
                response = await self.client.post(item.url, content=item.body.encode(), headers=headers)
                status, text, receipt = response.status_code, response.text, response.headers.get(RECEIPT_HEADER)
            except httpx.HTTPError as error:
                status, text, receipt = 0, f"{type(error).__name__}: {error}", None
            next_attempt = self._record(item, status, text, receipt)
            if next_attempt is None:
                done = True
            else:
                item.due = next_attempt
        except Exception:  # a delivery must never kill the worker; the message stays due
            log.exception("delivery of outbox message %s failed", item.message_id)
            item.due = now_utc() + self.policy.delay(1)
        finally:
            if done:
                queue = self.queues.get(item.pid)
                if queue and queue[0] is item:
                    queue.popleft()
                self.known.discard(item.message_id)
            self.in_flight.discard(item.pid)
            if self.runtime.outbox_wake is not None:
                self.runtime.outbox_wake.set()

    def _record(self, item: QueuedMessage, status: int, text: str, receipt: str | None) -> datetime | None:
        """Store the outcome; the next attempt's time, or None when the message is delivered or given up."""
        now = now_utc()
        next_attempt: datetime | None = None
        item.attempts += 1
        outbox = OutboxRow.__table__
        changes: dict = {"attempts": outbox.c.attempts + 1}
        with self.runtime.store.transaction() as uow:
            if 200 <= status < 300:
                changes.update(delivered_at=now, next_attempt_at=None, last_error=None)
                member = self.runtime.trust.member(item.recipient)
                if receipt and member and verify_receipt(receipt, member.keys, message_digest(item.body.encode())):
                    changes["receipt"] = receipt
                self._learn_peer_pid(uow.session, item.pid, json.loads(item.body), text)
            elif status in RETRYABLE or status == 0 or status >= 500:
                next_attempt = self.policy.next_attempt(item.attempts, now, random.random())
                changes.update(last_error=f"{status}: {text[:500]}", next_attempt_at=next_attempt)
                log.info("outbox message %s to %s: %s %s, retry at %s", item.message_id, item.url, status, text[:200],
                         next_attempt)
            else:
                changes.update(last_error=f"{status}: {text[:500]}", next_attempt_at=None)
                log.warning("outbox message %s to %s refused: %s %s", item.message_id, item.url, status, text[:200])
            uow.session.connection().execute(
                update(outbox).where(outbox.c.message_id == item.message_id).values(**changes))
        self.runtime.touch(item.pid)
        return next_attempt

    @staticmethod
    def _learn_peer_pid(session, pid: str, sent: dict, response_text: str) -> None:  # type: ignore[no-untyped-def]
        """The counterparty's pid arrives in its answer to the initial request (or initial offer)."""
        kind = sent.get("@type")
        if kind not in ("ContractRequestMessage", "TransferRequestMessage", "ContractOfferMessage"):
            return
        try:
            answer = json.loads(response_text)
        except ValueError:
            return
        table = TransferRow if kind == "TransferRequestMessage" else NegotiationRow
        key = "consumerPid" if kind == "ContractOfferMessage" else "providerPid"
        process = session.get(table, pid)
        if process is not None and process.peer_pid is None and isinstance(answer.get(key), str):
            process.peer_pid = answer[key]
