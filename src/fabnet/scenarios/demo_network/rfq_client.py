"""Requests for quotation over HTTP: the receiving company's node sends each RFQ, signed with its key, to the
member's node (`/manage/rfq` → the member's `POST /api/v1/rfq`); a node that does not answer is unavailable."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx

from fabnet.network.quotes import MemberQuote, MemberUnavailable, RequestForQuotation
from fabnet.scenarios.demo_network.nodes import RunningNetwork

ATTEMPTS = 2
"""A node that fails once (e.g. a timeout on a busy machine) is asked once more before it counts as unavailable."""


@dataclass
class HttpQuoteProvider:
    """A `QuoteProvider` whose members answer from their own nodes, in other processes."""

    network: RunningNetwork
    sent: int = 0
    answered: int = 0
    unavailable: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    """why each unanswered RFQ went unanswered"""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def quote(self, request: RequestForQuotation) -> MemberQuote:
        """The member's quote; MemberUnavailable when its node (or the sender's) does not answer twice in a row."""
        sender = self.network.nodes.get(request.deliver_to.company_id)
        member = self.network.nodes.get(request.member_id)
        if sender is None or member is None:
            raise MemberUnavailable(f"no node for {request.member_id if member is None else sender}")
        body = {"peer_url": member.url, "request": request.model_dump(mode="json")}
        with self._lock:
            self.sent += 1
        reason = ""
        for _attempt in range(ATTEMPTS):
            try:
                response = self.network.http.post(sender.url + "/manage/rfq", json=body)
            except httpx.HTTPError as error:
                reason = f"the node of {sender.company_id} (sender) did not answer: {type(error).__name__}"
                continue
            if response.status_code == 502 and response.json().get("unavailable", False):
                reason = response.json()["error"]
                continue
            if response.status_code != 200:
                return MemberQuote.declined(request, f"RFQ refused ({response.status_code}): {response.text[:160]}")
            with self._lock:
                self.answered += 1
            return MemberQuote.model_validate(response.json())
        with self._lock:
            self.unavailable[request.member_id] = self.unavailable.get(request.member_id, 0) + 1
            self.failures.append(f"{request.member_id} for {request.package.id}: {reason}")
        raise MemberUnavailable(reason)
