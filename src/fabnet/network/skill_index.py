"""The catalog's column store for one skill: numpy arrays that grow in place, so a join never rebuilds them.

Each machine skill is one entry (row) with its ranges, its owner's site, hub, rate and free capacity, and an
active flag (cleared when the member withdraws or republishes). Arrays double their capacity when full, so an
append costs amortised O(1) and searches read views of the filled part without copying.
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

    def append(self, value: object) -> None:
        if self.size == len(self._data):
            grown = np.empty((2 * len(self._data), *self._data.shape[1:]), dtype=self._data.dtype)
            grown[: self.size] = self._data
            self._data = grown
        self._data[self.size] = value
        self.size += 1

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

    def __len__(self) -> int:
        return self._active.size

    def append(self, entry: SkillEntry) -> int:
        row = len(self)
        self._machine_row.append(entry.machine_row)
        self._company_row.append(entry.company_row)
        self._active.append(True)
        self._min_t.append(entry.min_thickness_mm)
        self._max_t.append(entry.max_thickness_mm)
        self._envelope.append(entry.envelope_sorted_mm)
        self._capability.append(entry.capability_mm)
        self._any_material.append(not entry.materials)
        self._hub.append(entry.hub)
        self._latitude.append(entry.latitude)
        self._longitude.append(entry.longitude)
        self._rate.append(entry.rate)
        self._free.append(entry.free_minutes)
        for token in entry.materials:
            self._postings.setdefault(token, GrowableArray(np.int64, capacity=16)).append(row)
        return row

    def deactivate(self, row: int) -> None:
        self._active.set(row, False)

    def listing(self, token: str) -> npt.NDArray[np.int64] | None:
        """Rows whose skill lists this material token."""
        postings = self._postings.get(token)
        return postings.view if postings is not None else None

    @property
    def machine_row(self) -> npt.NDArray[np.int64]:
        return self._machine_row.view

    @property
    def company_row(self) -> npt.NDArray[np.int64]:
        return self._company_row.view

    @property
    def active(self) -> npt.NDArray[np.bool_]:
        return self._active.view

    @property
    def min_t(self) -> npt.NDArray[np.float64]:
        return self._min_t.view

    @property
    def max_t(self) -> npt.NDArray[np.float64]:
        return self._max_t.view

    @property
    def envelope(self) -> npt.NDArray[np.float64]:
        return self._envelope.view

    @property
    def capability(self) -> npt.NDArray[np.float64]:
        return self._capability.view

    @property
    def any_material(self) -> npt.NDArray[np.bool_]:
        return self._any_material.view

    @property
    def hub(self) -> npt.NDArray[np.int64]:
        return self._hub.view

    @property
    def latitude(self) -> npt.NDArray[np.float64]:
        return self._latitude.view

    @property
    def longitude(self) -> npt.NDArray[np.float64]:
        return self._longitude.view

    @property
    def rate(self) -> npt.NDArray[np.float64]:
        return self._rate.view

    @property
    def free(self) -> npt.NDArray[np.float64]:
        return self._free.view
