"""Plain data that a run produces; the CLI renders it, `--json` dumps it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

PASSED = "passed"
FAILED = "failed"
ADVICE = "advice"
SKIPPED = "skipped"


@dataclass
class CheckResult:
    id: str
    title: str
    status: str
    sent: str = ""
    got: str = ""
    expected: str = ""
    fix: str = ""
    detail: str = ""  # the learner's own traceback, trimmed to their file
    hint: int | None = None  # 1-based index of the hint that addresses this check

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class Problem:
    """Why the learner's file could not be checked at all (syntax error, crash, hang, ...)."""

    kind: str
    message: str
    detail: str = ""
    hint: int | None = None  # 1-based index of the hint about this kind of problem


@dataclass
class RunReport:
    drill: str
    file: str
    checks: list[CheckResult] = field(default_factory=list)
    problem: Problem | None = None
    output: str = ""
    output_truncated: bool = False
    duration: float = 0.0
    bcrypt_ops: int = 0
    notices: list[str] = field(default_factory=list)  # what this system could not enforce, said once
    transcript: list[list[str]] = field(default_factory=list)  # `dev mutants`' replay only: what the checks saw

    @property
    def passed(self) -> bool:
        return self.problem is None and bool(self.checks) and not any(c.status in (FAILED, SKIPPED) for c in self.checks)

    @property
    def failed_checks(self) -> list[CheckResult]:
        return [c for c in self.checks if c.status == FAILED]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["transcript"]  # a replay's internals, not part of a run's report
        data["passed"] = self.passed
        data["duration"] = round(self.duration, 3)
        return data
