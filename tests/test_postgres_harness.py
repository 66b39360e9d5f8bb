"""The throwaway-cluster harness itself: statements are logged, backends are counted."""

import time
import uuid

import psycopg2
import pytest

from postgres import ADMIN_USER, APP_USER, parse_log


@pytest.mark.postgres
def test_statement_is_logged_and_read_back(pg):
    marker = f"harness-{uuid.uuid4().hex}"
    mark = pg.log_mark()
    with psycopg2.connect(pg.dsn()) as conn, conn.cursor() as cur:
        cur.execute("SELECT %s AS marker,\n  count(*) > 0 FROM orders", (marker,))
        assert cur.fetchone() == (marker, True)  # other tests on this cluster may add orders
    conn.close()

    statements = pg.statements_since(mark, user=APP_USER)
    assert f"SELECT '{marker}' AS marker,\n  count(*) > 0 FROM orders" in statements
    assert pg.connections_since(mark) == 1
    assert all(marker not in s for s in pg.statements_since(pg.log_mark()))


def _listed(pg, pid: int) -> bool:
    with psycopg2.connect(pg.admin_dsn()) as admin, admin.cursor() as cur:
        cur.execute("SELECT usename FROM pg_stat_activity WHERE pid = %s", (pid,))
        row = cur.fetchone()
    admin.close()
    return row is not None and row[0] == APP_USER


@pytest.mark.postgres
def test_connection_shows_in_app_backends_and_disappears_after_close(pg):
    # Other tests of this worker share the cluster: follow this connection's own backend.
    conn = psycopg2.connect(pg.dsn())
    pid = conn.get_backend_pid()
    try:
        assert _listed(pg, pid)
        assert pg.app_backends() >= 1
        # The admin connection is a different role and is not counted as an app backend.
        assert pg.app_backends(user=ADMIN_USER) >= 1
    finally:
        conn.close()
    deadline = time.monotonic() + 5
    while _listed(pg, pid) and time.monotonic() < deadline:
        time.sleep(0.01)  # a closed socket's backend exits asynchronously
    assert not _listed(pg, pid)


@pytest.mark.postgres
def test_app_role_is_not_superuser(pg):
    with psycopg2.connect(pg.dsn()) as conn, conn.cursor() as cur:
        cur.execute("SELECT current_user, usesuper FROM pg_user WHERE usename = current_user")
        assert cur.fetchone() == (APP_USER, False)
    conn.close()


def test_parse_log_joins_continuation_lines():
    text = (
        "2025-01-01 00:00:00.000 UTC [42] app@app LOG:  statement: SELECT 1,\n"
        "\t  2\n"
        "2025-01-01 00:00:00.001 UTC [42] app@app LOG:  execute __asyncpg_stmt_1__: SELECT $1\n"
        "2025-01-01 00:00:00.002 UTC [42] app@app DETAIL:  parameters: $1 = '5'\n"
        "2025-01-01 00:00:00.003 UTC [7] LOG:  checkpoint starting: time\n"
    )
    entries = parse_log(text)
    assert [e.statement for e in entries] == ["SELECT 1,\n  2", "SELECT $1", None, None]
    assert entries[-1].user is None and entries[0].pid == 42
