"""Synthetic open invoices of a network of given size, for the netting benchmark (seeded, reproducible)."""

import random
from decimal import Decimal

from fabnet.billing.netting import OpenInvoice


def synthetic_invoices(members: int, invoices: int, seed: int = 2026) -> list[OpenInvoice]:
    """Invoices between random distinct members, amounts €10–€25,000 in cents, clustered like regional trade:
    most invoices go to a member's 40 nearest neighbours by index."""
    if members < 2:
        raise ValueError(f"members: need at least 2, got {members}")
    rng = random.Random(seed)
    names = [f"M{index:05d}" for index in range(members)]
    result = []
    for number in range(invoices):
        seller = rng.randrange(members)
        if rng.random() < 0.8:
            buyer = (seller + rng.randint(1, min(40, members - 1))) % members
        else:
            buyer = (seller + rng.randrange(1, members)) % members
        cents = rng.randint(1_000, 2_500_000)
        result.append(OpenInvoice(f"INV-{number:07d}", names[buyer], names[seller], Decimal(cents).scaleb(-2)))
    return result
