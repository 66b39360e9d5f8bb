"""Classify SQL text found in Python strings: which session-scoped constructs it contains.

Measured (../shared/reference/sql-parsing.md, and benchmarks/): most strings hold no
session-state SQL, a keyword test is ~100x cheaper than a parse, and sqlglot silently
misreads some statements (``LISTEN x`` comes back as an alias). So:

1. a cheap keyword test (``might_pin``) rejects most strings before sqlglot sees them;
2. placeholders (``%s``, ``%(n)s``, ``$1``, ``:name``, ``?``) become a neutral literal of the
   same length, so token offsets still point into the original text;
3. sqlglot's tokenizer splits statements and gives the leading keywords, which decide the
   statement kind (tokens know strings and comments from code, unlike a regex);
4. sqlglot's parser reads the details a kind needs (the variables a MySQL ``SET`` assigns
   and their scope); each fact says whether the parser could read its statement
   (``parsed=False``: it raised, or the tokenizer stopped inside the statement), so no
   guess is presented as a parse.

Results are cached per (text, dialect).

Parse-failure rate of sqlglot 30.30 on tests/data/sql/corpus.py (10,000 generated statements
shaped like driver calls, 60% PostgreSQL / 40% MySQL; ``python tests/data/sql/measure.py``):
19.5% fail as written (the MySQL dialect rejects ``%s`` and ``%(name)s``), 2.4% after
placeholder normalization. What still fails is syntax sqlglot does not know, not placeholders:
``NOTIFY ch, 'payload'``, ``UNLISTEN *``, ``BEGIN ISOLATION LEVEL ...``, ``FLUSH TABLES ...``,
``DEALLOCATE PREPARE``, ``LOAD DATA``. In line with sql-parsing.md (~19% and ~2%); the exact
figures follow the corpus mix (how many MySQL statements carry pyformat placeholders, how
often those rare statements occur).

Decisions (conservative means: report it, since a missed pin costs a backend connection):

- Size: RDS Proxy pins on a statement text over 16 KB (16384 bytes of UTF-8, not characters).
  The driver sends a Python string as one query message, several statements included, so the
  whole string's size is measured; placeholders count as written (bound values are unknown).
- MySQL ``SET GLOBAL x`` / ``SET @@global.x`` / ``PERSIST``: not session state, but RDS
  Proxy's documentation exempts only the tracked variables (rules/targets/rds-proxy.toml) and
  says nothing of scope, and on RDS a global setting belongs in the DB parameter group anyway
  (``SET GLOBAL`` needs privileges an application user rarely has). Reported as ``set``
  (construct ``SET GLOBAL x`` / ``SET @@global.x``), even for a tracked name.
- MySQL ``SET NAMES``, ``SET CHARACTER SET``, session ``SET TRANSACTION`` and the tracked
  variables are not reported (``SET GLOBAL TRANSACTION`` is, by the rule above).
- ``set_config(name, value, is_local)``: a literal true third argument is ``set_local``; false,
  or anything pinless cannot read as a literal (a placeholder, an expression, an f-string
  hole), is ``set_config``: session level is the conservative reading. The construct shows the
  third argument as written, so the message says which it was.
- Not reported: ``UNLISTEN`` and ``NOTIFY`` (they create no session state; only ``LISTEN``
  registers one), advisory and named-lock *releases* (``pg_advisory_unlock*``,
  ``RELEASE_LOCK``: the acquiring call is the finding), PostgreSQL ``LOCK TABLE`` (released at
  commit), ``PREPARE TRANSACTION`` (two-phase commit, not a prepared statement), MySQL
  ``LOAD DATA``/``LOAD XML`` (not PostgreSQL's ``LOAD`` of a library), ``FLUSH TABLES t``
  without a lock, ``RESET`` in MySQL (server administration).
- Function calls that a statement only *defines* are not reported: a column ``DEFAULT
  nextval(...)``, and the bodies of ``CREATE VIEW/FUNCTION/PROCEDURE/TRIGGER/RULE/EVENT`` and
  ``PREPARE`` (the call runs later, in the statement that uses the default or the object).
  Semicolons inside a ``CREATE ... BEGIN ... END`` body do not split statements, so a body's
  ``SET @x`` is not reported either. Code in a dollar-quoted ``DO $$ ... $$`` block is a string
  to the tokenizer and is not read: a known gap, like the bodies of stored procedures.
- MySQL ``SQL_CALC_FOUND_ROWS`` is ``session_function``: it stores the count that a later
  ``FOUND_ROWS()`` reads from the same session.
- The ``pinless_hole`` marker (an unknown part of an f-string) is an ordinary identifier:
  ``SET pinless_hole = 1`` is a ``set`` (the name is unknown, so it cannot be a tracked one);
  a hole in a leading keyword position classifies as nothing (no guess).
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from typing import NamedTuple

from pinless import memo
from pinless import catalog

# sqlglot costs a fifth of a second to import and most runs (a warm cache, files without
# session-state SQL) never parse anything: it is imported on the first string that passes
# the keyword test, and these names are bound then (see _load_sqlglot).
sqlglot = exp = Dialect = Token = TokenType = None
_LITERAL_TOKENS: frozenset = frozenset()


def _load_sqlglot() -> None:
    global sqlglot, exp, Dialect, Token, TokenType, _LITERAL_TOKENS
    if sqlglot is not None:
        return
    import sqlglot as _sqlglot
    from sqlglot import exp as _exp
    from sqlglot.dialects.dialect import Dialect as _Dialect
    from sqlglot.tokens import Token as _Token, TokenType as _TokenType

    logging.getLogger("sqlglot").setLevel(logging.CRITICAL)
    exp, Dialect, Token, TokenType = _exp, _Dialect, _Token, _TokenType
    _LITERAL_TOKENS = frozenset(
        getattr(TokenType, name) for name in (
            "STRING", "IDENTIFIER", "HEREDOC_STRING", "BYTE_STRING", "NATIONAL_STRING",
            "RAW_STRING", "BIT_STRING", "HEX_STRING", "UNICODE_STRING", "NATIONAL_RAW_STRING",
        ) if hasattr(TokenType, name)
    )
    sqlglot = _sqlglot  # last: the guard above

MAX_STATEMENT_BYTES = 16 * 1024  # RDS Proxy pins on any statement text larger than 16 KB

# The cheap pre-test. Every word below is one the classifier keys on; the leading boundary
# also accepts a digit before the word because sqlglot's tokenizer ends a number there
# ("1nextval(" is a number and a call).
_TRIGGER = re.compile(
    r"(?<![^\W\d])(?:set|reset|discard|prepare|execute|deallocate|temp|temporary|declare"
    r"|listen|load|lock|flush|set_config|pg_(?:try_)?advisory\w*|nextval|setval|currval"
    r"|lastval|get_lock|found_rows|sql_calc_found_rows|row_count|last_insert_id)\b|@",
    re.IGNORECASE,
)
# ``%%`` first so that ``%%s`` is an escaped percent and an ``s``, not a placeholder; a
# placeholder glued to a word is left alone (the regex above would not see the word either).
_PLACEHOLDER = re.compile(
    r"%%|%\([A-Za-z_]\w*\)s(?!\w)|%s(?!\w)|\$\d+(?!\w)|(?<![:\w]):[A-Za-z_]\w*|\?"
)

_ADVISORY_SESSION = frozenset({
    "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
})
_ADVISORY_XACT = frozenset({
    "pg_advisory_xact_lock", "pg_advisory_xact_lock_shared", "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
})
_PG_CALLS = {
    "set_config": "set_config",
    **{name: "advisory_lock" for name in _ADVISORY_SESSION},
    **{name: "advisory_xact_lock" for name in _ADVISORY_XACT},
    **{name: "sequence_function" for name in ("nextval", "setval", "currval", "lastval")},
}
_MYSQL_CALLS = {
    "get_lock": "get_lock",
    **{name: "session_function" for name in ("found_rows", "row_count", "last_insert_id")},
}
_HEAD_WORDS = 12  # how many leading keywords a statement kind may need
# A call right after these words is not executed by the statement (a column default, a table
# or routine being named).
_NOT_A_CALL_AFTER = frozenset({"DEFAULT", "INTO", "TABLE", "FUNCTION", "PROCEDURE"})
_CREATE_OBJECTS = frozenset({
    "TABLE", "VIEW", "SEQUENCE", "MATERIALIZED", "INDEX", "FUNCTION", "PROCEDURE", "TRIGGER",
    "RULE", "EVENT",
})
_DEFINES_CODE = frozenset({"VIEW", "FUNCTION", "PROCEDURE", "TRIGGER", "RULE", "EVENT"})
_PG_TRUE = frozenset({"t", "true", "y", "yes", "on", "1"})
_PG_FALSE = frozenset({"f", "false", "n", "no", "off", "0"})
# PostgreSQL SET forms that are not ``SET name = value``; the last two are transaction level.
_PG_SET_FORMS = (
    ("TIME", "ZONE"), ("ROLE",), ("SESSION", "AUTHORIZATION"), ("SESSION", "CHARACTERISTICS"),
    ("SCHEMA",), ("NAMES",), ("XML", "OPTION"), ("TRANSACTION",), ("CONSTRAINTS",),
)
_PG_SET_XACT_FORMS = (("TRANSACTION",), ("CONSTRAINTS",))
_PG_RESET_FORMS = (("ALL",), ("ROLE",), ("SESSION", "AUTHORIZATION"), ("TIME", "ZONE"))
_MYSQL_SCOPES = frozenset({"SESSION", "LOCAL", "GLOBAL", "PERSIST", "PERSIST_ONLY"})
_MYSQL_GLOBAL = frozenset({"GLOBAL", "PERSIST", "PERSIST_ONLY"})


@dataclass(frozen=True)
class SqlFact:
    kind: str  # a statement kind named in the rule pages' [detect].sql lists
    construct: str  # what the message names, e.g. "SET statement_timeout"
    # False: sqlglot's parser raised on the statement (or the tokenizer stopped inside it), so
    # the fact was read from tokens alone. Kinds that only need their leading keywords are
    # reported either way; this flag lets the message say how sure it is.
    parsed: bool = True


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _too_large(text: str) -> bool:
    return len(text) * 4 > MAX_STATEMENT_BYTES and _utf8_len(text) > MAX_STATEMENT_BYTES


def normalize_placeholders(text: str) -> str:
    """Placeholders become ``1`` padded with spaces, ``%%`` becomes ``% ``: same length."""
    return _PLACEHOLDER.sub(_neutral, text)


def _neutral(match: re.Match) -> str:
    found = match.group()
    return "% " if found == "%%" else "1".ljust(len(found))


def might_pin(text: str) -> bool:
    """The cheap test: can this text hold a construct any rule reports?"""
    return bool(_TRIGGER.search(text)) or _too_large(text)


# Classified strings, per run and across runs (memo.py): a re-check of one edited module then
# rarely needs sqlglot, whose import alone costs 0.1 s.
_CLASSIFIED = memo.named("sql")


def classify(text: str, dialect: str = "postgres") -> tuple[SqlFact, ...]:
    """The session-scoped constructs in ``text`` (one or more statements), in order."""
    if not might_pin(text):
        return ()
    key = (text, "mysql" if dialect == "mysql" else "postgres")
    return _CLASSIFIED.get(key, lambda: _classify(*key))


def _classify(text: str, dialect: str) -> tuple[SqlFact, ...]:
    _load_sqlglot()
    facts: list[SqlFact] = []
    if _too_large(text):
        facts.append(SqlFact("statement_too_large", f"{_utf8_len(text)}-byte statement"))
    normalized = normalize_placeholders(text)
    tokens, complete = _tokenize(normalized, dialect)
    chunks = _split(tokens)
    for n, chunk in enumerate(chunks):
        stmt = _Stmt(chunk, text, normalized, dialect, complete or n < len(chunks) - 1)
        facts.extend(_statement_facts(stmt))
    return tuple(dict.fromkeys(facts))


# --- tokens -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _tokenizer_class(dialect: str) -> type:
    """The dialect's tokenizer without "commands": sqlglot folds the rest of a statement that
    starts with one (LOCK TABLES, PREPARE, DECLARE, EXECUTE, DO, ...) into a single string
    token, which would hide its keywords and calls from the classifier."""
    base = Dialect.get_or_raise(dialect).tokenizer_class
    return type(f"Flat{base.__name__}", (base,), {"COMMANDS": set()})


def _tokenize(sql: str, dialect: str) -> tuple[list[Token], bool]:
    """Tokens, and whether the tokenizer reached the end (an unterminated quote or comment
    stops it; the tokens before that point are still good)."""
    tokenizer = _tokenizer_class(dialect)(dialect=dialect)
    try:
        return tokenizer.tokenize(sql), True
    except Exception:  # sqlglot's TokenError, and whatever odd input provokes
        return list(tokenizer.tokens), False


def _word(tok: Token) -> str:
    """A token as an upper-case keyword; "" for literals, quoted names and non-ASCII text."""
    if tok.token_type in _LITERAL_TOKENS or not tok.text.isascii():
        return ""
    return " ".join(tok.text.upper().split())


def _split(tokens: list[Token]) -> list[list[Token]]:
    """Statements at top-level semicolons; a ``CREATE ... BEGIN ... END`` body is one."""
    out: list[list[Token]] = []
    cur: list[Token] = []
    depth = 0
    for tok in tokens:
        if tok.token_type == TokenType.SEMICOLON and depth <= 0:
            if cur:
                out.append(cur)
            cur, depth = [], 0
            continue
        cur.append(tok)
        depth = _body_depth(cur, depth)
    if cur:
        out.append(cur)
    return out


def _body_depth(cur: list[Token], depth: int) -> int:
    word = _word(cur[-1])
    prev = _word(cur[-2]) if len(cur) > 1 else ""
    if word == "BEGIN" and not depth and _creates_routine([_word(t) for t in cur[:_HEAD_WORDS]]):
        return 1
    if word == "BEGIN" and depth:
        return depth + 1
    if not depth:
        return 0
    if word == "CASE" and prev != "END":
        return depth + 1
    if word == "END":
        return depth - 1
    if prev == "END" and word in ("IF", "LOOP", "WHILE", "REPEAT"):
        return depth + 1  # END IF closes an IF, which was never counted
    return depth


def _creates_routine(words: list[str]) -> bool:
    """CREATE FUNCTION/PROCEDURE/TRIGGER/EVENT, whose BEGIN ... END body holds semicolons."""
    obj = next((w for w in words[1:] if w in _CREATE_OBJECTS), None)
    return words[:1] == ["CREATE"] and obj in ("FUNCTION", "PROCEDURE", "TRIGGER", "EVENT")


class _Stmt:
    """One statement: its tokens, with offsets into both the original and normalized text."""

    def __init__(self, tokens: list[Token], source: str, normalized: str, dialect: str,
                 complete: bool) -> None:
        self.tokens = tokens
        self.source = source
        self.normalized = normalized
        self.dialect = dialect
        self.complete = complete
        self.mysql = dialect == "mysql"

    @functools.cached_property
    def words(self) -> list[str]:
        """One keyword per token (aligned with ``tokens``)."""
        return [_word(tok) for tok in self.tokens]

    @functools.cached_property
    def flat(self) -> tuple[str, ...]:
        """Keywords with multi-word tokens (``LOCK TABLES``) split, for sequence tests."""
        return tuple(part for word in self.words for part in (word.split() or [""]))

    @property
    def head(self) -> tuple[str, ...]:
        return self.flat[:_HEAD_WORDS]

    @functools.cached_property
    def tree(self) -> exp.Expression | None:
        sql = self.normalized[self.tokens[0].start:self.tokens[-1].end + 1]
        try:
            return sqlglot.parse_one(sql, read=self.dialect)
        except Exception:  # sqlglot's ParseError, TokenError and the odd internal error
            return None

    @property
    def parsed(self) -> bool:
        return self.complete and self.tree is not None

    def text(self, first: int, last: int | None = None) -> str:
        """Original text of tokens first..last (inclusive), whitespace collapsed."""
        if first >= len(self.tokens):
            return ""
        end = self._end(self.tokens[first if last is None else last])
        return " ".join(self.source[self.tokens[first].start:end + 1].split())

    def _end(self, tok: Token) -> int:
        """Last offset of a token in the original text (a placeholder is longer than ``1``)."""
        if self.source[tok.start:tok.end + 1] == self.normalized[tok.start:tok.end + 1]:
            return tok.end
        match = _PLACEHOLDER.match(self.source, tok.start)
        return match.end() - 1 if match else tok.end

    def rewritten(self, i: int) -> bool:
        """Was token i changed by placeholder normalization?"""
        tok = self.tokens[i]
        return self.source[tok.start:tok.end + 1] != self.normalized[tok.start:tok.end + 1]

    def has(self, *seq: str) -> bool:
        n = len(seq)
        return any(self.flat[i:i + n] == seq for i in range(len(self.flat) - n + 1))


# --- statements ---------------------------------------------------------------------------

_Found = list[tuple[str, str]]  # (kind, construct)


def _statement_facts(st: _Stmt) -> list[SqlFact]:
    handler = (_MYSQL_HEADS if st.mysql else _PG_HEADS).get(st.head[0] if st.head else "")
    found: _Found = handler(st) if handler else []
    found += _call_facts(st)
    found += _mysql_user_variables(st) if st.mysql else _select_into_temp(st)
    if not found:
        return []
    return [SqlFact(kind, construct, st.parsed) for kind, construct in found]


def _form(words: tuple[str, ...], forms: tuple[tuple[str, ...], ...]) -> tuple[str, ...] | None:
    return next((form for form in forms if words[:len(form)] == form), None)


def _name_until_value(st: _Stmt, start: int, stop: int | None = None) -> str:
    """The original text of tokens from ``start`` up to ``=``, ``:=``, ``TO`` or ``stop``."""
    stop = len(st.tokens) if stop is None else stop
    end = start
    while end < stop and not (
        st.tokens[end].token_type in (TokenType.EQ, TokenType.COLON_EQ) or st.words[end] == "TO"
    ):
        end += 1
    return st.text(start, end - 1) if end > start else ""


def _pg_set(st: _Stmt) -> _Found:
    scope = st.head[1] if len(st.head) > 1 and st.head[1] in ("LOCAL", "SESSION") else ""
    if scope == "SESSION" and _form(st.head[1:], _PG_SET_FORMS):
        scope = ""  # SET SESSION AUTHORIZATION / SET SESSION CHARACTERISTICS
    rest = st.head[2 if scope else 1:]
    form = _form(rest, _PG_SET_FORMS)
    name = " ".join(form) if form else _name_until_value(st, 2 if scope else 1)
    if not name:
        return []
    local = scope == "LOCAL" or form in _PG_SET_XACT_FORMS
    construct = " ".join(part for part in ("SET", scope, name) if part)
    return [("set_local" if local else "set", construct)]


def _pg_reset(st: _Stmt) -> _Found:
    form = _form(st.head[1:], _PG_RESET_FORMS)
    name = " ".join(form) if form else st.text(1, len(st.tokens) - 1)
    return [("reset", f"RESET {name}".strip())]


def _pg_discard(st: _Stmt) -> _Found:
    return [("discard", " ".join(st.head[:2]))]


def _prepare(st: _Stmt) -> _Found:
    if not st.mysql and st.head[1:2] == ("TRANSACTION",):
        return []  # two-phase commit
    return [("prepare", "PREPARE")]


def _execute(st: _Stmt) -> _Found:
    return [("execute_prepared", "EXECUTE")] if len(st.tokens) > 1 else []


def _deallocate(st: _Stmt) -> _Found:
    if st.mysql:
        return [("deallocate", "DEALLOCATE PREPARE")] if st.head[1:2] == ("PREPARE",) else []
    return [("deallocate", "DEALLOCATE ALL" if "ALL" in st.head[1:3] else "DEALLOCATE")]


def _mysql_drop(st: _Stmt) -> _Found:
    return [("deallocate", "DROP PREPARE")] if st.head[1:2] == ("PREPARE",) else []


def _pg_listen(st: _Stmt) -> _Found:
    return [("listen", "LISTEN")]


def _pg_load(st: _Stmt) -> _Found:
    return [("load", "LOAD")]


def _pg_declare(st: _Stmt) -> _Found:
    before_query = st.flat[:st.flat.index("FOR")] if "FOR" in st.flat else st.flat
    hold = any(before_query[i:i + 2] == ("WITH", "HOLD") for i in range(len(before_query)))
    return [("declare_cursor", "DECLARE ... CURSOR WITH HOLD" if hold else "DECLARE ... CURSOR")]


def _create_object(st: _Stmt) -> int | None:
    """Index in ``head`` of the kind of object a CREATE makes (TABLE, VIEW, ...)."""
    return next((i for i, w in enumerate(st.head) if i and w in _CREATE_OBJECTS), None)


def _create(st: _Stmt) -> _Found:
    words = list(st.head[1:])
    if words[:2] == ["OR", "REPLACE"]:
        words = words[2:]
    if words[:1] in (["GLOBAL"], ["LOCAL"]):
        words = words[1:]
    if words[:1] not in (["TEMP"], ["TEMPORARY"]):
        return []
    obj = _create_object(st)
    shown = st.head[:obj + 1] if obj is not None else st.head[:len(st.head) - len(words) + 1]
    return [("temp_object", " ".join(shown))]


def _mysql_lock(st: _Stmt) -> _Found:
    if st.head[1:2] in (("TABLES",), ("TABLE",)):
        return [("lock_tables", " ".join(st.head[:2]))]
    return []


def _mysql_flush(st: _Stmt) -> _Found:
    if st.has("WITH", "READ", "LOCK"):
        return [("flush_tables_lock", "FLUSH TABLES WITH READ LOCK")]
    if st.has("FOR", "EXPORT"):  # holds table locks until UNLOCK TABLES, like the above
        return [("flush_tables_lock", "FLUSH TABLES ... FOR EXPORT")]
    return []


# --- MySQL SET ----------------------------------------------------------------------------


class _SetItem(NamedTuple):
    written: str  # as the construct shows it: "@x", "SESSION wait_timeout", "@@global.x"
    name: str  # bare variable name, lower case ("" for NAMES / CHARACTER SET / TRANSACTION)
    scope: str  # "", SESSION, LOCAL, GLOBAL, PERSIST, PERSIST_ONLY
    user: bool = False  # a user variable @x
    special: str = ""  # NAMES, CHARACTER SET, TRANSACTION


def _mysql_set(st: _Stmt) -> _Found:
    tree = st.tree
    items = _set_items_from_tree(tree) if isinstance(tree, exp.Set) else _set_items_from_tokens(st)
    tracked = _tracked_mysql()
    users = [item.written for item in items if item.user]
    system = [item.written for item in items if not item.user and not _exempt(item, tracked)]
    found: _Found = []
    if users:
        found.append(("user_variable", "SET " + ", ".join(users)))
    if system:
        found.append(("set", "SET " + ", ".join(system)))
    return found


def _exempt(item: _SetItem, tracked: frozenset[str]) -> bool:
    """Tracked by RDS Proxy: SET NAMES, CHARACTER SET, session TRANSACTION, tracked names."""
    if item.scope in _MYSQL_GLOBAL:
        return False
    return item.special in ("NAMES", "CHARACTER SET", "TRANSACTION") or item.name in tracked


def _set_items_from_tree(tree: exp.Set) -> list[_SetItem]:
    items = []
    for node in tree.expressions:
        kind = str(node.args.get("kind") or "").upper()
        if kind in ("NAMES", "CHARACTER SET", "TRANSACTION"):
            scope = "GLOBAL" if node.args.get("global_") else ""
            items.append(_SetItem(f"{scope} {kind}".strip(), "", scope, special=kind))
            continue
        target = node.this.this if isinstance(node.this, exp.EQ) else node.this
        if target is None:
            continue
        written = target.sql(dialect="mysql")
        if isinstance(target, exp.Parameter):
            items.append(_SetItem(written, target.name.lower(), "", user=True))
        elif isinstance(target, exp.SessionParameter):
            scope = str(target.args.get("kind") or "").upper()
            items.append(_SetItem(written, target.name.lower(), scope))
        else:
            items.append(_SetItem(f"{kind} {written}".strip(), target.name.lower(), kind))
    return items


def _set_items_from_tokens(st: _Stmt) -> list[_SetItem]:
    """The token reading of ``SET a = 1, @b := 2, GLOBAL c = 3`` when sqlglot cannot parse it."""
    items = (_set_item(st, group) for group in _top_level_groups(st, 1, len(st.tokens)))
    return [item for item in items if item is not None]


def _set_item(st: _Stmt, group: range) -> _SetItem | None:
    words = tuple(st.words[i] for i in group)
    scope = words[0] if words and words[0] in _MYSQL_SCOPES else ""
    first = group.start + (1 if scope else 0)
    special = _mysql_set_special(words[1:] if scope else words)
    if special:
        return _SetItem(f"{scope} {special}".strip(), "", scope, special=special)
    name = _name_until_value(st, first, group.stop)
    if not name:
        return None
    if st.tokens[first].token_type == TokenType.PARAMETER:
        return _SetItem(name, name[1:].strip("`'\"").lower(), "", user=True)
    written, bare = f"{scope} {name}".strip(), name.lower()
    if bare.startswith("@@"):  # @@x, @@session.x, @@global.x
        prefix, dot, tail = bare[2:].partition(".")
        if dot and prefix.upper() in _MYSQL_SCOPES:
            scope, bare = prefix.upper(), tail
        else:
            bare = bare[2:]
    return _SetItem(written, bare.strip("`"), scope)


def _mysql_set_special(words: tuple[str, ...]) -> str:
    if words[:1] == ("NAMES",):
        return "NAMES"
    if words[:1] == ("CHARSET",) or words[:2] in (("CHARACTER", "SET"), ("CHAR", "SET")):
        return "CHARACTER SET"
    return "TRANSACTION" if words[:1] == ("TRANSACTION",) else ""


@functools.lru_cache(maxsize=1)
def _tracked_mysql() -> frozenset[str]:
    data = catalog.load().targets.get("rds-proxy", {})
    return frozenset(v.lower() for v in data.get("mysql-tracked-variables", ()))


def _top_level_groups(st: _Stmt, start: int, stop: int) -> list[range]:
    """Token index ranges between the commas at parenthesis depth 0 in start..stop."""
    groups, depth, begin = [], 0, start
    for i in range(start, stop):
        kind = st.tokens[i].token_type
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if kind == TokenType.COMMA and depth == 0:
            groups.append(range(begin, i))
            begin = i + 1
    groups.append(range(begin, stop))
    return groups


# --- calls, user variables, SELECT INTO TEMP --------------------------------------------------


def _defines_code(st: _Stmt) -> bool:
    """Statements whose calls run later, elsewhere: CREATE VIEW/FUNCTION/..., PREPARE."""
    if st.head[:1] == ("PREPARE",):
        return True
    obj = _create_object(st) if st.head[:1] == ("CREATE",) else None
    return obj is not None and st.head[obj] in _DEFINES_CODE


def _calls(st: _Stmt) -> list[tuple[str, int]]:
    """(lower-case name, token index) of every call ``name(`` the statement executes."""
    out = []
    for i in range(len(st.tokens) - 1):
        tok = st.tokens[i]
        if st.tokens[i + 1].token_type != TokenType.L_PAREN or not tok.text.isascii():
            continue
        if tok.token_type in _LITERAL_TOKENS and tok.token_type != TokenType.IDENTIFIER:
            continue
        if i and st.words[i - 1] in _NOT_A_CALL_AFTER:
            continue
        out.append((tok.text.lower(), i))
    return out


def _call_facts(st: _Stmt) -> _Found:
    if _defines_code(st):
        return []
    table = _MYSQL_CALLS if st.mysql else _PG_CALLS
    found: _Found = []
    for name, i in _calls(st):
        kind = table.get(name)
        if kind == "set_config":
            found.append(_set_config(st, i))
        elif kind is not None:
            found.append((kind, f"{name.upper()}()" if st.mysql else f"{name}()"))
    if st.mysql and "SQL_CALC_FOUND_ROWS" in st.words:
        found.append(("session_function", "SQL_CALC_FOUND_ROWS"))
    return found


def _call_args(st: _Stmt, open_paren: int) -> list[range]:
    """Token ranges of the arguments of the call whose ``(`` is at ``open_paren``."""
    depth = 0
    for i in range(open_paren, len(st.tokens)):
        kind = st.tokens[i].token_type
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if depth == 0:
            return [g for g in _top_level_groups(st, open_paren + 1, i) if g]
    return [g for g in _top_level_groups(st, open_paren + 1, len(st.tokens)) if g]  # unterminated


def _set_config(st: _Stmt, i: int) -> tuple[str, str]:
    args = _call_args(st, i + 1)
    name = _arg_text(st, args[0]) if args else "..."
    if len(args) != 3:
        return "set_config", f"set_config({name}, ...)"
    local = _bool_literal(st, args[2])
    third = _arg_text(st, args[2])
    return ("set_local" if local else "set_config"), f"set_config({name}, ..., {third})"


def _arg_text(st: _Stmt, arg: range) -> str:
    text = st.text(arg.start, arg.stop - 1) if arg else ""
    return text if 0 < len(text) <= 40 else "..."


def _bool_literal(st: _Stmt, arg: range) -> bool | None:
    """A literal boolean argument (``true``, ``'off'``, ``'t'::bool``); None for anything else."""
    words = [st.words[j] for j in arg]
    if len(words) == 3 and st.tokens[arg[1]].token_type == TokenType.DCOLON and words[2] in (
            "BOOL", "BOOLEAN"):
        arg = range(arg.start, arg.start + 1)
    if len(arg) != 1 or st.rewritten(arg.start):
        return None
    tok = st.tokens[arg.start]
    if tok.token_type in (TokenType.TRUE, TokenType.FALSE):
        return tok.token_type == TokenType.TRUE
    if tok.token_type == TokenType.STRING:
        value = tok.text.strip().lower()
        return True if value in _PG_TRUE else False if value in _PG_FALSE else None
    return None


def _user_variable(st: _Stmt, i: int) -> str:
    """``@name`` as written if tokens i, i+1 are one, else ""."""
    if i + 1 >= len(st.tokens) or st.tokens[i].token_type != TokenType.PARAMETER:
        return ""
    at, name = st.tokens[i], st.tokens[i + 1]
    if name.start != at.end + 1 or name.token_type in (TokenType.L_PAREN, TokenType.COMMA):
        return ""
    return st.text(i, i + 1)


def _mysql_user_variables(st: _Stmt) -> _Found:
    """``SELECT ... INTO @x, @y`` and ``@x := ...`` (a SET statement is read by _mysql_set)."""
    if st.head[:1] == ("SET",):
        return []
    found: _Found = []
    for i, word in enumerate(st.words):
        if word == "INTO":
            names = _into_variables(st, i + 1)
            if names:
                found.append(("user_variable", "SELECT ... INTO " + ", ".join(names)))
        elif st.tokens[i].token_type == TokenType.PARAMETER:
            var = _user_variable(st, i)
            if var and i + 2 < len(st.tokens) and st.tokens[i + 2].token_type == TokenType.COLON_EQ:
                found.append(("user_variable", f"{var} :="))
    return found


def _into_variables(st: _Stmt, i: int) -> list[str]:
    names = []
    while var := _user_variable(st, i):
        names.append(var)
        if i + 2 >= len(st.tokens) or st.tokens[i + 2].token_type != TokenType.COMMA:
            break
        i += 3
    return names


def _select_into_temp(st: _Stmt) -> _Found:
    """PostgreSQL ``SELECT ... INTO [GLOBAL|LOCAL] TEMP[ORARY] [TABLE] name``."""
    for i, word in enumerate(st.flat):
        if word != "INTO" or (i and st.flat[i - 1] in ("INSERT", "MERGE")):
            continue
        rest = st.flat[i + 1:i + 4]
        if rest[:1] in (("GLOBAL",), ("LOCAL",)):
            rest = rest[1:]
        if rest[:1] in (("TEMP",), ("TEMPORARY",)) and len(rest) > 1 and rest[1] != "FROM":
            return [("temp_object", f"SELECT ... INTO {rest[0]}")]
    return []


_PG_HEADS = {
    "SET": _pg_set, "RESET": _pg_reset, "DISCARD": _pg_discard, "PREPARE": _prepare,
    "EXECUTE": _execute, "DEALLOCATE": _deallocate, "LISTEN": _pg_listen, "LOAD": _pg_load,
    "DECLARE": _pg_declare, "CREATE": _create,
}
_MYSQL_HEADS = {
    "SET": _mysql_set, "PREPARE": _prepare, "EXECUTE": _execute, "DEALLOCATE": _deallocate,
    "DROP": _mysql_drop, "CREATE": _create, "LOCK": _mysql_lock, "FLUSH": _mysql_flush,
}
