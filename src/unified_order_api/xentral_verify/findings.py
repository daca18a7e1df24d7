"""What one check found: the common result type of every check of `verify-xentral`.

A finding says what the instance answered (`observed`), whether that agrees with what the service
assumes and is configured with (`verdict`), and, when it does not, what to change (`advice`: a setting,
or why none helps). The CLI only prints findings; the exit status follows from their verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Finding", "Verdict"]

Verdict = Literal["agrees", "differs", "noted", "not_checked", "failed"]
"""agrees: as the service assumes and is configured; differs: contradicts an assumption or a setting (see
`advice`); noted: nothing the service does depends on it, the answer is worth knowing; not_checked: a
prerequisite is missing (`advice` says which); failed: the check could not finish (Xentral's error in
`observed`)."""


@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # the check's name, e.g. "discount-scale"
    verdict: Verdict
    observed: str  # what the instance answered, in a sentence
    advice: str | None = None  # what to change when it differs, or what is missing when not checked

    @property
    def contradicts(self) -> bool:
        """Whether the operator has something to change (or to look at) before relying on the service."""
        return self.verdict in ("differs", "failed")
