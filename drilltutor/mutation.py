"""`drilltutor dev mutants`: do a drill's checks notice when its reference is changed?

Each mutant of the reference (`drilltutor.mutants`) runs against the drill's checks, like a
learner's file, through warm runners in parallel. A mutant that fails a check (or cannot
run) is killed; one that passes every check survived: either the checks miss a mistake,
or the change makes no difference the contract cares about. The latter is explained in the
drill's `mutants.toml`, and the explanation must prove itself:

    [[survivor]]
    id = "drop-keyword:get_current_user:0aa720e6"
    why = "`detail=` text is free"
    excuse = "allowed"          # or "equivalent"
    contract = "every one of those 401s has the same body (it never says which check failed)"

`equivalent`: a differential replay runs the mutant and the reference on the same fresh
inputs (`drilltutor.checking.replay`) and every request and call the checks make must be
answered alike. `allowed`: `contract` quotes the contract (docs/contract.md) verbatim, the
sentence that permits the difference. A survivor nobody explained, an excuse that does not
hold and an explanation whose mutant is gone or now killed (stale) all fail `dev mutants`.
"""

from __future__ import annotations

import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from drilltutor import datafile
from drilltutor.catalogue import Catalogue, Drill
from drilltutor.devcheck import default_workers, run_all
from drilltutor.errors import DrilltutorError
from drilltutor.mutants import SECURITY, SYNTAX, Mutant, generate
from drilltutor.results import RunReport
from drilltutor.runner import RunOptions

EXPLANATIONS = "mutants.toml"
EQUIVALENT, ALLOWED = "equivalent", "allowed"
# The contract an allowance quotes: the repository's vendored copy of shared/CONTRACT.md.
CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "contract.md"
MIN_QUOTE_WORDS = 4  # a quote must be a sentence or a clause, not a word that occurs anywhere


@dataclass(frozen=True)
class Excuse:
    why: str
    excuse: str  # EQUIVALENT or ALLOWED
    contract: str = ""  # the quoted sentence, for ALLOWED


@dataclass(frozen=True)
class Survivor:
    id: str
    operator: str
    family: str
    description: str
    line: int
    diff: str
    why: str  # the drill's explanation; empty when nobody explained it
    excuse: str = ""
    contract: str = ""
    problem: str = ""  # why the excuse does not hold (no such sentence, answers differently on replay)

    @property
    def explained(self) -> bool:
        return bool(self.why) and not self.problem


@dataclass(frozen=True)
class Stale:
    id: str
    reason: str


@dataclass
class FamilyScore:
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    explained: int = 0
    operators: dict[str, int] = field(default_factory=dict)  # mutants made per operator: which applied here


@dataclass
class DrillScore:
    drill: str
    mutants: int
    killed: int
    reference_passes: bool
    survivors: list[Survivor] = field(default_factory=list)
    stale: list[Stale] = field(default_factory=list)
    families: dict[str, FamilyScore] = field(default_factory=dict)

    @property
    def unexplained(self) -> list[Survivor]:
        return [s for s in self.survivors if not s.explained]

    @property
    def score(self) -> float:
        """Killed over all mutants (an explained survivor is still a survivor)."""
        return self.killed / self.mutants if self.mutants else 1.0

    @property
    def ok(self) -> bool:
        return self.reference_passes and not self.unexplained and not self.stale

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
            "families": {name: vars(f) for name, f in self.families.items()},
            "survivors": [vars(s) for s in self.survivors],
            "stale": [vars(s) for s in self.stale],
        }


def load_explanations(path: Path) -> dict[str, Excuse]:
    """id -> its excuse, from `[[survivor]]` tables; none when the file does not exist."""
    if not path.is_file():
        return {}
    from drilltutor.foldermodels import MutantsFile

    entries = datafile.load(path, MutantsFile).survivor
    return {e.id: Excuse(e.why.strip(), e.excuse, (e.contract or "").strip()) for e in entries}


def _words(text: str) -> str:
    return " ".join(text.split())


def contract_problem(excuse: Excuse, contract: str | None) -> str:
    """Why an allowance does not hold, or "" when it quotes the contract."""
    if excuse.excuse != ALLOWED:
        return ""
    if not excuse.contract:
        return "allowed by no sentence: quote the contract sentence that permits it in `contract`"
    if contract is None:
        return f"no contract to check the quote against ({CONTRACT} is missing)"
    if len(excuse.contract.split()) < MIN_QUOTE_WORDS:
        return f"the quote is too short to name a sentence (at least {MIN_QUOTE_WORDS} words)"
    if _words(excuse.contract) not in _words(contract):
        return "the contract has no such sentence (quote it verbatim)"
    return ""


