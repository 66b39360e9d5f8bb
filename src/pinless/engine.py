"""A lint run from paths to the findings a user sees, and the fix loop on top of it.

discover -> runner (analysis, checks, suppressions) -> selection and targets -> sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from pinless import catalog as catalog_mod
from pinless import discover, runner
from pinless.finding import Finding, Fix
from pinless.fixes.apply import MAX_PASSES, apply_edits, choose, parses
from pinless.select import Selector
from pinless.source import decode, encode, write_atomic


@dataclass
class LintResult:
    findings: list[Finding]
    files_checked: int
    notes: list[str] = field(default_factory=list)
    suppressed: int = 0
    texts: Mapping[Path, str] = field(default_factory=dict)  # decoded on demand
    stdin_path: Path | None = None
    entry_points: list = field(default_factory=list)
    entry_notes: list = field(default_factory=list)
    targets: list[Path] = field(default_factory=list)
    listing: Any = None  # discover.Listing of the project: context files, deployment files
    root: Path = Path(".")
    stdin: tuple[Path, bytes] | None = None
    analysed: int = 0
    cache_hits: int = 0


def lint(paths: list[Path], settings: Any, stdin: tuple[Path, bytes] | None = None,
         overrides: dict[Path, bytes] | None = None) -> LintResult:
    found = discover.collect(paths, settings, listing=True) if paths else None
    targets = list(found.files) if found else []
    root = Path(found.project_root) if found else settings.root
    notes = list(found.notes) if found else []
    # the project's other files give cross-module facts, its deployment files entry points
    listing = found.listing if found and found.listing else discover.project_listing(root, settings)
    return _lint_files(targets, listing, root, settings, stdin, overrides, notes)


def _lint_files(targets, listing, root, settings, stdin, overrides, notes) -> LintResult:
    cat = catalog_mod.load(Path(root) / ".pinless_cache" if settings.cache else None)
    result = runner.run(targets, root, settings, context=listing.files, stdin=stdin, overrides=overrides,
                        listing=listing)
    selector = Selector.from_catalog(settings, cat)
    findings = result.findings  # suppressions applied by the runner (cached per file content)
    shown = []
    for f in findings:
        rule = cat.rules.get(f.code)
        if rule is None:
            continue
        verdicts, severity = _verdicts(rule, f)
        applies = tuple(t for t in settings.targets
                        if verdicts.get(t, "fine") != "fine" and not _moot(rule, f, t, settings, cat))
        if not applies or not selector.enabled(f.code, Path(f.path)):
            continue
        shown.append(replace(f, severity=severity, name=rule.name, targets=applies))
    shown.sort(key=Finding.sort_key)
    return LintResult(
        findings=shown,
        files_checked=result.files_checked,
        notes=notes,
        suppressed=result.suppressed,
        texts=result.texts,
        stdin_path=stdin[0] if stdin else None,
        entry_points=getattr(result, "entry_points", []),
        entry_notes=getattr(result, "entry_notes", []),
        targets=targets,
        listing=listing,
        root=root,
        stdin=stdin,
        analysed=result.analysed,
        cache_hits=result.cache_hits,
    )


def _verdicts(rule, finding: Finding) -> tuple[dict[str, str], str]:
    """Per-target verdicts and severity, after the page's ``[[detect.override]]`` entries
    (a transaction-level advisory lock is fine behind PgBouncer, a warning behind RDS Proxy)."""
    verdicts, severity = dict(rule.targets), rule.severity
    for override in rule.detect.get("override", ()):
        if finding.kind and finding.kind in override.get("kinds", ()) or finding.construct and any(
            c in finding.construct for c in override.get("constructs", ())
        ):
            verdicts.update(override.get("targets", {}))
            severity = override.get("severity", severity)
    return verdicts, severity


def _moot(rule, finding: Finding, target: str, settings: Any, cat) -> bool:
    """Proxy settings that make a rule moot under one target (rules/targets/*.toml): RDS
    Proxy's session pinning filters, PgBouncer's ``max_prepared_statements``."""
    facts = cat.targets.get(target, {})
    if target == "rds-proxy":
        filters = facts.get("session-pinning-filters", {})
        for name in getattr(settings, "session_pinning_filters", ()):
            spec = filters.get(name, {})
            matches = finding.kind in spec.get("sql", ()) or rule.code in spec.get("rules", ())
            if matches and finding.dialect in spec.get("engines", ()):
                return True
    if target == "pgbouncer-transaction" and getattr(settings, "max_prepared_statements", 0) > 0:
        return rule.code in facts.get("protocol-prepared-rules", ())
    return False


@dataclass
class FixResult:
    result: LintResult
    texts: dict[Path, str]  # path -> fixed text, for every changed file
    originals: dict[Path, str]
    applied: int
    notes: list[str] = field(default_factory=list)


def fix(first: LintResult, settings: Any, write: bool) -> FixResult:
    """Apply fixes until none applies (at most MAX_PASSES), re-checking after each pass."""
    unsafe = bool(settings.unsafe_fixes)
    originals: dict[Path, str] = {}
    current: dict[Path, str] = {}
    raw: dict[Path, bytes] = {}
    applied = 0
    notes: list[str] = []
    rejected: set[Fix] = set()  # fixes whose result did not parse
    result = first
    for _ in range(MAX_PASSES):
        by_path: dict[Path, list[Finding]] = {}
        for f in result.findings:
            by_path.setdefault(Path(f.path), []).append(f)
        changed = False
        for path, findings in by_path.items():
            fixes = choose([f for f in findings if f.fix not in rejected], unsafe)
            if not fixes:
                continue
            text = current.get(path, result.texts.get(path))
            if text is None:
                continue
            new = apply_edits(text, fixes)
            while new != text and not parses(new):
                # drop the fixes that break the code (named in a note), choose again without them
                kept: list[Fix] = []
                for one in fixes:
                    if parses(apply_edits(text, kept + [one])):
                        kept.append(one)
                        continue
                    rejected.add(one)
                    note = f"{path}: the fix {one.message!r} produced code that does not parse; it was not applied"
                    if note not in notes:
                        notes.append(note)
                fixes = choose([f for f in findings if f.fix not in rejected], unsafe)
                new = apply_edits(text, fixes)
            if new == text:
                continue
            originals.setdefault(path, text)
            current[path] = new
            applied += len(fixes)
            changed = True
        if not changed:
            break
        for path, text in current.items():
            raw[path] = _encode_like(path, text, first)
        stdin = first.stdin
        if stdin is not None and stdin[0] in raw:  # re-check the fixed stdin, not the original again
            stdin = (stdin[0], raw[stdin[0]])
        result = _lint_files(first.targets, first.listing, first.root, settings, stdin, raw, [])
    if write:
        for path, data in raw.items():
            if first.stdin_path is not None and path == first.stdin_path:
                continue
            try:
                write_atomic(path, data)
            except OSError as exc:
                notes.append(f"{path}: could not write the fix: {exc.strerror or exc}")
    return FixResult(result, current, originals, applied, notes)


def _encode_like(path: Path, text: str, first: LintResult) -> bytes:
    if first.stdin is not None and first.stdin[0] == path:
        return encode(text, decode(first.stdin[1]))  # stdin, even when a file of that name exists
    try:
        original = path.read_bytes()
    except OSError:
        original = b""
    return encode(text, decode(original))
