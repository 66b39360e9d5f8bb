"""The command line: parse options, build Settings, call the runner, print, exit.

Exit codes (conventions 6): 0 nothing found, 1 findings remain, 2 usage/config/internal error.
Every exit-2 cause is one line on stderr, ``pinless: error: ...``; tracebacks only with --verbose.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from pinless import __version__, catalog
from pinless import report as report_mod
from pinless.config import ConfigError, load_settings
from pinless.discover import UsageError

EXAMPLES = """
\b
Examples:
  pinless check                      check the project in the current directory
  pinless check src/ --target pgbouncer-transaction
  pinless check --output-format sarif --output-file pinless.sarif
  pinless fix --diff                 show what `pinless fix` would change
  pinless fix --unsafe-fixes handlers/
  pinless explain PIN101             the rule's page
"""


class Failure(Exception):
    """An exit-2 condition with its one-line message."""


def _common(func):
    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option("--select", multiple=True, help="Rule codes or prefixes to enable (comma separated)."),
        click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable."),
        click.option("--extend-select", multiple=True, help="Codes to enable on top of the selection."),
        click.option("--per-file-ignores", multiple=True, metavar="GLOB:CODES",
                     help="Ignore codes in matching files, e.g. 'tests/**:PIN4' (repeatable)."),
        click.option("--exclude", multiple=True, help="Globs never searched; replaces the default list."),
        click.option("--extend-exclude", multiple=True, help="Globs never searched, on top of the defaults."),
        click.option("--no-respect-gitignore", is_flag=True, help="Check files that .gitignore excludes."),
        click.option("--handler", "handlers", multiple=True,
                     help="An entry point discovery cannot find: 'module/path.function' (repeatable)."),
        click.option("--target", "targets", multiple=True,
                     help="Deployment target(s): rds-proxy (default), pgbouncer-transaction."),
        click.option("--config", "config_file", type=click.Path(path_type=Path),
                     help="Use this configuration file only."),
        click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
        click.option("--no-cache", is_flag=True, help="Do not read or write the cache."),
        click.option("--jobs", "-j", type=int, default=None, help="Worker processes (default: cores)."),
        click.option("--force-exclude", is_flag=True, help="Apply excludes to paths named on the command line."),
        click.option("--stdin-filename", type=click.Path(path_type=Path),
                     help="The file name to use for source read from stdin (`-`)."),
        click.option("--output-format", type=click.Choice(list(report_mod.FORMATS)), default=None,
                     help="full (default), concise, json, json-lines, github, gitlab, sarif, junit."),
        click.option("--output-file", "-o", type=click.Path(path_type=Path), help="Write the report here."),
        click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain."),
        click.option("--statistics", is_flag=True, help="Count findings per rule instead of listing them."),
        click.option("--show-fixes", is_flag=True, help="Show the fix of each finding."),
        click.option("--unsafe-fixes", is_flag=True, default=None, help="Also apply (or show) unsafe fixes."),
        click.option("--quiet", "-q", is_flag=True, help="Print only findings, no summary."),
        click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto"),
        click.option("--verbose", is_flag=True, help="Show tracebacks of internal errors."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    out = tuple(v.strip() for value in values for v in value.split(",") if v.strip())
    return out or None


def _per_file_ignores(values: tuple[str, ...]) -> dict[str, list[str]] | None:
    out: dict[str, list[str]] = {}
    for value in values:
        pattern, sep, codes = value.rpartition(":")
        if not sep or not pattern:
            raise Failure(f"option --per-file-ignores {value!r}: expected GLOB:CODES, e.g. 'tests/**:PIN4'")
        out.setdefault(pattern, []).extend(c.strip() for c in codes.split(",") if c.strip())
    return out or None


def _settings(opts: dict[str, Any]):
    paths: tuple[Path, ...] = opts["paths"]
    first = None
    if opts.get("stdin_filename") is not None:
        first = opts["stdin_filename"]
    elif paths and str(paths[0]) != "-":
        first = paths[0]
    overrides = {
        "select": _split(opts["select"]),
        "ignore": _split(opts["ignore"]),
        "extend_select": _split(opts["extend_select"]),
        "targets": _split(opts["targets"]),
        "output_format": opts["output_format"],
        "unsafe_fixes": opts["unsafe_fixes"],
        "force_exclude": True if opts["force_exclude"] else None,
        "cache": False if opts["no_cache"] else None,
        "jobs": opts["jobs"],
        "per_file_ignores": _per_file_ignores(opts["per_file_ignores"]),
        "exclude": _split(opts["exclude"]),
        "extend_exclude": _split(opts["extend_exclude"]),
        "respect_gitignore": False if opts["no_respect_gitignore"] else None,
        "handlers": _split(opts["handlers"]),
    }
    return load_settings(
        first_path=first.resolve() if first is not None else None,
        config_file=opts["config_file"],
        isolated=opts["isolated"],
        overrides=overrides,
    )


def _color(choice: str, stream) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def _guard(verbose: bool, body) -> None:
    """Run ``body`` and turn every error into the exit-2 one-liner."""
    try:
        code = body()
    except (ConfigError, UsageError, Failure, catalog.CatalogError) as exc:
        click.echo(f"pinless: error: {exc}", err=True)
        sys.exit(2)
    except BrokenPipeError:  # `pinless rules | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("pinless: error: interrupted", err=True)
        sys.exit(2)
    except Exception as exc:  # an internal error: one line unless --verbose
        if verbose:
            import traceback  # only on this path: not loaded at start-up

            traceback.print_exc()
        detail = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"pinless: error: internal error: {type(exc).__name__}: {detail}"
                   + ("" if verbose else " (run with --verbose for the traceback)"), err=True)
        sys.exit(2)
    sys.exit(code)


class _Main(click.Group):
    """Click's usage errors (unknown option, bad choice) become the same one-line
    ``pinless: error: ...`` with exit 2 as every other usage error, instead of click's three lines."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("standalone_mode", True) is False:
            return super().main(*args, **kwargs)
        try:
            rv = super().main(*args, **dict(kwargs, standalone_mode=False))
        except getattr(click.exceptions, "NoArgsIsHelpError", ()) as exc:  # bare `pinless`: the help
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            message = " ".join(exc.format_message().split()).rstrip(".")
            ctx = getattr(exc, "ctx", None)
            see = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            click.echo(f"pinless: error: {message[:1].lower()}{message[1:]}{see}", err=True)
            sys.exit(2)
        except click.Abort:
            click.echo("pinless: error: interrupted", err=True)
            sys.exit(2)
        except BrokenPipeError:  # `pinless --help | head -1`
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)  # --help, --version


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES)
@click.version_option(__version__, prog_name="pinless")
def main() -> None:
    """Find database session pinning and missing disconnects in Python Lambda code."""


