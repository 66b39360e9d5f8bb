"""Run a Lambda handler the way a warm container does and report what the database saw.

    python runner.py PROJECT_DIR HANDLER TRACK INVOCATIONS OUT_JSON

The handler module is imported once; `handler(event, context)` is then called INVOCATIONS times
(`async def` handlers through `asyncio.run` per invocation). After the import and after each
invocation the runner records the outcome, the `app` backends in pg_stat_activity (through its own
superuser connection, $PINLESS_ADMIN_DSN) and the id() of the tracked object. TRACK is
`module:expression`; when the expression is a plain global name, every object bound to it while
the invocation runs is recorded too (a fix that re-creates the object per invocation binds a new
one each time).
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import os
import sys
import time
import traceback
import uuid

import psycopg2

SETTLE_TIMEOUT = 3.0


class LambdaContext:
    """The attributes handlers commonly read from the real context object."""

    function_name = "pinless-lifecycle"
    function_version = "$LATEST"
    memory_limit_in_mb = 128

    def __init__(self, deadline: float):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def client_sockets(port: int, exclude: set[int]) -> int | None:
    """Established TCP connections of this process to `port` (Linux /proc), or None."""
    try:
        inodes = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:  # the directory's own fd, gone by now
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        count = 0
        for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
            with open(table) as fh:
                for line in fh.readlines()[1:]:
                    fields = line.split()
                    local_port = int(fields[1].rsplit(":", 1)[1], 16)
                    remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                    if (fields[3] == "01" and fields[9] in inodes and remote_port == port
                            and local_port not in exclude):
                        count += 1
        return count
    except OSError:
        return None


class Probe:
    """Counts `app` backends; waits until the server agrees with this process's open sockets."""

    def __init__(self, admin_dsn: str, port: int):
        self.port = port
        self.admin = psycopg2.connect(admin_dsn)
        self.admin.autocommit = True
        with self.admin.cursor() as cur:
            cur.execute("SELECT inet_client_port()")
            self.admin_port = cur.fetchone()[0]

    def backends(self) -> int:
        with self.admin.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE usename = 'app' AND backend_type = 'client backend'"
            )
            return cur.fetchone()[0]

    def settle(self) -> tuple[int, int | None]:
        """(server backends, client sockets) once backends of closed sockets have exited."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            sockets = client_sockets(self.port, {self.admin_port})
            count = self.backends()
            target = 0 if sockets is None else sockets
            if count <= target or time.monotonic() > deadline:
                return count, sockets
            time.sleep(0.005)


class Tracker:
    """id() of the tracked object after an invocation, and of each object bound during it."""

    def __init__(self, module_name: str, expression: str):
        self.module = sys.modules[module_name]
        self.expression = expression
        self.name = expression if expression.isidentifier() else None
        self.keep: list[object] = []  # keep every seen object alive so no id() is reused
        self.seen: list[int] = []

    def current(self) -> int | None:
        value = eval(self.expression, vars(self.module))  # noqa: S307 - test-owned expression
        if value is None:
            return None
        self.keep.append(value)
        return id(value)

    def _note(self, frame) -> None:
        value = frame.f_globals.get(self.name)
        if value is not None and id(value) not in self.seen:
            self.keep.append(value)
            self.seen.append(id(value))

    def _local(self, frame, event, arg):
        self._note(frame)
        return self._local

    def _global(self, frame, event, arg):
        return self._local if frame.f_globals is vars(self.module) else None

    def __enter__(self):
        self.seen = []
        if self.name is not None:
            sys.settrace(self._global)
        return self

    def __exit__(self, *exc):
        sys.settrace(None)


def invoke(handler, n: int):
    event = {"invocation": n, "path": "/orders", "customer": "ada"}
    context = LambdaContext(time.monotonic() + 30)
    if inspect.iscoroutinefunction(handler):
        return asyncio.run(handler(event, context))
    return handler(event, context)


def describe_error(exc: BaseException) -> dict:
    return {
        "type": type(exc).__name__,
        "qualified_type": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc))[-4000:],
    }


def run(project: str, handler_path: str, track: str, invocations: int) -> dict:
    os.chdir(project)
    sys.path[0] = project  # the project, not this directory, is the import root
    probe = Probe(os.environ["PINLESS_ADMIN_DSN"], int(os.environ["PGPORT"]))
    module_name, func_name = handler_path.rsplit(".", 1)
    report: dict = {"import_error": None, "invocations": []}
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
    except BaseException as exc:  # an import failure is a result, not a runner crash
        report["import_error"] = describe_error(exc)
        return report
    track_module, expression = track.split(":", 1)
    tracker = Tracker(track_module, expression)
    report["after_import"] = dict(zip(("backends", "client_sockets"), probe.settle()))
    report["after_import"]["id"] = tracker.current()
    for n in range(1, invocations + 1):
        report["invocations"].append(run_one(handler, n, probe, tracker))
    return report


def run_one(handler, n: int, probe: Probe, tracker: Tracker) -> dict:
    record: dict = {"n": n, "ok": True, "error": None, "result": None}
    started = time.monotonic()
    with tracker:
        try:
            record["result"] = json.loads(json.dumps(invoke(handler, n), default=str))
        except Exception as exc:
            record.update(ok=False, error=describe_error(exc))
    record["seconds"] = round(time.monotonic() - started, 3)
    record["backends"], record["client_sockets"] = probe.settle()
    record["id"] = tracker.current()
    record["ids_during"] = list(tracker.seen)
    return record


def main(argv: list[str]) -> None:
    project, handler_path, track, invocations, out = argv
    report = run(os.path.abspath(project), handler_path, track, int(invocations))
    with open(out, "w") as fh:
        json.dump(report, fh, indent=2)
    # Exit without interpreter teardown: what a frozen-then-reaped container does, and it keeps
    # finalizers of half-broken async pools from printing noise after the report is written.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
