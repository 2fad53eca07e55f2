"""The node's scheduled housekeeping: the expiry sweep of received assets and forgetting expired token ids."""

import asyncio
import logging
from datetime import datetime

from sqlalchemy import delete

from fabnet.exchange.tokens import CLOCK_SKEW
from fabnet.service import received_assets
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


async def keep_tidy(runtime: NodeRuntime) -> None:
    while True:
        await asyncio.sleep(runtime.config.sweep_every_s)
        try:
            deleted, forgotten = run_once(runtime, now_utc())
            if deleted or forgotten:
                log.info("expiry sweep: %d received assets deleted, %d token ids forgotten", len(deleted), forgotten)
        except Exception:  # housekeeping must never stop the node
            log.exception("housekeeping failed")