@main.command(epilog=EXAMPLES)
@_common
@click.option("--show-entry-points", is_flag=True, help="List the Lambda entry points found, and from where.")
def check(**opts: Any) -> None:
    """Check PATHS (default: the current directory) and report findings."""
    _guard(opts["verbose"], lambda: _check(opts))


@main.command(epilog=EXAMPLES)
@_common
@click.option("--diff", is_flag=True, help="Print a unified diff of the fixes; write nothing.")
def fix(**opts: Any) -> None:
    """Apply fixes to PATHS, then report what remains."""
    _guard(opts["verbose"], lambda: _fix(opts))


def _lint(opts: dict[str, Any], overrides: dict[Path, bytes] | None = None):
    from pinless import engine

    settings = _settings(opts)
    stdin = None
    paths = list(opts["paths"]) or [Path(".")]
    if any(str(p) == "-" for p in paths):
        name = opts.get("stdin_filename") or Path("stdin.py")
        stdin = (Path(os.path.abspath(name)), sys.stdin.buffer.read())
        paths = [p for p in paths if str(p) != "-"]
        from pinless.discover import is_excluded

        if settings.force_exclude and is_excluded(stdin[0], settings):
            stdin = None  # pre-commit passed an excluded name: nothing to check
    return settings, engine.lint(paths, settings, stdin=stdin, overrides=overrides)


