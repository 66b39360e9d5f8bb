"""The one result type every check yields and every reporter reads.

Positions are 1-based lines and columns counted in Unicode code points; an end
column points one past the last character (conventions section 7).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

APPLICABILITIES = ("safe", "unsafe", "display-only")


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text between two positions with ``content`` (insert when they are equal)."""

    row: int
    column: int
    end_row: int
    end_column: int
    content: str


@dataclass(frozen=True)
class Fix:
    applicability: str  # one of APPLICABILITIES
    message: str
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability,
            "message": self.message,
            "edits": [
                {
                    "content": e.content,
                    "location": {"row": e.row, "column": e.column},
                    "end_location": {"row": e.end_row, "column": e.end_column},
                }
                for e in self.edits
            ],
        }


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    path: str  # absolute, as discovered; reporters make it relative as their format wants
    line: int
    column: int
    end_line: int
    end_column: int
    help: str | None = None
    fix: Fix | None = None
    noqa_row: int = 0  # 0 means: the same as ``line``
    scope: str = ""  # qualified name of the enclosing function or class ("" at module level)
    snippet: str = ""  # the flagged source text, for fingerprints
    line_text: str = ""  # the whole source line ``line``, for the `full` format
    severity: str = "error"  # filled from the catalog by the runner
    name: str = ""  # the rule's kebab-case name, filled from the catalog
    targets: tuple[str, ...] = field(default=())  # configured targets under which it applies
    dialect: str = ""  # "postgres" or "mysql" when the finding is about SQL a driver sends
    kind: str = ""  # the SQL statement kind (model/sql.py) behind the finding, if any
    construct: str = ""  # what the message names; rule pages' [[detect.override]] match on it

    @property
    def suppress_row(self) -> int:
        return self.noqa_row or self.line

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.column, self.code, self.message)

    def with_(self, **changes: Any) -> "Finding":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fix"] = self.fix.to_dict() if self.fix else None
        data["targets"] = list(self.targets)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        data = dict(data)
        fix = data.get("fix")
        if fix:
            data["fix"] = Fix(
                fix["applicability"],
                fix["message"],
                tuple(
                    Edit(
                        e["location"]["row"],
                        e["location"]["column"],
                        e["end_location"]["row"],
                        e["end_location"]["column"],
                        e["content"],
                    )
                    for e in fix["edits"]
                ),
            )
        data["targets"] = tuple(data.get("targets", ()))
        return cls(**data)
