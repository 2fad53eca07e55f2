"""Companies of the network, the regional hubs that connect them and the programme's fieldlabs."""

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, computed_field

from fabnet.domain.base import DomainModel, Identifier

_KVK = re.compile(r"^[0-9]{8}$")  # ASCII digits only: \d would also accept e.g. fullwidth digits
_VAT_NL = re.compile(r"^NL[0-9]{9}B[0-9]{2}$")


def check_kvk(value: str) -> str:
    """A Dutch Chamber of Commerce (KvK) number: exactly 8 digits."""
    if not _KVK.fullmatch(value):
        raise ValueError(f"KvK number must be exactly 8 digits, got {value!r}")
    return value


def check_vat_nl(value: str) -> str:
    """A Dutch VAT id (btw-id): `NL`, 9 digits, `B`, 2 digits."""
    if not _VAT_NL.fullmatch(value):
        raise ValueError(f"Dutch VAT id must be NL + 9 digits + B + 2 digits (e.g. NL123456789B01), got {value!r}")
    return value


KvkNumber = Annotated[str, AfterValidator(check_kvk)]
VatIdNL = Annotated[str, AfterValidator(check_vat_nl)]


class Address(DomainModel):
    street: str = Field(min_length=1)
    postal_code: str = Field(pattern=r"^[0-9]{4} ?[A-Z]{2}$", description="Dutch postcode, e.g. 5612 AB")
    city: str = Field(min_length=1)
    country: str = Field(default="NL", pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Company(DomainModel):
    """A member of the network: an SME manufacturer, an OEM customer or a service provider."""

    id: Identifier
    name: str = Field(min_length=1, max_length=200)
    kvk: KvkNumber
    vat_id: VatIdNL
    address: Address
    hub_id: Identifier = Field(description="the regional hub the company belongs to")
    role: str = Field(default="manufacturer", pattern=r"^(manufacturer|oem|service)$")
    email: str = Field(default="", max_length=200)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def peppol_id(self) -> str:
        """Peppol participant id under scheme 0106 (KvK)."""
        return f"0106:{self.kvk}"


class Hub(DomainModel):
    """A regional Smart Industry hub: member registry, trust anchor and marketplace of a region."""

    id: Identifier
    name: str = Field(min_length=1)
    region: str = Field(min_length=1)
    city: str = Field(min_length=1)
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class Fieldlab(DomainModel):
    """A Smart Industry fieldlab: a shared test and demonstration site of a theme."""

    id: Identifier
    name: str = Field(min_length=1)
    theme: str = Field(min_length=1)
    hub_id: Identifier
    partners: tuple[Identifier, ...] = ()
    investment_eur: Decimal = Field(default=Decimal(0), ge=0)
    private_investment_eur: Decimal = Field(default=Decimal(0), ge=0)
