"""Turns validation failures into the one-line messages users see: the field, then the reason."""

from pydantic import ValidationError


def describe(error: ValidationError, source: str = "") -> str:
    """`source: field.path: reason` for the first error, with a count of the rest."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "input"
    reason = first["msg"].removeprefix("Value error, ")
    more = len(error.errors()) - 1
    prefix = f"{source}: " if source else ""
    suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    return f"{prefix}{location}: {reason}{suffix}"