def score(
    drill: str, reference: str, mutants: list[Mutant], killed: list[bool], reference_passes: bool, explanations: dict[str, Excuse], contract: str | None = None
) -> DrillScore:
    """The drill's score from which mutants were killed; its survivors with their excuses, each
    allowance checked against `contract` (an equivalence is proven later, by `replayed`)."""
    result = DrillScore(drill, len(mutants), sum(killed), reference_passes, families={SECURITY: FamilyScore(), SYNTAX: FamilyScore()})
    for mutant, dead in zip(mutants, killed):
        tally = result.families[mutant.family]
        tally.mutants += 1
        tally.killed += dead
        tally.operators[mutant.operator] = tally.operators.get(mutant.operator, 0) + 1
        if dead:
            continue
        excuse = explanations.get(mutant.id)
        survivor = Survivor(mutant.id, mutant.operator, mutant.family, mutant.description, mutant.line, mutant.diff(reference), "")
        if excuse is not None:
            survivor = replace(survivor, why=excuse.why, excuse=excuse.excuse, contract=excuse.contract, problem=contract_problem(excuse, contract))
        result.survivors.append(survivor)
        tally.survived += 1
        tally.explained += survivor.explained
    ids = {m.id for m in mutants}
    alive = {s.id for s in result.survivors}
    for key in explanations:
        if key not in ids:
            result.stale.append(Stale(key, "no such mutant any more (the reference changed): remove the entry"))
        elif key not in alive:
            result.stale.append(Stale(key, "now killed by the checks: remove the entry"))
    return result


def replayed(result: DrillScore, references: list[RunReport], replays: dict[str, RunReport]) -> DrillScore:
    """`result` with each equivalence claim judged by its replay: the mutant's transcript against
    the reference's, when two replays of the reference agree with each other."""
    first, second = references
    unstable = _difference(first, second)
    judged = []
    for survivor in result.survivors:
        run = replays.get(survivor.id)
        if run is not None and not survivor.problem:
            if not first.passed:
                problem = "the reference failed its own replay run, so nothing can be compared"
            elif not first.transcript:
                problem = "the replay recorded nothing the checks sent, so it proves nothing"
            elif unstable:
                problem = f"the reference's two replays differ, so the replay cannot judge ({unstable})"
            else:
                differs = _difference(first, run)
                problem = f"not equivalent: on the same inputs it answers differently ({differs})" if differs else ""
            survivor = replace(survivor, problem=problem)
            if problem:
                result.families[survivor.family].explained -= 1
        judged.append(survivor)
    result.survivors = judged
    return result


def _difference(reference: RunReport, other: RunReport, width: int = 400) -> str:
    """The first thing the checks saw differently, or "" when the two records are the same."""
    theirs, ours = Counter(map(tuple, reference.transcript)), Counter(map(tuple, other.transcript))
    only_reference, only_other = sorted(theirs - ours), sorted(ours - theirs)
    if not only_reference and not only_other:
        return ""
    sent = {entry[:2]: entry[2] for entry in only_other}
    for kind, asked, answer in only_reference:
        if (kind, asked) in sent:
            return f"{kind} {asked[:width]}: the reference answered {answer[:width]!r}, the mutant {sent[(kind, asked)][:width]!r}"
    entry = (only_reference or only_other)[0]
    whose = "only the reference" if only_reference else "only the mutant"
    return f"{whose} was sent {entry[0]} {entry[1][:width]} (answered {entry[2][:width]!r})"


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
    """Every mutant of every drill's reference, and the reference itself, run through warm runners
    at once; then the replays of the survivors that claim to be equivalent."""
    contract = CONTRACT.read_text(encoding="utf-8") if CONTRACT.is_file() else None
    plans = [(drill, *mutate(drill), load_explanations(drill.folder / EXPLANATIONS)) for drill in drills]
    workers = workers or default_workers()
    with tempfile.TemporaryDirectory(prefix="drilltutor-mutants-") as folder:
        runs: list[tuple[Drill, Path, RunOptions]] = []
        files: dict[tuple[str, str], Path] = {}
        for number, (drill, _, mutants, _) in enumerate(plans):
            runs.append((drill, drill.solution_path, options))
            for index, mutant in enumerate(mutants):
                target = Path(folder) / f"{number}-{index}" / drill.file  # the learner's file name: an app is imported by it
                target.parent.mkdir()
                target.write_text(mutant.source, encoding="utf-8")
                runs.append((drill, target, options))
                files[drill.id, mutant.id] = target
        reports = iter(run_all(catalogue, runs, workers))
        scores = []
        for drill, reference, mutants, explanations in plans:
            passes = next(reports).passed
            killed = [not next(reports).passed for _ in mutants]  # a failed check, or a file that cannot run
            scores.append(score(drill.id, reference, mutants, killed, passes, explanations, contract))
        return _replay_claims(catalogue, drills, scores, files, options, workers)


def _replay_claims(
    catalogue: Catalogue, drills: list[Drill], scores: list[DrillScore], files: dict[tuple[str, str], Path], options: RunOptions, workers: int
) -> list[DrillScore]:
    """Each drill's `equivalent` survivors replayed beside its reference (twice: the two must agree),
    all on one fresh seed: the same SECRET_KEY and the same inputs for every run."""
    seeded = replace(options, replay_seed=secrets.token_hex(16))
    claims = [
        (drill, result, [s.id for s in result.survivors if s.excuse == EQUIVALENT and not s.problem])
        for drill, result in zip(drills, scores)
    ]
    runs = [
        (drill, path, seeded)
        for drill, _, ids in claims
        if ids
        for path in (drill.solution_path, drill.solution_path, *(files[drill.id, i] for i in ids))
    ]
    reports = iter(run_all(catalogue, runs, workers))
    judged = []
    for _, result, ids in claims:
        if ids:
            references = [next(reports), next(reports)]
            result = replayed(result, references, {i: next(reports) for i in ids})
        judged.append(result)
    return judged
