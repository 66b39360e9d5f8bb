"""Benchmark pinless against its floors and its peers, interleaved, in one run.

    python benchmarks/run.py              # subset, big and lambda; 3 rounds (about 25 minutes)
    python benchmarks/run.py --quick      # subset and lambda; 2 rounds
    python benchmarks/run.py --rounds 5 --corpus big --no-peers

Every round runs every (command, corpus) pair once, in an order rotated from round to round, so
drift in the machine (thermal, page cache, a noisy neighbour) spreads over all rows instead of
landing on one. Each command is its own process: wall time is taken around it, and memory is the
peak, over the run, of the summed resident set of the process and all its descendants (pinless
forks workers), sampled every 50 ms. See README.md for what each row and ratio means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from corpus import ensure_corpus, tree_stats
from peers import PEERS, QUIET_ENV, ensure_peers, write_semgrep_rule

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
WORK = HERE / ".corpus" / ".work"  # tool caches and scratch files, outside the measured trees
PROJECT_PYTHON = REPO / ".venv" / "bin" / "python"

# The file edited for the "one file changed" rows: a module that imports a database driver, so
# pinless analyses it in full; in lambda, the shared module every handler imports.
CHANGED_FILE = {
    "subset": "Django-5.2.19/django/db/backends/postgresql/base.py",
    "big": "Django-5.2.19/django/db/backends/postgresql/base.py",
    "lambda": "src/shared/db.py",
}


# --- measuring one process ---------------------------------------------------------------------

def _ppid(pid: str) -> str | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    # the command name may hold spaces and parentheses: fields start after the last ')'
    return stat[stat.rfind(b")") + 2:].split()[1].decode()


def _descendants(root: int) -> set[str]:
    children: dict[str, list[str]] = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            parent = _ppid(pid)
            if parent is not None:
                children.setdefault(parent, []).append(pid)
    found, todo = set(), [str(root)]
    while todo:
        pid = todo.pop()
        found.add(pid)
        todo.extend(children.get(pid, ()))
    return found


def _kib_field(path: str, names: tuple[bytes, ...]) -> list[int]:
    """The values, in bytes, of the named "Key:  N kB" lines of a /proc file; 0 if absent."""
    found = dict.fromkeys(names, 0)
    try:
        with open(path, "rb") as fh:
            for line in fh:
                key = line.split(b":", 1)[0]
                if key in found:
                    found[key] = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass  # the process is gone
    return [found[n] for n in names]


def _sizes(pid: str) -> tuple[int, int, int]:
    """(RSS, PSS, high-water RSS since exec) of one process, in bytes."""
    rss, pss = _kib_field(f"/proc/{pid}/smaps_rollup", (b"Rss", b"Pss"))
    (hwm,) = _kib_field(f"/proc/{pid}/status", (b"VmHWM",))
    return rss, pss, hwm


class TreeSampler(threading.Thread):
    """Peak of the summed RSS (and PSS) of a process tree.

    RSS counts the pages forked workers share with their parent once per process, so it
    over-states a forking tool's real footprint; PSS divides each shared page among its users
    and sums to what the tree costs the machine. Both are kept.
    """

    PERIOD = 0.05
    RESCAN_EVERY = 4  # a full /proc scan for new children every 200 ms; known pids every 50 ms
    # rusage's ru_maxrss is no help: it keeps the high-water mark from before exec, when the
    # child was still a copy of this (larger) benchmark process. VmHWM starts afresh at exec.

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = self.peak_pss = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        pids = {str(self.pid)}
        tick = 0
        while not self._stop_event.is_set():
            if tick % self.RESCAN_EVERY == 0:
                pids = _descendants(self.pid) or pids
            tick += 1
            sizes = [_sizes(p) for p in pids]
            # a single process's own high-water mark catches a peak between two samples
            self.peak_rss = max(self.peak_rss, sum(s[0] for s in sizes), *(s[2] for s in sizes))
            self.peak_pss = max(self.peak_pss, sum(s[1] for s in sizes))
            self._stop_event.wait(self.PERIOD)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Sample:
    seconds: float
    cpu: float  # user + system seconds of the process and every descendant it waited for
    peak_rss: int  # bytes
    peak_pss: int
    returncode: int
    stdout: str = ""
    stderr_tail: str = ""
    timed_out: bool = False


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it finished as the timer fired


def measure(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Sample:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # a session of its own, so a time-out can end the workers too, not only their parent
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err, start_new_session=True)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        killer = threading.Timer(timeout, _kill_group, (proc.pid,))
        killer.start()
        # wait4 rather than wait: its rusage is the CPU time of the whole tree (workers reaped
        # by their parent included), which other load on the machine hardly changes
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        timed_out = not killer.is_alive() and seconds >= timeout
        killer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout = out.read(64_000).decode(errors="replace")
        stderr_tail = err.read()[-2000:].decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, cpu, sampler.peak_rss, sampler.peak_pss, proc.returncode, stdout, stderr_tail,
                  timed_out)


# --- what is measured ----------------------------------------------------------------------------

@dataclass
class Row:
    """One (command, corpus) pair: how to run it and its samples."""

    key: str  # stable id, e.g. "pinless-cold-j1"
    label: str
    corpus: str
    argv: list[str] | None  # None: the tool is not available
    cwd: Path
    ok_codes: tuple[int, ...] = (0,)
    prepare: Callable[[], None] | None = None
    restore: Callable[[], None] | None = None
    missing: str = ""  # why argv is None
    env: dict[str, str] = field(default_factory=dict)  # on top of the common environment
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def seconds(self) -> list[float]:
        return [s.seconds for s in self.samples]

    def cpu(self) -> list[float]:
        return [s.cpu for s in self.samples]


def snapshot(rev: str) -> dict[str, str]:
    """Export src/ and rules/ at a git revision; the environment that runs pinless from it.

    Measuring a commit rather than the work tree keeps edits in progress out of the numbers
    and makes the result name exactly what it measured.
    """
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    dest = WORK / f"pinless-{sha[:12]}"
    if not (dest / "src" / "pinless").is_dir():
        tmp = WORK / f".pinless-{sha[:12]}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha, "src", "rules"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive, check=True)
        tmp.rename(dest)
    # ahead of the editable install's path entry, so `-m pinless` imports the snapshot
    return {"PYTHONPATH": str(dest / "src"), "PINLESS_BENCH_REV": sha}


def compile_bytecode(env: dict[str, str]) -> None:
    """Compile the measured pinless source to bytecode, as pip does when it installs a wheel
    (and did for every peer). An editable checkout has none, and PYTHONDONTWRITEBYTECODE (set
    below, and on some machines globally) would make each measured start compile it again."""
    src = Path(env["PYTHONPATH"]) if env.get("PYTHONPATH") else REPO / "src"
    python = str(PROJECT_PYTHON if PROJECT_PYTHON.exists() else sys.executable)
    subprocess.run([python, "-m", "compileall", "-q", str(src / "pinless")], check=False,
                   stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""})


def pinless_command(env: dict[str, str]) -> tuple[list[str] | None, str]:
    """The pinless CLI if it can run a check, else (None, why)."""
    python = str(PROJECT_PYTHON if PROJECT_PYTHON.exists() else sys.executable)
    argv = [python, "-m", "pinless"]
    try:
        probe = subprocess.run(argv + ["check", "--help"], capture_output=True, text=True, check=False,
                               timeout=120, env={**os.environ, **env})
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"pinless not available ({exc})"
    if probe.returncode != 0 or "--no-cache" not in probe.stdout:
        last = (probe.stderr.strip().splitlines() or ["no check command"])[-1]
        return None, f"pinless not available ({last[:120]})"
    return argv, ""


def pinless_version(argv: list[str] | None, env: dict[str, str]) -> str | None:
    if argv is None:
        return None
    out = subprocess.run(argv + ["--version"], capture_output=True, text=True, check=False,
                         env={**os.environ, **env})
    return out.stdout.strip() or None


def pinless_rows(corpus: str, root: Path, pinless: list[str] | None, why: str,
                 env: dict[str, str]) -> list[Row]:
    # --isolated: the corpus is inside this repository, whose own config must not apply to it
    base = None if pinless is None else pinless + [
        "check", ".", "--isolated", "--output-format", "concise", "--exit-zero"]

    def cmd(*extra: str) -> list[str] | None:
        return None if base is None else base + list(extra)

    warm = cmd("--jobs", "2")
    changed = root / CHANGED_FILE[corpus]
    original = changed.read_bytes()
    edits = iter(range(1, 1_000_000))

    def prime() -> None:
        # the cache holds facts per (path, content): one warm run makes it current
        subprocess.run(warm, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       env={**tool_env(), **env})

    def edit() -> None:
        prime()
        # new content every time, so each measured run sees a file the cache has not seen
        n = next(edits)
        changed.write_bytes(original + f"\n\ndef _benchmark_edit_{n}():\n    return {n}\n".encode())

    def unedit() -> None:
        changed.write_bytes(original)

    rows = [
        Row("pinless-cold-j1", "pinless cold --jobs 1", corpus, cmd("--no-cache", "--jobs", "1"), root),
        Row("pinless-cold-j2", "pinless cold --jobs 2", corpus, cmd("--no-cache", "--jobs", "2"), root),
        Row("pinless-warm", "pinless warm --jobs 2", corpus, warm, root, prepare=prime),
        Row("pinless-one-changed", "pinless warm, 1 file changed", corpus, warm, root,
            prepare=edit, restore=unedit),
    ]
    for row in rows:
        row.missing, row.env = why, env
        if row.argv is None:
            row.prepare = row.restore = None
    return rows


def baseline_rows(corpus: str, root: Path) -> list[Row]:
    python = str(PROJECT_PYTHON if PROJECT_PYTHON.exists() else sys.executable)
    script = str(HERE / "baselines.py")
    return [
        Row("startup", "interpreter start-up", corpus, [python, "-c", "pass"], root),
        Row("io-floor", "I/O floor: read + sha256", corpus, [python, script, "hash", "."], root),
        Row("ast-parse", "ast.parse", corpus, [python, script, "parse", "."], root),
    ]


def peer_rows(corpus: str, root: Path, peers: dict[str, str | None]) -> list[Row]:
    ruff, bandit, semgrep = peers.get("ruff"), peers.get("bandit"), peers.get("semgrep")
    ruff_cache = WORK / f"ruff-cache-{corpus}"
    ruff_base = None if ruff is None else [
        ruff, "check", ".", "--isolated", "--select", "ALL", "--exit-zero",
        "--output-format", "concise"]

    def prime_ruff() -> None:
        subprocess.run(ruff_base + ["--cache-dir", str(ruff_cache)], cwd=root,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    rule = write_semgrep_rule(WORK)
    rows = [
        Row("ruff-all", "ruff check --select ALL", corpus,
            ruff_base and ruff_base + ["--no-cache"], root),
        Row("ruff-all-warm", "ruff check --select ALL, warm cache", corpus,
            ruff_base and ruff_base + ["--cache-dir", str(ruff_cache)], root,
            prepare=ruff_base and prime_ruff),
        # bandit exits 1 when it reports anything
        Row("bandit", "bandit -r", corpus, bandit and [bandit, "-r", ".", "-q"], root, ok_codes=(0, 1)),
        Row("semgrep", "semgrep, 1 rule", corpus, semgrep and [
            semgrep, "scan", "--config", str(rule), "--metrics=off", "--disable-version-check",
            # the same files as everyone else: no git or .semgrepignore filtering, no size limit
            "--no-git-ignore", "--project-root", ".", "--max-target-bytes", "0",
            "--jobs", "2", "--quiet", "."], root),
    ]
    for row in rows:
        name = row.key.split("-")[0]
        if row.argv is None:
            row.missing = f"{name} not available"
    return rows


# --- running -------------------------------------------------------------------------------------

RUN_ORDER = ["ast-parse", "io-floor", "startup", "pinless-cold-j2", "pinless-warm",
             "pinless-one-changed", "ruff-all", "semgrep", "pinless-cold-j1", "bandit", "ruff-all-warm"]
SHOW_ORDER = ["startup", "io-floor", "ast-parse", "pinless-cold-j1", "pinless-cold-j2", "pinless-warm",
              "pinless-one-changed", "ruff-all", "ruff-all-warm", "bandit", "semgrep"]
CORPUS_ORDER = ["subset", "big", "lambda"]

def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(QUIET_ENV)
    env.update({
        "NO_COLOR": "1",
        "PYTHONDONTWRITEBYTECODE": "1",  # no .pyc appearing in the corpus between rounds
    })
    # the project's venv first, as `. .venv/bin/activate` would do
    env["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def run_one(row: Row, env: dict[str, str], timeout: float) -> str:
    """Run the row once; what happened, for the progress line."""
    if row.argv is None:
        return row.missing
    if row.prepare:
        row.prepare()
    try:
        sample = measure(row.argv, row.cwd, {**env, **row.env}, timeout)
    finally:
        if row.restore:
            row.restore()
    if sample.timed_out:
        # what it had used by then is still a lower bound worth reporting
        row.errors.append(f"timed out after {sample.seconds:.0f} s "
                          f"(peak RSS by then {sample.peak_rss / 2**20:.0f} MB)")
        return row.errors[-1]
    if sample.returncode not in row.ok_codes:
        lines = sample.stderr_tail.strip().splitlines() or [f"exit {sample.returncode}"]
        # a failed run is not a timing; later rounds still try (the failure may be transient)
        row.errors.append(f"exit {sample.returncode}: {lines[-1][:160]}")
        return f"failed, {row.errors[-1]}"
    row.samples.append(sample)
    return f"{sample.seconds:7.2f} s  (CPU {sample.cpu:.2f} s)"


def run_rounds(rows: list[Row], rounds: int, big_rounds: int, timeout: float,
               save: Callable[[int, bool], None]) -> None:
    """Run the rounds; save(rounds done, at a round's end) after every command."""
    env = tool_env()
    n = len(rows)
    for r in range(rounds):
        shift = (r * n) // rounds
        # big's rows take most of a round: with big_rounds < rounds they join only the last
        # rounds, so the small corpora's rounds are done (and saved) first
        order = [row for row in rows[shift:] + rows[:shift]
                 if row.corpus != "big" or r >= rounds - big_rounds]
        started = time.perf_counter()
        for row in order:
            done = run_one(row, env, timeout)
            print(f"  round {r + 1}/{rounds}  {row.corpus:6}  {row.label:38} {done}", file=sys.stderr)
            save(r, False)
        print(f"round {r + 1} took {time.perf_counter() - started:.0f} s", file=sys.stderr)
        save(r + 1, True)


# --- reporting -----------------------------------------------------------------------------------

@dataclass
class Target:
    name: str
    value: float | None
    limit: float
    unit: str  # "x" (ratio) or "s" or "MB"
    strict: bool = False  # "faster than", "under": the limit itself fails
    cpu: float | None = None  # the same figure from CPU time instead of wall time

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "n/a"
        ok = self.value < self.limit if self.strict else self.value <= self.limit
        return "PASS" if ok else "FAIL"

    @property
    def bound(self) -> str:
        return f"{'<' if self.strict else '<='} {self.limit:g}{'x' if self.unit == 'x' else ' ' + self.unit}"


def median(row: Row | None, cpu: bool = False) -> float | None:
    if row is None or not row.samples:
        return None
    return statistics.median(row.cpu() if cpu else row.seconds())


# (name, row, corpus, divided by row or None for an absolute limit, limit, unit, strict)
TARGETS = [
    ("subset: pinless cold --jobs 1 / ast.parse", "pinless-cold-j1", "subset", "ast-parse", 3, "x", False),
    ("subset: pinless cold --jobs 2 / ast.parse", "pinless-cold-j2", "subset", "ast-parse", 3, "x", False),
    ("subset: pinless cold --jobs 1 / semgrep 1 rule (must be faster)",
     "pinless-cold-j1", "subset", "semgrep", 1, "x", True),
    ("subset: pinless cold --jobs 2 / semgrep 1 rule (must be faster)",
     "pinless-cold-j2", "subset", "semgrep", 1, "x", True),
    ("big: pinless cold --jobs 1 / ast.parse", "pinless-cold-j1", "big", "ast-parse", 3, "x", False),
    ("big: pinless cold --jobs 2 / ast.parse", "pinless-cold-j2", "big", "ast-parse", 3, "x", False),
    ("subset: pinless warm / I/O floor (incl. start-up)", "pinless-warm", "subset", "io-floor", 5, "x", False),
    ("big: pinless warm / I/O floor (incl. start-up)", "pinless-warm", "big", "io-floor", 5, "x", False),
    ("subset: pinless warm / ruff --select ALL, no cache (must be faster)",
     "pinless-warm", "subset", "ruff-all", 1, "x", True),
    ("big: pinless warm / ruff --select ALL, no cache (must be faster)",
     "pinless-warm", "big", "ruff-all", 1, "x", True),
    ("big: pinless warm, 1 file changed", "pinless-one-changed", "big", None, 1, "s", True),
]


def targets(rows: list[Row]) -> list[Target]:
    by = {(r.key, r.corpus): r for r in rows}

    def value(key: str, corpus: str, over: str | None, cpu: bool) -> float | None:
        num = median(by.get((key, corpus)), cpu)
        if over is None or num is None:
            return num
        den = median(by.get((over, corpus)), cpu)
        return num / den if den else None

    out = [Target(name, value(key, corpus, over, False), limit, unit, strict,
                  cpu=value(key, corpus, over, True))
           for name, key, corpus, over, limit, unit, strict in TARGETS]
    cold2 = by.get(("pinless-cold-j2", "big"))
    peak = max((s.peak_rss for s in cold2.samples), default=None) if cold2 else None
    out.append(Target("big: peak memory, pinless cold --jobs 2 (RSS summed over workers)",
                      None if peak is None else peak / 2**20, 300, "MB", True))
    return [t for t in out if t.value is not None or _wanted(t, rows)]


def _wanted(target: Target, rows: list[Row]) -> bool:
    """Keep an unmeasurable target only if its corpus was part of the run."""
    corpus = target.name.split(":")[0]
    return any(r.corpus == corpus for r in rows)


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def row_cells(row: Row) -> list[str]:
    if row.argv is None:
        return [row.label, row.corpus, "-", "-", "-", "-", "-", "-", row.missing]
    if not row.samples:
        why = f"failed: {row.errors[-1]}" if row.errors else "not run yet"
        return [row.label, row.corpus, "-", "-", "-", "-", "-", "-", why]
    secs = row.seconds()
    rss = max(s.peak_rss for s in row.samples) / 2**20
    pss = max(s.peak_pss for s in row.samples) / 2**20
    note = f"{len(row.errors)} run(s) failed: {row.errors[-1]}" if row.errors else ""
    return [row.label, row.corpus, f"{statistics.median(secs):.3f}", f"{min(secs):.3f}",
            f"{max(secs):.3f}", f"{statistics.median(row.cpu()):.3f}",
            f"{rss:.0f}" if rss else "-", f"{pss:.0f}" if pss else "-", note]


HEAD = ["command", "corpus", "median s", "min s", "max s", "median CPU s", "peak RSS MB",
        "peak PSS MB", "note"]
TARGET_HEAD = ["target", "measured", "limit", "result", "same from CPU time"]


def target_cells(t: Target) -> list[str]:
    return [t.name, fmt(t.value, t.unit), t.bound, t.verdict, fmt(t.cpu, t.unit)]


def text_table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(head, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    return "\n".join(lines)


def md_table(head: list[str], body: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in body]
    return "\n".join(lines)


def notes(rows: list[Row]) -> list[str]:
    by = {(r.key, r.corpus): r for r in rows}
    out = []
    for corpus in ("subset", "big", "lambda"):
        warm, ruff_warm = median(by.get(("pinless-warm", corpus))), median(by.get(("ruff-all-warm", corpus)))
        if warm and ruff_warm:
            out.append(f"{corpus}: pinless warm / ruff --select ALL warm = {warm / ruff_warm:.2f}x")
        start, floor = median(by.get(("startup", corpus))), median(by.get(("io-floor", corpus)))
        if start and floor:
            out.append(f"{corpus}: the I/O floor includes {start:.3f} s of interpreter start-up")
    return out


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    }


def git_revision() -> str | None:
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "rules"],
                               capture_output=True, text=True, check=False).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return rev + ("+uncommitted src changes" if dirty else "")


