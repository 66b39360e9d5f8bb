import importlib.util
import sys
from pathlib import Path

import pytest

from postgres import Cluster, PostgresUnavailable, running_in_ci

REPO = Path(__file__).resolve().parent.parent

# A src layout: make `pinless` importable when the package is not installed into the venv.
if importlib.util.find_spec("pinless") is None:
    sys.path.insert(0, str(REPO / "src"))


@pytest.fixture(scope="session")
def pg():
    """A running throwaway PostgreSQL 15 cluster (one per xdist worker)."""
    try:
        cluster = Cluster()
    except PostgresUnavailable as exc:
        # CI must exercise these tests: a missing server there is a broken job, not a skip.
        if running_in_ci():
            pytest.fail(f"PostgreSQL is required in CI: {exc}", pytrace=False)
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        cluster.start()
    except BaseException:
        cluster.stop()
        raise
    yield cluster
    cluster.stop()
