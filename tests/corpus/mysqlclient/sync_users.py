"""User sync from Cognito (post-confirmation trigger) into MySQL via mysqlclient."""

import os

import MySQLdb

# ruleid: PIN403
db = MySQLdb.connect(
    host=os.environ["DB_HOST"],
    user=os.environ["DB_USER"],
    passwd=os.environ["DB_PASSWORD"],
    db=os.environ["DB_NAME"],
    charset="utf8mb4",
)


def handler(event, context):
    attrs = event["request"]["userAttributes"]
    try:
        cur = db.cursor()
        cur.execute(
            "INSERT INTO customers (email, name) VALUES (%s, %s) ON DUPLICATE KEY UPDATE name = VALUES(name)",
            (attrs["email"], attrs.get("name", "")),
        )
        db.commit()
        cur.close()
    finally:
        # The next warm invocation finds the module-level connection closed.
        # ruleid: PIN402
        db.close()
    return event