def report(rows: list[Row], meta: dict, out_stem: str) -> str:
    rows = sorted(rows, key=lambda r: (CORPUS_ORDER.index(r.corpus), SHOW_ORDER.index(r.key)))
    body = [row_cells(r) for r in rows]
    tgts = targets(rows)
    text = "\n\n".join(part for part in [
        text_table(HEAD, body),
        tgts and text_table(TARGET_HEAD, [target_cells(t) for t in tgts]),
        "\n".join(notes(rows)),
    ] if part)
    RESULTS.mkdir(exist_ok=True)
    data = {
        **meta,
        "rows": [{
            "key": r.key, "label": r.label, "corpus": r.corpus, "argv": r.argv,
            "missing": r.missing or None, "errors": r.errors,
            "seconds": r.seconds(),
            "cpu_seconds": r.cpu(),
            "median_s": median(r),
            "median_cpu_s": median(r, cpu=True),
            "peak_rss_mb": max((s.peak_rss for s in r.samples), default=0) / 2**20 or None,
            "peak_pss_mb": max((s.peak_pss for s in r.samples), default=0) / 2**20 or None,
        } for r in rows],
        "targets": [{"name": t.name, "value": t.value, "limit": t.limit, "unit": t.unit,
                     "result": t.verdict, "cpu_value": t.cpu} for t in tgts],
        "notes": notes(rows),
    }
    (RESULTS / f"{out_stem}.json").write_text(json.dumps(data, indent=2) + "\n")
    (RESULTS / f"{out_stem}.md").write_text(markdown(rows, tgts, meta))
    return text


