"""Configuration in layers: command-line flags over FABNET_* environment variables over a file over defaults.

Node and hub read their settings the same way. A file is TOML (or JSON when it ends in .json) and paths in it are
relative to its folder; an environment variable is `FABNET_` + the field name in capitals (`FABNET_PORT`,
`FABNET_DATABASE_URL`, ...) and paths in it are relative to the working folder. A bad value fails with one line
naming where it came from (the file, the variable or the flag), the field and the reason.
"""

import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

ENV_PREFIX = "FABNET_"
URL_VARIABLE_DATABASE = "FABNET_DATABASE_URL"
Model = TypeVar("Model", bound=BaseModel)


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names the file (or variable), the field and the reason."""


def environment_variable(field: str) -> str:
    return f"{ENV_PREFIX}{field.upper()}"


def read_config_file(path: Path, path_fields: Iterable[str]) -> dict[str, Any]:
    """The file's settings; the named path fields made absolute against the file's folder."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise ConfigError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'TOML'} ({error})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of settings, got {type(data).__name__}")
    base = path.resolve().parent
    for key in path_fields:
        if isinstance(data.get(key), str):
            data[key] = str(base / data[key])
    return data


def environment_settings(fields: Iterable[str], environ: Mapping[str, str]) -> dict[str, str]:
    """The settings given as FABNET_<FIELD> variables (empty ones count as not given)."""
    found = {}
    for field in fields:
        value = environ.get(environment_variable(field), "").strip()
        if value:
            found[field] = value
    return found


def layered(
    model: type[Model],
    path: Path | None,
    *,
    path_fields: Iterable[str] = (),
    environment_fields: Iterable[str] | None = None,
    environ: Mapping[str, str] | None = None,
    flags: Mapping[str, object] | None = None,
    file_data: Mapping[str, Any] | None = None,
) -> Model:
    """Defaults < file < environment < flags (flags left None are not given), validated as `model`.

    `environment_fields` defaults to every field of the model; fields holding lists or tables belong in the file.
    """
    path_fields = tuple(path_fields)
    from_file = dict(file_data) if file_data is not None else (
        read_config_file(path, path_fields) if path is not None else {})
    names = tuple(model.model_fields) if environment_fields is None else tuple(environment_fields)
    from_environment = environment_settings(names, os.environ if environ is None else environ)
    given_flags = {key: value for key, value in (flags or {}).items() if value is not None}
    source = {key: str(path) for key in from_file}
    source |= {key: environment_variable(key) for key in from_environment}
    source |= {key: f"--{key.replace('_', '-')}" for key in given_flags}
    try:
        return model.model_validate({**from_file, **from_environment, **given_flags})
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "input"
        field = str(first["loc"][0]) if first["loc"] else ""
        where = source.get(field) or (str(path) if path is not None else f"{model.__name__} settings")
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{where}: {location}: {reason}") from None
