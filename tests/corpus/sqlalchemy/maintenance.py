"""Nightly maintenance, run from cron on a bastion host (not a Lambda function).

The module-level engine is fine here: one process, one run. The SQL still pins the proxy
connection it runs on, so the SET is reported.
"""

import argparse
import os
import sys

from sqlalchemy import create_engine, text

# ok: PIN407
engine = create_engine(
    os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg2://", 1),
    pool_size=5,
)


# ok: PIN401
def main(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args(argv)
    with engine.begin() as conn:
        # ruleid: PIN101
        conn.execute(text("SET maintenance_work_mem = '256MB'"))
        conn.execute(text("DELETE FROM events WHERE at < now() - make_interval(days => :d)"), {"d": args.days})
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