def big_note(meta: dict) -> str:
    big = meta.get("big_rounds", meta["rounds"])
    return f" (big in the last {big} only)" if big < meta["rounds"] and "big" in meta["corpora"] else ""


def markdown(rows: list[Row], tgts: list[Target], meta: dict) -> str:
    m = meta["machine"]
    corpora = ", ".join(f"{name} {c['files']:,} files / {c['lines']:,} lines"
                        for name, c in meta["corpora"].items())
    lines = [
        (f"Run of {meta['date']} on {m['cpus']} CPUs, {m['memory_gb']} GB, Python {m['python']}; "
         f"{meta['pinless'] or 'pinless not available'} at {meta['revision']}; "
         f"{meta['rounds_done']} of {meta['rounds']} interleaved rounds done"
         f"{big_note(meta)}, "
         f"{meta['wall_s'] / 60:.0f} min in all."),
        "",
        f"Corpora: {corpora}.",
        "",
        (f"Machine load (1-minute average) at the end of each round: "
         f"{', '.join(str(x) for x in meta.get('load_avg_1min', []))} (on {m['cpus']} CPUs)."),
        "",
        md_table(HEAD, [row_cells(r) for r in rows]),
        "",
    ]
    if tgts:
        lines += [md_table(TARGET_HEAD, [target_cells(t) for t in tgts]), ""]
    lines += [f"- {n}" for n in notes(rows)]
    return "\n".join(lines) + "\n"


