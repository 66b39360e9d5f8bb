"""Classify SQL text found in Python strings: which session-scoped constructs it contains.

Measured (../shared/reference/sql-parsing.md, and benchmarks/): most strings hold no
session-state SQL, a keyword test is ~100x cheaper than a parse, and sqlglot silently
misreads some statements (``LISTEN x`` comes back as an alias). So:

1. a cheap keyword test rejects most strings before sqlglot sees them;
2. placeholders (``%s``, ``%(n)s``, ``$1``, ``:name``, ``?``) become a neutral literal;
3. sqlglot's tokenizer splits statements and gives the leading keywords, which decide the
   statement kind (tokens know strings and comments from code, unlike a regex);
4. sqlglot's parser reads the details a kind needs (the variables a ``SET`` assigns,
   the functions a statement calls); where it cannot parse, the tokens are used and the
   fact says so (``parsed=False``), so no guess is presented as a parse.

Results are cached per (text, dialect).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from pinless import catalog

logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

MAX_STATEMENT_BYTES = 16 * 1024  # RDS Proxy pins on any statement text larger than 16 KB

_TRIGGER = re.compile(
    r"\b(?:set|reset|discard|prepare|execute|deallocate|temp|temporary|declare|listen|load"
    r"|lock|flush|set_config|pg_(?:try_)?advisory\w*|nextval|setval|currval|lastval"
    r"|get_lock|found_rows|row_count|last_insert_id)\b|@",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)s|%s|\$\d+|(?<![:\w]):[A-Za-z_]\w*|\?")

_ADVISORY_SESSION = {
    "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
}
_ADVISORY_XACT = {
    "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
}
_SEQUENCE = {"nextval", "setval", "currval", "lastval"}
_MYSQL_SESSION_FUNCS = {"found_rows", "row_count", "last_insert_id"}


@dataclass(frozen=True)
class SqlFact:
    kind: str  # a statement kind named in the rule pages' [detect].sql lists
    construct: str  # what the message names, e.g. "SET statement_timeout"
    parsed: bool = True  # False: decided from sqlglot's tokens, the parser could not read it


def _dialect(name: str) -> Dialect:
    return Dialect.get_or_raise("mysql" if name == "mysql" else "postgres")


def _tracked_mysql() -> frozenset[str]:
    data = catalog.load().targets.get("rds-proxy", {})
    return frozenset(v.lower() for v in data.get("mysql-tracked-variables", ()))


def normalize_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub("1", text.replace("%%", "%"))


def might_pin(text: str) -> bool:
    """The cheap test: can this text hold a construct any rule reports?"""
    return len(text.encode("utf-8", "surrogatepass")) > MAX_STATEMENT_BYTES or bool(_TRIGGER.search(text))


@functools.lru_cache(maxsize=65536)
def classify(text: str, dialect: str = "postgres") -> tuple[SqlFact, ...]:
    if not might_pin(text):
        return ()
    facts: list[SqlFact] = []
    normalized = normalize_placeholders(text)
    try:
        tokens = _dialect(dialect).tokenize(normalized)
    except Exception:  # sqlglot raises several types on unlexable text; nothing is reported
        tokens = []
    for stmt in _split(tokens):
        start, end = stmt[0].start, stmt[-1].end + 1
        sql = normalized[start:end]
        if len(sql.encode("utf-8", "surrogatepass")) > MAX_STATEMENT_BYTES:
            facts.append(SqlFact("statement_too_large", f"{len(sql.encode())}-byte statement"))
        facts.extend(_classify_statement(stmt, sql, dialect))
    if not tokens and len(text.encode("utf-8", "surrogatepass")) > MAX_STATEMENT_BYTES:
        facts.append(SqlFact("statement_too_large", f"{len(text.encode())}-byte statement", False))
    return tuple(dict.fromkeys(facts))


def _split(tokens: list) -> list[list]:
    out, cur = [], []
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON:
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(tok)
    if cur:
        out.append(cur)
    return out


def _words(stmt: list, n: int = 4) -> list[str]:
    return [t.text.upper() for t in stmt[:n]]


def _parse(sql: str, dialect: str) -> exp.Expression | None:
    try:
        tree = sqlglot.parse_one(sql, read=_dialect(dialect))
    except Exception:  # sqlglot's ParseError, TokenError and the odd internal error
        return None
    return tree


def _classify_statement(stmt: list, sql: str, dialect: str) -> list[SqlFact]:
    words = _words(stmt, 6)
    head = words[0]
    mysql = dialect == "mysql"
    if head == "SET":
        return _classify_set(stmt, sql, dialect)
    if head == "RESET" and not mysql:
        return [SqlFact("reset", " ".join(w for w in words[:2]))]
    if head == "DISCARD" and not mysql:
        return [SqlFact("discard", " ".join(words[:2]))]
    if head == "PREPARE":
        return [SqlFact("prepare", "PREPARE")]
    if head == "EXECUTE" and len(stmt) > 1:
        return [SqlFact("execute_prepared", "EXECUTE")]
    if head == "DEALLOCATE" or (mysql and words[:2] == ["DROP", "PREPARE"]):
        return [SqlFact("deallocate", " ".join(words[:2]))]
    if head == "LISTEN" and not mysql:
        return [SqlFact("listen", "LISTEN")]
    if head == "LOAD" and not mysql:
        return [SqlFact("load", "LOAD")]
    if head == "DECLARE" and not mysql:
        return [SqlFact("declare_cursor", "DECLARE ... CURSOR")]
    if head == "CREATE" and len(words) > 1:
        rest = words[1:4]
        if rest[0] in ("GLOBAL", "LOCAL"):
            rest = rest[1:]
        if rest and rest[0] in ("TEMP", "TEMPORARY"):
            what = rest[1] if len(rest) > 1 else "TABLE"
            return [SqlFact("temp_object", f"CREATE TEMPORARY {what}")]
    if mysql and head == "LOCK" and len(words) > 1 and words[1] in ("TABLE", "TABLES"):
        return [SqlFact("lock_tables", "LOCK TABLES")]
    if mysql and head == "FLUSH" and "READ" in [t.text.upper() for t in stmt] and "LOCK" in [
        t.text.upper() for t in stmt
    ]:
        return [SqlFact("flush_tables_lock", "FLUSH TABLES WITH READ LOCK")]
    return _classify_expressions(stmt, sql, dialect)


def _classify_set(stmt: list, sql: str, dialect: str) -> list[SqlFact]:
    words = _words(stmt, 4)
    if dialect == "mysql":
        return _classify_mysql_set(stmt, sql)
    second = words[1] if len(words) > 1 else ""
    if second == "LOCAL":
        name = stmt[2].text if len(stmt) > 2 else ""
        return [SqlFact("set_local", f"SET LOCAL {name}".strip())]
    if second == "TRANSACTION":  # this transaction only; SESSION CHARACTERISTICS is session-wide
        return [SqlFact("set_local", "SET TRANSACTION")]
    if second == "CONSTRAINTS":
        return [SqlFact("set_local", "SET CONSTRAINTS")]
    tree = _parse(sql, "postgres")
    if isinstance(tree, exp.Set):
        names = []
        for item in tree.expressions:
            target = item.this
            if isinstance(target, exp.EQ):
                target = target.this
            names.append(target.sql(dialect="postgres") if target is not None else "")
        return [SqlFact("set", "SET " + ", ".join(n for n in names if n))]
    # SET ROLE / SET SESSION AUTHORIZATION / SET TIME ZONE: sqlglot keeps them as a Command
    parsed = isinstance(tree, exp.Command)
    if second == "SESSION" and len(words) > 2:
        construct = f"SET SESSION {words[2]}"
        if words[2] == "CHARACTERISTICS":
            construct = "SET SESSION CHARACTERISTICS"
    else:
        construct = " ".join(words[:3]) if second == "TIME" else f"SET {stmt[1].text if len(stmt) > 1 else ''}"
    return [SqlFact("set", construct.strip(), parsed)]


def _classify_mysql_set(stmt: list, sql: str) -> list[SqlFact]:
    tracked = _tracked_mysql()
    tree = _parse(sql, "mysql")
    facts: list[SqlFact] = []
    if isinstance(tree, exp.Set):
        for item in tree.expressions:
            kind = (item.args.get("kind") or "").upper()
            target = item.this
            if kind in ("NAMES", "CHARACTER SET", "CHARSET", "TRANSACTION"):
                continue  # SET NAMES / CHARACTER SET / TRANSACTION: tracked by RDS Proxy
            if isinstance(target, exp.EQ):
                target = target.this
            if isinstance(target, exp.Parameter) and not target.sql(dialect="mysql").startswith("@@"):
                facts.append(SqlFact("user_variable", f"SET {target.sql(dialect='mysql')}"))
                continue
            name = (target.sql(dialect="mysql") if target is not None else "").lower()
            bare = re.sub(r"^@@(session\.|global\.|local\.)?", "", name).strip("`")
            if bare in tracked:
                continue
            facts.append(SqlFact("set", f"SET {bare}"))
        return facts
    # unparsed: read the assigned names from the tokens
    texts = [t.text for t in stmt[1:]]
    joined = " ".join(texts).lower()
    if joined.startswith(("names", "character set", "charset", "transaction")):
        return []
    for part in re.split(r",", joined):
        part = part.strip()
        name = re.sub(r"^(session|local|global)\s+", "", part).split("=")[0].strip().replace(" ", "")
        if name.startswith("@") and not name.startswith("@@"):
            facts.append(SqlFact("user_variable", f"SET {name}", False))
            continue
        bare = re.sub(r"^@@(session\.|global\.|local\.)?", "", name)
        if bare and bare not in tracked:
            facts.append(SqlFact("set", f"SET {bare}", False))
    return facts


def _function_names(stmt: list) -> list[tuple[str, int]]:
    """(lowercased name, token index) of every ``name(`` in the statement's tokens."""
    out = []
    for i in range(len(stmt) - 1):
        if stmt[i + 1].token_type == TokenType.L_PAREN and stmt[i].token_type not in (
            TokenType.STRING,
        ):
            out.append((stmt[i].text.lower(), i))
    return out


def _set_config_is_local(stmt: list, i: int) -> bool | None:
    """The third argument of set_config(...) at token i: True, False or None if not literal."""
    depth, commas = 0, 0
    for tok in stmt[i + 1:]:
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return None
        elif tok.token_type == TokenType.COMMA and depth == 1:
            commas += 1
        elif commas == 2 and depth == 1:
            text = tok.text.lower()
            return True if text in ("true", "t", "'t'", "'true'") else False if text in (
                "false", "f", "'f'", "'false'") else None
    return None


def _classify_expressions(stmt: list, sql: str, dialect: str) -> list[SqlFact]:
    names = _function_names(stmt)
    interesting = {n for n, _ in names} & (
        {"set_config"} | _ADVISORY_SESSION | _ADVISORY_XACT | _SEQUENCE | {"get_lock"}
        | _MYSQL_SESSION_FUNCS
    )
    has_at = any(t.text.startswith("@") or t.token_type == TokenType.PARAMETER for t in stmt)
    if not interesting and not (dialect == "mysql" and has_at):
        return []
    tree = _parse(sql, dialect)
    parsed = tree is not None and not isinstance(tree, exp.Command)
    facts: list[SqlFact] = []
    mysql = dialect == "mysql"
    for name, i in names:
        if name == "set_config" and not mysql:
            local = _set_config_is_local(stmt, i)
            if local:
                facts.append(SqlFact("set_local", "set_config(..., true)", parsed))
            else:
                facts.append(SqlFact("set_config", "set_config(..., false)", parsed))
        elif name in _ADVISORY_SESSION and not mysql:
            facts.append(SqlFact("advisory_lock", f"{name}()", parsed))
        elif name in _ADVISORY_XACT and not mysql:
            facts.append(SqlFact("advisory_xact_lock", f"{name}()", parsed))
        elif name in _SEQUENCE and not mysql:
            facts.append(SqlFact("sequence_function", f"{name}()", parsed))
        elif name == "get_lock" and mysql:
            facts.append(SqlFact("get_lock", "GET_LOCK()", parsed))
        elif name in _MYSQL_SESSION_FUNCS and mysql:
            facts.append(SqlFact("session_function", f"{name.upper()}()", parsed))
    if mysql and has_at:
        texts = [t.text.upper() for t in stmt]
        for j, t in enumerate(stmt):
            text = t.text
            is_var = text.startswith("@") and not text.startswith("@@") or (
                t.token_type == TokenType.PARAMETER and j + 1 < len(stmt)
            )
            if not is_var:
                continue
            prev = texts[j - 1] if j else ""
            nxt = stmt[j + 1].text if j + 1 < len(stmt) else ""
            if prev == "INTO" or prev == "," and "INTO" in texts[:j] or nxt == ":=" or (
                nxt == ":" and j + 2 < len(stmt) and stmt[j + 2].text == "="
            ):
                var = text if text.startswith("@") else "@" + nxt
                facts.append(SqlFact("user_variable", f"assignment to user variable {var}", parsed))
                break
    return facts
