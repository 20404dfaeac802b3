"""`drilltutor dev mutants`: do a drill's checks notice when its reference is changed?

Each mutant of the reference (`drilltutor.mutants`) runs against the drill's checks, like a
learner's file, through warm runners in parallel. A mutant that fails a check (or cannot
run) is killed; one that passes every check survived: either the checks miss a mistake,
or the change makes no difference the contract cares about. The latter is explained in the
drill's `mutants.toml`, one line each:

    [[survivor]]
    id = "drop-keyword:get_current_user:0aa720e6"
    why = "`detail=` text is free"

A survivor nobody explained fails `dev mutants`; an explanation whose mutant is gone or
now killed is reported as stale, to be removed.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from drilltutor import datafile
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.devcheck import default_workers, run_all
from drilltutor.errors import DrilltutorError
from drilltutor.mutants import Mutant, generate
from drilltutor.runner import RunOptions

EXPLANATIONS = "mutants.toml"


@dataclass(frozen=True)
class Survivor:
    id: str
    operator: str
    description: str
    line: int
    diff: str
    why: str  # the drill's explanation; empty when nobody explained it


@dataclass(frozen=True)
class Stale:
    id: str
    reason: str


@dataclass
class DrillScore:
    drill: str
    mutants: int
    killed: int
    reference_passes: bool
    survivors: list[Survivor] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Survivor]:
        return [s for s in self.survivors if not s.why]

    @property
    def score(self) -> float:
        """Killed over all mutants (an explained survivor is still a survivor)."""
        return self.killed / self.mutants if self.mutants else 1.0

    @property
    def ok(self) -> bool:
        return self.reference_passes and not self.unexplained

    def to_dict(self) -> dict[str, object]:
        return {
            "drill": self.drill,
            "mutants": self.mutants,
            "killed": self.killed,
            "survived": len(self.survivors),
            "explained": len(self.survivors) - len(self.unexplained),
            "unexplained": len(self.unexplained),
            "score": round(self.score, 3),
            "reference_passes": self.reference_passes,
            "ok": self.ok,
            "survivors": [vars(s) for s in self.survivors],
            "stale": [vars(s) for s in self.stale],
        }


def load_explanations(path: Path) -> dict[str, str]:
    """id -> why, from `[[survivor]]` tables; none when the file does not exist."""
    if not path.is_file():
        return {}
    from drilltutor.models import MutantsFile

    return {entry.id: entry.why.strip() for entry in datafile.load(path, MutantsFile).survivor}


def score(drill: str, reference: str, mutants: list[Mutant], killed: list[bool], reference_passes: bool, explanations: dict[str, str]) -> DrillScore:
    """The drill's score from which mutants were killed; its survivors with their explanations."""
    result = DrillScore(drill, len(mutants), sum(killed), reference_passes)
    for mutant, dead in zip(mutants, killed):
        if not dead:
            why = explanations.get(mutant.id, "")
            result.survivors.append(Survivor(mutant.id, mutant.operator, mutant.description, mutant.line, mutant.diff(reference), why))
    ids = {m.id for m in mutants}
    alive = {s.id for s in result.survivors}
    for key in explanations:
        if key not in ids:
            result.stale.append(Stale(key, "no such mutant any more (the reference changed)"))
        elif key not in alive:
            result.stale.append(Stale(key, "now killed by the checks"))
    return result


def mutate(drill: Drill) -> tuple[str, list[Mutant]]:
    reference = drill.solution_path.read_text(encoding="utf-8").replace("\r\n", "\n")
    try:
        return reference, generate(reference)
    except SyntaxError as exc:
        raise DrilltutorError(f"Malformed drill: {drill.solution_path} does not parse ({exc.msg}, line {exc.lineno}).") from None


# One failed check kills a mutant: the checks after it would not change the verdict. A
# request that times out kills it too, so on a busy machine a slow answer must not pass
# for a hang: the limits are well above dev check's (a mutant that really hangs still ends).
# bcrypt at cost 4, as in dev check: no verdict depends on the cost.
MUTANT_OPTIONS = RunOptions(timeout=90.0, request_timeout=20.0, stop_at_failure=True, bcrypt_cost=4)


def run_mutants(catalogue: Catalogue, drills: list[Drill], options: RunOptions = MUTANT_OPTIONS, workers: int | None = None) -> list[DrillScore]:
    """Every mutant of every drill's reference, and the reference itself, run through warm runners at once."""
    plans = [(drill, *mutate(drill), load_explanations(drill.folder / EXPLANATIONS)) for drill in drills]
    with tempfile.TemporaryDirectory(prefix="drilltutor-mutants-") as folder:
        runs: list[tuple[Drill, Path, RunOptions]] = []
        for number, (drill, _, mutants, _) in enumerate(plans):
            runs.append((drill, drill.solution_path, options))
            for index, mutant in enumerate(mutants):
                target = Path(folder) / f"{number}-{index}" / drill.file  # the learner's file name: an app is imported by it
                target.parent.mkdir()
                target.write_text(mutant.source, encoding="utf-8")
                runs.append((drill, target, options))
        reports = iter(run_all(catalogue, runs, workers or default_workers()))
        scores = []
        for drill, reference, mutants, explanations in plans:
            passes = next(reports).passed
            killed = [not next(reports).passed for _ in mutants]  # a failed check, or a file that cannot run
            scores.append(score(drill.id, reference, mutants, killed, passes, explanations))
    return scores
