"""User-facing errors: each names what is wrong and where, and never carries personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from doctool.findings import Report


@dataclass(frozen=True)
class FieldError:
    """One problem with the input, located by its JSON path (``$.needs[2].domain``)."""

    path: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


class DoctoolError(Exception):
    """An error caused by the input or the set-up, reported to the user without a traceback.

    ``exit_code`` follows the CLI contract: 2 for input that cannot be used at all.
    """

    exit_code = 2

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class InputError(DoctoolError):
    """The file cannot be read, is not JSON, or does not fit the schema."""


class ConfigError(DoctoolError):
    """A profile, template or data file is missing or malformed."""


class Incomplete(DoctoolError):
    """Blocking findings exist and no draft was asked for: nothing is written (exit 1)."""

    exit_code = 1

    def __init__(self, report: Report) -> None:
        super().__init__(f"{len(report.errors)} blocking finding(s): the document cannot be issued as final")
        self.report = report


class NotApplicable(DoctoolError):
    """The document does not apply to this plan (e.g. a direct payment summary with no payment)."""

    exit_code = 2
