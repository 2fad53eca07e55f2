"""The common base of every domain record: immutable, strict about unknown fields, JSON-ready."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Identifier = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/\-]*$"),
]
"""A record id: letters, digits and `._:/-`, starting with a letter or digit."""

PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]


class DomainModel(BaseModel):
    """Frozen, validated on construction and on assignment, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, str_strip_whitespace=True)