def _context(settings, opts, color_stream) -> report_mod.ReportContext:
    from pinless.discover import repo_root

    unsafe = bool(settings.unsafe_fixes)
    return report_mod.ReportContext(
        catalog=catalog.load(),
        cwd=Path.cwd(),
        repo_root=repo_root(Path.cwd()),
        color=_color(opts["color"], color_stream) and opts["output_file"] is None,
        unsafe_fixes=unsafe,
        show_fixes=opts["show_fixes"],
    )


def _emit(settings, opts, result) -> int:
    fmt = settings.output_format
    ctx = _context(settings, opts, sys.stdout)
    for note in result.notes:
        click.echo(f"pinless: {note}", err=True)
    if opts.get("show_entry_points"):
        click.echo(_entry_points_text(result, opts.get("paths")), err=fmt not in report_mod.HUMAN_FORMATS)
    if opts["statistics"]:
        text = report_mod.statistics(result.findings, ctx)
    else:
        text = report_mod.render(fmt, result.findings, ctx)
    _write(text, opts["output_file"])
    if fmt in report_mod.HUMAN_FORMATS and not opts["quiet"]:
        human = opts["output_file"] is None
        click.echo(report_mod.summary(result.findings), err=not human)
        hint = report_mod.fix_hint(result.findings, ctx)
        if hint:
            click.echo(hint, err=not human)
    if result.findings and not opts["exit_zero"]:
        return 1
    return 0


def _entry_points_text(result, paths=()) -> str:
    """The entry points of the files asked about (the whole project's are known to the run)."""
    roots = [Path(p).resolve() for p in paths or [Path(".")]]
    targets = {Path(t).resolve() for t in result.targets}

    def asked(ep) -> bool:
        if ep.module_path:
            return (Path(result.root) / ep.module_path).resolve() in targets
        source = Path(result.root, ep.source.split(":")[0]).resolve()
        return any(source == r or r in source.parents for r in roots)

    lines = ["Entry points:"]
    for ep in filter(asked, getattr(result, "entry_points", [])):
        where = f"{ep.module_path}:{ep.line}" if ep.module_path and ep.line else ep.module_path or "?"
        note = f" - {ep.note}" if getattr(ep, "note", "") else ""
        lines.append(f"  {where} {ep.function} ({ep.source}){note}")
    for note in getattr(result, "entry_notes", []):
        source = Path(result.root, note.split(":")[0]).resolve()
        if any(source == r or r in source.parents for r in roots):
            lines.append(f"  note: {note}")
    if len(lines) == 1:
        lines.append("  none found")
    return "\n".join(lines)


def _write(text: str, output_file: Path | None) -> None:
    if not text:
        return
    if output_file is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        if not text.endswith("\n"):
            sys.stdout.buffer.write(b"\n")
        sys.stdout.flush()
        return
    try:
        output_file.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    except OSError as exc:
        raise Failure(f"--output-file {output_file}: {exc.strerror or exc}") from exc


def _check(opts: dict[str, Any]) -> int:
    settings, result = _lint(opts)
    return _emit(settings, opts, result)


