"""docs/contract.md is the shared contract, word for word: `dev mutants` checks allowances against it."""

from __future__ import annotations

from pathlib import Path

import pytest

from drilltutor.mutation import CONTRACT

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "CONTRACT.md"  # CI puts shared/ beside the clone


@pytest.mark.skipif(not SHARED.is_file(), reason="no shared/CONTRACT.md beside this clone")
def test_the_vendored_contract_equals_the_shared_one() -> None:
    assert CONTRACT.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8"), "copy ../shared/CONTRACT.md to docs/contract.md"


def test_the_vendored_contract_is_where_dev_mutants_reads_it() -> None:
    assert CONTRACT.is_file() and "# drilltutor: the contract" in CONTRACT.read_text(encoding="utf-8")
