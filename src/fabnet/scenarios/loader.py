"""Reads a reference scenario's JSON files from the package and validates them as a RegionalNetwork."""

import json
from importlib import resources
from importlib.resources.abc import Traversable

from pydantic import ValidationError

from fabnet.domain import RegionalNetwork
from fabnet.domain.errors import describe

SCENARIO_FILES = ("network", "companies", "machines", "designs", "orders")
"""A scenario is a folder of these JSON files: the network header (name, origin, hubs, fieldlabs) + one per kind."""


def available() -> list[str]:
    """Names of the scenarios shipped with fabnet."""
    root = resources.files("fabnet.scenarios")
    return sorted(
        entry.name for entry in root.iterdir() if entry.is_dir() and entry.joinpath("network.json").is_file()
    )


def load_scenario(name: str) -> RegionalNetwork:
    """The named scenario, validated; ValueError naming the available scenarios, or the file and field at fault."""
    names = available()
    if name not in names:
        raise ValueError(f"unknown scenario {name!r}; available: {', '.join(names) or 'none'}")
    return read_scenario(resources.files("fabnet.scenarios").joinpath(name), name)


def read_scenario(folder: Traversable, name: str) -> RegionalNetwork:
    """A scenario folder's JSON files as one validated network; ValueError naming the file and field at fault."""
    data: dict[str, object] = {}
    for stem in SCENARIO_FILES:
        try:
            body = json.loads(folder.joinpath(f"{stem}.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ValueError(f"scenario {name!r}: missing file {stem}.json") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"scenario {name!r}: {stem}.json is not valid JSON: {error}") from None
        if stem == "network":
            if not isinstance(body, dict):
                raise ValueError(f"scenario {name!r}: network.json must hold a JSON object")
            data.update(body)
        else:
            data[stem] = body
    try:
        return RegionalNetwork.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]["loc"]
        source = f"scenario {name!r}, {first[0]}.json" if first and first[0] in SCENARIO_FILES else f"scenario {name!r}"
        raise ValueError(describe(error, source=source)) from None