def _fix(opts: dict[str, Any]) -> int:
    from pinless import engine
    from pinless.source import decode, encode

    settings, result = _lint(opts)
    if result.stdin_path is not None and not opts["diff"]:
        # `pinless fix -`: the fixed source to stdout, everything else to stderr
        fixed = engine.fix(result, settings, write=False)
        text = fixed.texts.get(result.stdin_path)
        original = result.stdin[1] if result.stdin else b""
        # bytes in, bytes out: the input's encoding, BOM and newlines; undecodable input unchanged
        sys.stdout.buffer.write(encode(text, decode(original)) if text is not None else original)
        sys.stdout.flush()
        remaining = fixed.result
        opts = dict(opts, output_file=None)
        ctx = _context(settings, opts, sys.stderr)
        if remaining.findings:
            click.echo(report_mod.render("concise", remaining.findings, ctx), err=True)
        return 1 if remaining.findings and not opts["exit_zero"] else 0
    fixed = engine.fix(result, settings, write=not opts["diff"])
    for note in fixed.notes:
        click.echo(f"pinless: {note}", err=True)
    if opts["diff"]:
        diff = _diff(fixed.originals, fixed.texts)
        if diff:
            sys.stdout.write(diff)
        ctx = _context(settings, opts, sys.stderr)
        if not opts["quiet"]:
            click.echo(f"{fixed.applied} fix(es) would be applied; "
                       f"{len(fixed.result.findings)} finding(s) would remain", err=True)
        return 1 if (diff or fixed.result.findings) and not opts["exit_zero"] else 0
    if not opts["quiet"] and fixed.applied:
        click.echo(f"Fixed {fixed.applied} finding(s) in {len(fixed.texts)} file(s).", err=True)
    opts = dict(opts)
    return _emit(settings, opts, fixed.result)


def _diff(originals: dict[Path, str], texts: dict[Path, str]) -> str:
    import difflib  # only `fix --diff` needs it: not loaded at start-up

    from pinless.fixes.apply import lines

    out = []
    cwd = Path.cwd()
    for path in sorted(texts):
        try:
            name = path.relative_to(cwd).as_posix()
        except ValueError:
            name = path.as_posix()
        for line in difflib.unified_diff(
            lines(originals[path]), lines(texts[path]),
            fromfile=f"a/{name}", tofile=f"b/{name}",
        ):
            # like diff(1): a last line without a newline is marked, so the patch applies
            out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def rules_markdown(cat: catalog.Catalog) -> str:
    """The README's rule table (tests/test_readme.py keeps the README in step with it)."""
    out = ["| Code | Name | Summary | rds-proxy | pgbouncer-transaction | Fix |",
           "| --- | --- | --- | --- | --- | --- |"]
    for r in sorted(cat.active_rules(), key=lambda r: r.code):
        fix = "-" if r.fix_availability == "none" else f"{r.fix_safety} ({r.fix_availability})"
        out.append(f"| {r.code} | `{r.name}` | {r.summary} | {r.targets.get('rds-proxy', 'fine')} "
                   f"| {r.targets.get('pgbouncer-transaction', 'fine')} | {fix} |")
    return "\n".join(out) + "\n"


@main.command()
@click.option("--output-format", type=click.Choice(["table", "json", "markdown"]), default="table")
def rules(output_format: str) -> None:
    """List every rule: code, name, family, targets, fixable."""
    def body() -> int:
        cat = catalog.load()
        rows = sorted(cat.active_rules(), key=lambda r: r.code)
        if output_format == "markdown":
            click.echo(rules_markdown(cat), nl=False)
            return 0
        if output_format == "json":
            import json

            click.echo(json.dumps([{
                "code": r.code, "name": r.name, "family": r.family, "severity": r.severity,
                "summary": r.summary, "targets": r.targets, "fix": r.fix_safety if r.fix_availability != "none" else None,
                "status": r.status,
            } for r in rows], indent=2))
            return 0
        click.echo(f"{'code':7} {'name':36} {'family':20} {'rds-proxy':10} {'pgbouncer-tx':13} fix")
        for r in rows:
            fixable = "-" if r.fix_availability == "none" else r.fix_safety
            click.echo(f"{r.code:7} {r.name:36} {r.family:20} {r.targets.get('rds-proxy', 'fine'):10} "
                       f"{r.targets.get('pgbouncer-transaction', 'fine'):13} {fixable}")
        return 0
    _guard(False, body)


@main.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print the page of rule CODE (or its name)."""
    def body() -> int:
        cat = catalog.load()
        wanted = code.strip()
        match = next((r for r in cat.rules.values() if wanted.upper() == r.code or wanted == r.name), None)
        if match is None:
            raise Failure(f"unknown rule {code!r} (see `pinless rules`)")
        click.echo(cat.rule(match.code).render(), nl=False)
        return 0
    _guard(False, body)


__all__ = ["main"]
