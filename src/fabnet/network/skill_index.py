"""The catalog's column store for one skill: numpy arrays that grow in place, so a join never rebuilds them.

Each machine skill is one entry (row) with its ranges, its owner's site, hub, rate and free capacity, and an
active flag (cleared when the member withdraws or republishes). New entries wait in a list and are copied into
the arrays in one block when the index is next read; arrays double their capacity when full, so joining costs
amortised O(1) per entry and searches read views of the filled part without copying.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


class GrowableArray:
    """A numpy array with spare capacity; `view` is the filled part."""

    def __init__(self, dtype: type, width: int = 0, capacity: int = 64) -> None:
        shape = (capacity, width) if width else (capacity,)
        self._data = np.empty(shape, dtype=dtype)
        self.size = 0

    def _reserve(self, extra: int) -> None:
        needed = self.size + extra
        if needed > len(self._data):
            capacity = len(self._data)
            while capacity < needed:
                capacity *= 2
            grown = np.empty((capacity, *self._data.shape[1:]), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown

    def append(self, value: object) -> None:
        self._reserve(1)
        self._data[self.size] = value
        self.size += 1

    def extend(self, values: npt.NDArray) -> None:
        self._reserve(len(values))
        self._data[self.size: self.size + len(values)] = values
        self.size += len(values)

    def set(self, index: int, value: object) -> None:
        self._data[index] = value

    @property
    def view(self) -> npt.NDArray:
        return self._data[: self.size]


@dataclass(frozen=True)
class SkillEntry:
    """One machine skill as the index stores it."""

    machine_row: int
    company_row: int
    min_thickness_mm: float
    max_thickness_mm: float  # inf: unbounded
    envelope_sorted_mm: tuple[float, float, float]  # ascending; inf: unbounded
    capability_mm: float
    materials: frozenset[str]  # lower-case tokens; empty = any material
    hub: int
    latitude: float
    longitude: float
    rate: float
    free_minutes: float


class SkillIndex:
    """The entries of one skill, column by column, with postings per material token."""

    def __init__(self) -> None:
        self._machine_row = GrowableArray(np.int64)
        self._company_row = GrowableArray(np.int64)
        self._active = GrowableArray(np.bool_)
        self._min_t = GrowableArray(np.float64)
        self._max_t = GrowableArray(np.float64)
        self._envelope = GrowableArray(np.float64, width=3)
        self._capability = GrowableArray(np.float64)
        self._any_material = GrowableArray(np.bool_)
        self._hub = GrowableArray(np.int64)
        self._latitude = GrowableArray(np.float64)
        self._longitude = GrowableArray(np.float64)
        self._rate = GrowableArray(np.float64)
        self._free = GrowableArray(np.float64)
        self._postings: dict[str, GrowableArray] = {}
        self._pending: list[SkillEntry] = []

    def __len__(self) -> int:
        return self._active.size + len(self._pending)

    def append(self, entry: SkillEntry) -> int:
        """Add an entry; its row number."""
        self._pending.append(entry)
        return len(self) - 1

    def _flush(self) -> None:
        if not self._pending:
            return
        entries, self._pending = self._pending, []
        start, n = self._active.size, len(entries)

        def column(values: object, dtype: type) -> npt.NDArray:
            return np.fromiter(values, dtype, n)  # type: ignore[call-overload]

        self._machine_row.extend(column((e.machine_row for e in entries), np.int64))
        self._company_row.extend(column((e.company_row for e in entries), np.int64))
        self._active.extend(np.ones(n, dtype=np.bool_))
        self._min_t.extend(column((e.min_thickness_mm for e in entries), np.float64))
        self._max_t.extend(column((e.max_thickness_mm for e in entries), np.float64))
        self._envelope.extend(np.asarray([e.envelope_sorted_mm for e in entries], dtype=np.float64))
        self._capability.extend(column((e.capability_mm for e in entries), np.float64))
        self._any_material.extend(column((not e.materials for e in entries), np.bool_))
        self._hub.extend(column((e.hub for e in entries), np.int64))
        self._latitude.extend(column((e.latitude for e in entries), np.float64))
        self._longitude.extend(column((e.longitude for e in entries), np.float64))
        self._rate.extend(column((e.rate for e in entries), np.float64))
        self._free.extend(column((e.free_minutes for e in entries), np.float64))
        rows: dict[str, list[int]] = {}
        for offset, entry in enumerate(entries):
            for token in entry.materials:
                rows.setdefault(token, []).append(start + offset)
        for token, listed in rows.items():
            self._postings.setdefault(token, GrowableArray(np.int64, capacity=16)).extend(
                np.asarray(listed, dtype=np.int64))

    def deactivate(self, row: int) -> None:
        self._flush()
        self._active.set(row, False)

    def listing(self, token: str) -> npt.NDArray[np.int64] | None:
        """Rows whose skill lists this material token."""
        self._flush()
        postings = self._postings.get(token)
        return postings.view if postings is not None else None

    @property
    def machine_row(self) -> npt.NDArray[np.int64]:
        self._flush()
        return self._machine_row.view

    @property
    def company_row(self) -> npt.NDArray[np.int64]:
        self._flush()
        return self._company_row.view

    @property
    def active(self) -> npt.NDArray[np.bool_]:
        self._flush()
        return self._active.view

    @property
    def min_t(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._min_t.view

    @property
    def max_t(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._max_t.view

    @property
    def envelope(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._envelope.view

    @property
    def capability(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._capability.view

    @property
    def any_material(self) -> npt.NDArray[np.bool_]:
        self._flush()
        return self._any_material.view

    @property
    def hub(self) -> npt.NDArray[np.int64]:
        self._flush()
        return self._hub.view

    @property
    def latitude(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._latitude.view

    @property
    def longitude(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._longitude.view

    @property
    def rate(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._rate.view

    @property
    def free(self) -> npt.NDArray[np.float64]:
        self._flush()
        return self._free.view
