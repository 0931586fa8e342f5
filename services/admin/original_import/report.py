"""What a migration did: counts per kind, and every row it did not take."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from services.admin.original_import.records import Leftover

KINDS = (
    "providers",
    "accounts",
    "custom_models",
    "api_keys",
    "combos",
    "aliases",
    "prices",
    "settings",
    "budgets",
    "usage",
)
Outcome = Literal["created", "updated", "unchanged", "skipped"]


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    @property
    def written(self) -> int:
        return self.created + self.updated


@dataclass(frozen=True, slots=True)
class Item:
    """One row of the original (``row`` names it) and what became of it."""

    kind: str
    row: str
    text: str


@dataclass
class Report:
    source: str
    dry_run: bool = False
    counts: dict[str, Tally] = field(
        default_factory=lambda: {kind: Tally() for kind in KINDS}
    )
    # Rows not imported, with the reason.
    skipped: list[Item] = field(default_factory=list)
    # Rows imported with something left out or approximated.
    notes: list[Item] = field(default_factory=list)
    # Whole tables or namespaces no mapping takes.
    leftovers: list[Leftover] = field(default_factory=list)
    config_version: int | None = None
    safety_backup: str = ""

    def count(self, kind: str, outcome: Outcome, rows: int = 1) -> None:
        tally = self.counts[kind]
        setattr(tally, outcome, getattr(tally, outcome) + rows)

    def skip(self, kind: str, row: str, reason: str) -> None:
        self.count(kind, "skipped")
        self.skipped.append(Item(kind, row, reason))

    def note(self, kind: str, row: str, text: str) -> None:
        self.notes.append(Item(kind, row, text))

    @property
    def changed(self) -> bool:
        return any(t.written for t in self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        """The JSON form (the import route's answer, ``--json``)."""
        return {
            "source": self.source,
            "dryRun": self.dry_run,
            "changed": self.changed,
            "counts": {
                kind: {
                    "created": t.created,
                    "updated": t.updated,
                    "unchanged": t.unchanged,
                    "skipped": t.skipped,
                }
                for kind, t in self.counts.items()
            },
            "skipped": [vars_of(i) for i in self.skipped],
            "notes": [vars_of(i) for i in self.notes],
            "notMigrated": [
                {"what": o.what, "rows": o.rows, "reason": o.reason}
                for o in self.leftovers
            ],
            "configVersion": self.config_version,
            "safetyBackup": self.safety_backup,
        }

    def text(self) -> str:
        """The human form the command prints."""
        title = "Dry run (nothing written)" if self.dry_run else "Migrated"
        lines = [f"{title}: the original OmniRoute's {self.source}", ""]
        lines.append(
            f"{'':16}{'created':>9}{'updated':>9}{'unchanged':>11}{'skipped':>9}"
        )
        for kind, t in self.counts.items():
            lines.append(
                f"{kind:16}{t.created:>9}{t.updated:>9}{t.unchanged:>11}{t.skipped:>9}"
            )
        for heading, items in (
            ("Not imported", self.skipped),
            ("Imported, with differences", self.notes),
        ):
            if items:
                lines += ["", f"{heading} ({len(items)}):"]
                lines += [f"  {i.kind} {i.row}: {i.text}" for i in items]
        if self.leftovers:
            lines += ["", "Not migrated (no equivalent here):"]
            lines += [f"  {o.what} ({o.rows} rows): {o.reason}" for o in self.leftovers]
        lines.append("")
        lines.append(self.outcome())
        return "\n".join(lines)

    def outcome(self) -> str:
        written = sum(t.written for t in self.counts.values())
        if not written:
            return "Nothing to change: everything is already here."
        verb = "would be written" if self.dry_run else "written"
        line = f"{written} rows {verb}."
        if self.config_version is not None:
            line += (
                f" Configuration version {self.config_version}: a running admin "
                "publishes it within seconds, otherwise admin does at its next start."
            )
        return line


def vars_of(item: Item) -> dict[str, str]:
    return {"kind": item.kind, "row": item.row, "reason": item.text}
