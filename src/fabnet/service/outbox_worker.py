"""Delivers the outbox at least once: retries with exponential back-off, one message at a time per process."""

import asyncio
import contextlib
import json
import logging
import random
from datetime import datetime

import httpx
from sqlalchemy import select

from fabnet.exchange.audit import message_digest, verify_receipt
from fabnet.exchange.outbox import RetryPolicy
from fabnet.exchange.tokens import issue_token
from fabnet.service.dsp_io import MESSAGE_ID_HEADER, RECEIPT_HEADER
from fabnet.service.node_runtime import NodeRuntime, now_utc
from fabnet.store.exchange_tables import NegotiationRow, OutboxRow, TransferRow

log = logging.getLogger("fabnet.node.outbox")
RETRYABLE = {401, 403, 408, 409, 425, 429}


class OutboxWorker:
    def __init__(self, runtime: NodeRuntime, client: httpx.AsyncClient, policy: RetryPolicy | None = None) -> None:
        self.runtime = runtime
        self.client = client
        self.policy = policy or RetryPolicy()
        self.in_flight: set[str] = set()
        self.tasks: set[asyncio.Task] = set()

    async def run(self) -> None:
        wake = self.runtime.outbox_wake
        assert wake is not None
        while True:
            wake.clear()
            next_due = self._dispatch()
            timeout = 1.0 if next_due is None else max(0.0, min(1.0, (next_due - now_utc()).total_seconds()))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout)

    def _dispatch(self) -> datetime | None:
        """Start a delivery for the oldest due message of each idle process; return when the next one falls due."""
        free = self.runtime.config.delivery_concurrency - len(self.in_flight)
        now = now_utc()
        next_due: datetime | None = None
        with self.runtime.store.transaction() as uow:
            # pending rows are exactly those with a next attempt (delivered and given-up ones have none): indexed
            rows = uow.session.execute(
                select(OutboxRow.id, OutboxRow.process_pid, OutboxRow.next_attempt_at, OutboxRow.recipient,
                       OutboxRow.url, OutboxRow.body, OutboxRow.message_id)
                .where(OutboxRow.next_attempt_at.is_not(None))
                .order_by(OutboxRow.id)
                .limit(2000)
            ).all()
        seen: set[str] = set()
        for row_id, pid, due, recipient, url, body, message_id in rows:
            if pid in seen or pid in self.in_flight:
                seen.add(pid)
                continue
            seen.add(pid)
            due = due if due.tzinfo else due.replace(tzinfo=now.tzinfo)
            if due > now:
                next_due = due if next_due is None else min(next_due, due)
                continue
            if free <= 0:
                return now
            free -= 1
            self.in_flight.add(pid)
            task = asyncio.create_task(self._deliver(row_id, pid, recipient, url, body, message_id))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return next_due

    async def _deliver(self, row_id: int, pid: str, recipient: str, url: str, body: str, message_id: str) -> None:
        try:
            token = issue_token(self.runtime.identity.keys, self.runtime.member_id, recipient, now_utc())
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                       MESSAGE_ID_HEADER: message_id}
            try:
                response = await self.client.post(url, content=body.encode(), headers=headers)
                status, text, receipt = response.status_code, response.text, response.headers.get(RECEIPT_HEADER)
            except httpx.HTTPError as error:
                status, text, receipt = 0, f"{type(error).__name__}: {error}", None
            self._record(row_id, pid, body, status, text, receipt, recipient)
        except Exception:  # a delivery must never kill the worker; the message stays due
            log.exception("delivery of outbox message %s failed", row_id)
        finally:
            self.in_flight.discard(pid)
            if self.runtime.outbox_wake is not None:
                self.runtime.outbox_wake.set()

    def _record(self, row_id: int, pid: str, body: str, status: int, text: str, receipt: str | None,
                recipient: str) -> None:
        now = now_utc()
        with self.runtime.store.transaction() as uow:
            row = uow.session.get(OutboxRow, row_id)
            assert row is not None
            row.attempts += 1
            if 200 <= status < 300:
                row.delivered_at, row.next_attempt_at, row.last_error = now, None, None
                member = self.runtime.trust.member(recipient)
                if receipt and member and verify_receipt(receipt, member.keys, message_digest(body.encode())):
                    row.receipt = receipt
                self._learn_peer_pid(uow.session, pid, json.loads(body), text)
            elif status in RETRYABLE or status == 0 or status >= 500:
                row.last_error = f"{status}: {text[:500]}"
                row.next_attempt_at = self.policy.next_attempt(row.attempts, now, random.random())
                log.info("outbox message %s to %s: %s, retry at %s", row_id, row.url, row.last_error,
                         row.next_attempt_at)
            else:
                row.last_error, row.next_attempt_at = f"{status}: {text[:500]}", None
                log.warning("outbox message %s to %s refused: %s", row_id, row.url, row.last_error)
        self.runtime.touch(pid)

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
