"""Reads SPC data from CSV: one value column, or one subgroup per row (wide), with an optional label column."""

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fabnet.quality.chart_model import ChartData

LABEL_COLUMNS = {"subgroup", "sample", "id", "label", "part", "part_id", "batch", "time", "timestamp", "date", "index"}
"""Header names taken as a row label rather than as measured values."""


class SpcCsvError(ValueError):
    """A one-line reason naming the file, row and column."""


@dataclass(frozen=True)
class SpcTable:
    """What the file held: the value columns used and the data in (subgroups × size) form."""

    columns: tuple[str, ...]
    data: ChartData


def _number(text: str, path: Path, line: int, column: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise SpcCsvError(f"{path}: row {line}, column {column!r}: missing value")
    try:
        value = float(stripped)
    except ValueError:
        raise SpcCsvError(f"{path}: row {line}, column {column!r}: {stripped!r} is not a number") from None
    if not math.isfinite(value):
        raise SpcCsvError(f"{path}: row {line}, column {column!r}: {stripped!r} is not a finite number")
    return value


def read_spc_csv(path: Path, column: str | None = None, subgroup_size: int | None = None) -> SpcTable:
    """Individuals (`column`, or the only value column) or wide subgroups (all value columns).

    `subgroup_size` groups a single value column into consecutive subgroups of that size.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise SpcCsvError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SpcCsvError(f"{path}: not a UTF-8 text file") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise SpcCsvError(f"{path}: the file is empty")
    header = [name.strip() for name in rows[0]]
    if len(rows) < 2:
        raise SpcCsvError(f"{path}: a header row but no data rows")
    label_index = 0 if header[0].lower() in LABEL_COLUMNS and len(header) > 1 else None
    if column is not None:
        if column not in header:
            raise SpcCsvError(f"{path}: no column {column!r}; columns are {', '.join(header)}")
        value_indices = [header.index(column)]
    else:
        value_indices = [i for i in range(len(header)) if i != label_index]
    labels: list[str] = []
    values: list[list[float]] = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) < len(header):
            missing = header[len(row)]
            raise SpcCsvError(f"{path}: row {line}, column {missing!r}: missing value")
        values.append([_number(row[i], path, line, header[i]) for i in value_indices])
        labels.append(row[label_index].strip() if label_index is not None else str(line - 1))
    array = np.asarray(values, dtype=float)
    columns = tuple(header[i] for i in value_indices)
    if subgroup_size is not None:
        if subgroup_size < 1:
            raise SpcCsvError(f"--subgroup-size: must be at least 1, got {subgroup_size}")
        if array.shape[1] > 1:
            if subgroup_size != array.shape[1]:
                raise SpcCsvError(
                    f"{path}: rows hold subgroups of {array.shape[1]} ({', '.join(columns)}), "
                    f"not {subgroup_size}; pick one value column with --column to regroup it"
                )
        else:
            count = len(array) // subgroup_size
            if count < 1 or len(array) % subgroup_size:
                raise SpcCsvError(
                    f"{path}: {len(array)} values in column {columns[0]!r} do not split into subgroups of "
                    f"{subgroup_size}"
                )
            array = array[: count * subgroup_size].reshape(count, subgroup_size)
            labels = [str(i + 1) for i in range(count)]
    return SpcTable(columns=columns, data=ChartData(array, tuple(labels)))
