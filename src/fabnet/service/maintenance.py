"""The node's scheduled housekeeping: the expiry sweep of received assets, forgetting expired token ids and pruning
ended login sessions, API tokens and stale failed logins."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import delete

from fabnet.exchange.tokens import CLOCK_SKEW
from fabnet.service import received_assets, users
from fabnet.service.node_runtime import NodeRuntime, now_utc
from fabnet.store.exchange_tables import UsedTokenRow

log = logging.getLogger("fabnet.node.maintenance")


def run_once(runtime: NodeRuntime, now: datetime) -> tuple[list[str], int]:
    """Delete received assets expired at `now`; drop token ids that can no longer be replayed.

    Token expiry is always judged by the real clock (tokens are verified against it), so a test that moves
    `now` ahead cannot make a live token replayable.
    """
    deleted = received_assets.sweep(runtime, now)
    with runtime.work() as work:
        used = UsedTokenRow.__table__
        forgotten = work.session.connection().execute(
            delete(used).where(used.c.expires_at < now_utc() - CLOCK_SKEW * 2)
        ).rowcount
    return deleted, forgotten or 0


def prune_credentials(runtime: NodeRuntime, now: datetime) -> users.Pruned:
    """Delete ended sessions and API tokens and stale failed logins (see `users.prune`)."""
    return users.prune(runtime.store, now)


async def keep_tidy(runtime: NodeRuntime, *, clock: Callable[[], datetime] = now_utc,
                    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
    """Every `sweep_every_s`: the expiry sweep and credential pruning (a test passes its own clock and sleep)."""
    while True:
        await sleep(runtime.config.sweep_every_s)
        try:
            now = clock()
            deleted, forgotten = run_once(runtime, now)
            pruned = prune_credentials(runtime, now)
            if deleted or forgotten:
                log.info("expiry sweep: %d received assets deleted, %d token ids forgotten", len(deleted), forgotten)
            if pruned.sessions or pruned.tokens:
                log.info("pruned %d ended sessions and %d ended API tokens", pruned.sessions, pruned.tokens)
        except Exception:  # housekeeping must never stop the node
            log.exception("housekeeping failed")
