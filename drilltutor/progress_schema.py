"""The shape of progress.json, checked with pydantic: a field of the wrong type damages the file.

Imported only when a file must be checked (see `progress.checked`): pydantic costs more to
import than the rest of `drilltutor list`, and a file drilltutor wrote itself is known good.
Unknown keys are allowed everywhere, so a file written by a newer drilltutor of the same
schema version still reads.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    # strict: "3" is not an attempt count and 1 is not True; a hand-edited file says what it means or is set aside
    model_config = ConfigDict(strict=True, extra="allow")


class DrillEntry(_Strict):
    attempts: int = Field(0, ge=0)
    hints_used: int = Field(0, ge=0)
    first_attempt: Optional[str] = None
    last_attempt: Optional[str] = None
    passed_at: Optional[str] = None
    revealed_at: Optional[str] = None
    passed_after_reveal: Optional[bool] = None
    revealed_after_pass: Optional[bool] = None  # kept by a reset: the reveal came after a pass, so it does not count
    started_at: Optional[str] = None


class CardState(_Strict):
    fsrs: dict[str, Any] = Field(default_factory=dict)  # fsrs's own record; cards.py reads what it needs and tolerates the rest
    reviews: int = Field(0, ge=0)
    last_rating: Optional[str] = None
    introduced_at: Optional[str] = None  # the first review: counts against the day's limit of new cards


class Settings(_Strict):
    new_cards_per_day: int = Field(10, ge=0)


class ProgressFile(_Strict):
    schema_: int = Field(alias="schema")
    drills: dict[str, DrillEntry]
    checklist: dict[str, str]
    cards: dict[str, CardState]
    settings: Settings = Field(default_factory=Settings)


def problems(data: Any) -> str:
    """'' when `data` fits the schema; else its first problem in one line, and how many more there are."""
    try:
        ProgressFile.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        where = ".".join(str(part) for part in first["loc"]) or "the file"
        value = f" (it holds {json.dumps(first['input'], default=str)})" if "input" in first and not isinstance(first["input"], (dict, list)) else ""
        more = f"; {len(errors) - 1} more field{'s' * (len(errors) != 2)} wrong too" if len(errors) > 1 else ""
        return f"`{where}`: {first['msg']}{value}{more}"
    return ""
