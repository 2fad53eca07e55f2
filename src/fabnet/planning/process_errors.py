"""Why process planning fails: a design no machine can make (PlanningError) or one machine's range (OutOfRange)."""


class PlanningError(ValueError):
    """A design cannot be planned; the message names the feature and why (no skill, or out of which range)."""


class OutOfRange(Exception):
    """One machine cannot do one operation; the message names the range that excludes it."""