# --- main ----------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="subset and lambda only, 2 rounds")
    ap.add_argument("--rounds", type=int, help="rounds (default 3, or 2 with --quick)")
    ap.add_argument("--corpus", help="comma-separated: subset,big,lambda")
    ap.add_argument("--big-rounds", type=int, help="run big's rows in only the last N rounds")
    ap.add_argument("--no-peers", action="store_true", help="skip ruff, bandit and semgrep")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per command")
    ap.add_argument("--rev", help="measure pinless as committed at this git revision "
                                  "(default: the work tree as it is)")
    args = ap.parse_args()

    corpora = (args.corpus.split(",") if args.corpus
               else ["subset", "lambda"] if args.quick else ["subset", "big", "lambda"])
    rounds = args.rounds or (2 if args.quick else 3)
    started = time.perf_counter()

    roots = ensure_corpus()
    WORK.mkdir(parents=True, exist_ok=True)
    peers = {} if args.no_peers else ensure_peers()
    for name in PEERS:
        if not args.no_peers and peers.get(name) is None:
            print(f"{name} not available: its rows are skipped", file=sys.stderr)
    pinless_env = snapshot(args.rev) if args.rev else {}
    pinless, why = pinless_command(pinless_env)
    if pinless is None:
        print(why, file=sys.stderr)
    else:
        compile_bytecode(pinless_env)

    rows: list[Row] = []
    for corpus in corpora:
        root = roots[corpus]
        rows += baseline_rows(corpus, root) + pinless_rows(corpus, root, pinless, why, pinless_env)
        if not args.no_peers:
            rows += peer_rows(corpus, root, peers)
    # run order: what the targets need first, so a run cut short has measured the most of them
    rows.sort(key=lambda r: (corpora.index(r.corpus), RUN_ORDER.index(r.key)))
    for corpus in corpora:
        # a stale pinless cache from an older build would make the first warm run cold
        shutil.rmtree(roots[corpus] / ".pinless_cache", ignore_errors=True)

    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime()) + " UTC",
        "machine": machine(),
        "pinless": pinless_version(pinless, pinless_env),
        "revision": pinless_env.get("PINLESS_BENCH_REV", "")[:12] or git_revision(),
        "peers": {name: PEERS[name] for name in PEERS if peers.get(name)},
        "rounds": rounds,
        "big_rounds": min(args.big_rounds or rounds, rounds),
        "corpora": {c: dict(zip(("files", "lines", "bytes"), tree_stats(roots[c]))) for c in corpora},
    }
    stem = "quick" if args.quick else "latest"

    def checkpoint(done: int, round_end: bool) -> None:
        # results so far, so that an interrupted run still leaves what it measured
        meta.update(rounds_done=done, wall_s=time.perf_counter() - started)
        if round_end:
            # other work on the machine inflates wall times; the load says how much there was
            meta.setdefault("load_avg_1min", []).append(round(os.getloadavg()[0], 2))
        text = report(rows, meta, stem)
        if done == rounds:
            print(text)

    run_rounds(rows, rounds, args.big_rounds or rounds, args.timeout, checkpoint)
    print(f"\nfull run took {meta['wall_s'] / 60:.1f} min; results in {RESULTS}/", file=sys.stderr)


if __name__ == "__main__":
    main()
