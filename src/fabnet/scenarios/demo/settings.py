"""How a demo run is set up (options, output layout) and how it reports progress and failure."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

STAGES: dict[str, str] = {
    "database": "Load the brainport scenario into a fresh SQLite database",
    "documents": "Export and verify AAS documents",
    "allocation": "Marketplace: allocate work to partners",
    "scheduling": "Schedule every company with CP-SAT",
    "twin": "Monte Carlo forecast in the digital twin",
    "quality": "Zero defects: drift, alarm, rework, passports",
    "billing": "Peppol invoices, ledgers and netting",
    "report": "Write summary.json and report.html",
}
"""The stages in the order they run, with the line the progress display shows."""


@dataclass(frozen=True)
class DemoOptions:
    out: Path = Path("out/demo")
    time_limit: float = 15.0
    """CP-SAT seconds per company"""
    replications: int = 50
    seed: int = 2026
    workers: int = 2
    """CP-SAT search workers"""
    validate_invoices: int | None = None
    """how many invoices to check against the Peppol rules; None = all"""
    scenario: str = "brainport"

    def __post_init__(self) -> None:
        if self.time_limit <= 0:
            raise ValueError(f"--time-limit must be positive, got {self.time_limit}")
        if self.replications < 1:
            raise ValueError(f"--replications must be at least 1, got {self.replications}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")

    def as_record(self) -> dict[str, object]:
        """The settings as the summary records them."""
        return {"out": str(self.out), "time_limit_s": self.time_limit, "replications": self.replications,
                "seed": self.seed, "workers": self.workers,
                "validate_invoices": "all" if self.validate_invoices is None else self.validate_invoices}

    @classmethod
    def quick(cls, out: Path, seed: int = 2026) -> DemoOptions:
        """The smallest settings that still run every stage (for tests and a first look)."""
        return cls(out=out, time_limit=1.0, replications=5, seed=seed, validate_invoices=3)


@dataclass(frozen=True)
class DemoLayout:
    """Where the demo writes, inside its output folder."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "fabnet.sqlite"

    @property
    def aas(self) -> Path:
        return self.root / "aas"

    @property
    def schedules(self) -> Path:
        return self.root / "schedules"

    @property
    def twin(self) -> Path:
        return self.root / "twin"

    @property
    def passports(self) -> Path:
        return self.root / "passports"

    @property
    def invoices(self) -> Path:
        return self.root / "invoices"

    @property
    def summary(self) -> Path:
        return self.root / "summary.json"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def reset(self) -> None:
        """Remove what an earlier run wrote (only the demo's own files and folders), then create the root."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            self.database.with_name(self.database.name + suffix).unlink(missing_ok=True)
        for folder in (self.aas, self.schedules, self.twin, self.passports, self.invoices):
            shutil.rmtree(folder, ignore_errors=True)
        for document in (self.summary, self.report):
            document.unlink(missing_ok=True)
        self.root.mkdir(parents=True, exist_ok=True)


class DemoObserver(Protocol):
    """Receives the demo's progress; the CLI draws it, tests ignore it."""

    def stage_started(self, stage: str, total: int) -> None: ...

    def advanced(self, stage: str, detail: str, steps: int = 1) -> None:
        """`steps` items of the stage are done (0: only the detail line changes)."""

    def stage_finished(self, stage: str, headline: str, seconds: float) -> None: ...


class SilentObserver:
    def stage_started(self, stage: str, total: int) -> None:
        pass

    def advanced(self, stage: str, detail: str, steps: int = 1) -> None:
        pass

    def stage_finished(self, stage: str, headline: str, seconds: float) -> None:
        pass


class DemoError(RuntimeError):
    """A stage failed: names the stage and the reason in one line."""

    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(f"demo stage '{stage}' failed: {reason}")
        self.stage = stage
        self.reason = reason
