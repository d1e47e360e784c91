"""The SQL guard: one read-only query per call, parsed in the datasource's dialect, or `GuardRejected`.

Layers 1-3 of SECURITY.md: parse with sqlglot (fail closed), exactly one statement
whose root is a query, a walk of the whole tree for writes, DDL, `INTO`, locks,
session/transaction control and denied functions, and regeneration of the SQL
without comments (MySQL's executable `/*! */` comments included). The engine
layer (read-only transactions, authorizer, timeouts) lives in `engines`.
"""

import functools

import sqlglot
from django.utils.translation import gettext
from sqlglot import exp
from sqlglot.errors import SqlglotError

from datasources import engines
from datasources.errors import GuardRejected

# Statement and clause nodes that never belong in a read-only query, wherever they nest.
DENIED_NODES: tuple[type[exp.Expr], ...] = (
    exp.Insert,
    exp.Update,
    exp.Delete,
    exp.Merge,
    exp.Create,
    exp.Drop,
    exp.Alter,
    exp.TruncateTable,
    exp.Command,
    exp.Pragma,
    exp.Attach,
    exp.Detach,
    exp.Copy,
    exp.Set,
    exp.Transaction,
    exp.Commit,
    exp.Rollback,
    exp.Into,
    exp.Lock,
    exp.LockingStatement,
    exp.Grant,
    exp.Revoke,
    exp.Use,
    exp.LoadData,
    exp.Analyze,
    exp.Cache,
    exp.Uncache,
    exp.Refresh,
    exp.Execute,
    exp.Declare,
    exp.Kill,
    exp.Describe,
    exp.Show,
    exp.Comment,
)

# Denied on every engine, whatever the engine's own lists say.
_COMMON_DENIED = {"sleep", "benchmark", "load_file", "load_extension"}
# Tables named like SQLite's pragma functions and page readers, refused on every engine.
_COMMON_DENIED_TABLE_PREFIXES = ("pragma_", "sqlite_db")

# Schemas whose functions run SQL text or jobs (pg_cron's `cron.schedule`); any function called through them is refused.
DENIED_FUNCTION_SCHEMAS = {"cron"}


def _engine_name(dialect: str) -> str:
    """Our engine name for `dialect`, given as our engine name or as sqlglot's dialect name."""
    if dialect in engines.ENGINES:
        return dialect
    for engine in engines.ENGINES.values():
        if engine.sqlglot_dialect == dialect:
            return engine.name
    raise GuardRejected(f"Unknown SQL dialect {dialect!r}.")


def dialect_for(engine: str) -> str:
    """Return sqlglot's dialect name for one of our engine names."""
    try:
        return engines.ENGINES[engine].sqlglot_dialect
    except KeyError:
        raise GuardRejected(f"Unknown SQL dialect {engine!r}.")


def _function_names(node: exp.Func) -> set[str]:
    """Every name a function node may be called by (its SQL name and, when unknown to sqlglot, the raw name)."""
    names = set()
    if isinstance(node, exp.Anonymous):
        names.add(node.name.lower())
    else:
        names.add(node.sql_name().lower())
        names.add(node.key.lower())
    return names


# Every dialect refuses every listed name: a name that means nothing on one engine costs nothing to refuse.
_ALL_DENIED_FUNCTIONS = frozenset(_COMMON_DENIED).union(*(e.denied_functions for e in engines.ENGINES.values()))
_ALL_DENIED_PREFIXES = tuple(sorted({p for e in engines.ENGINES.values() for p in e.denied_prefixes}))


def _is_denied_name(name: str, engine: str) -> bool:
    return name in _ALL_DENIED_FUNCTIONS or name.startswith(_ALL_DENIED_PREFIXES)


def _function_schema(node: exp.Func) -> str:
    """The schema a function is called through (`cron` in `cron.schedule(...)`), or ''."""
    parent = node.parent
    if isinstance(parent, exp.Dot) and parent.expression is node:
        qualifier = parent.this.expression if isinstance(parent.this, exp.Dot) else parent.this
        return qualifier.name.lower()
    if isinstance(parent, exp.Table) and parent.this is node:
        return parent.db.lower()
    return ""


def _walk_and_check(tree: exp.Expr, engine: str) -> None:
    for node in tree.walk():
        if isinstance(node, DENIED_NODES):
            raise GuardRejected(f"Only read-only queries can run; {node.key.upper()} is not allowed.")
        if isinstance(node, exp.Select) and (node.args.get("into") or node.args.get("locks")):
            raise GuardRejected("Only read-only queries can run; SELECT ... INTO and locking clauses are not allowed.")
        if isinstance(node, exp.Func):
            for name in _function_names(node):
                if _is_denied_name(name, engine):
                    raise GuardRejected(f"The function {name}() is not allowed.")
            schema = _function_schema(node)
            if schema in DENIED_FUNCTION_SCHEMAS:
                raise GuardRejected(f"Functions in the schema {schema} are not allowed.")
        if isinstance(node, exp.Table):
            name = node.name.lower()
            qualified = f"{node.db.lower()}.{name}" if node.db else name
            known = engines.ENGINES[engine]
            denied, prefixes = known.denied_tables, _COMMON_DENIED_TABLE_PREFIXES + known.denied_table_prefixes
            if name in denied or qualified in denied or name.startswith(prefixes):
                raise GuardRejected(f"The table {node.name} cannot be queried.")
            if node.db and node.db.lower() in known.denied_schemas:
                raise GuardRejected(f"Tables in the schema {node.db} cannot be queried.")
        if isinstance(node, exp.Parameter | exp.Placeholder):
            raise GuardRejected("Query parameters and placeholders are not allowed.")


# Deeper nesting than this (brackets, or expressions sqlglot builds recursively) is refused before
# parsing: sqlglot's parser and generator recurse once per level, and Python's stack is finite.
MAX_NESTING = 50
MAX_SQL_CHARS = 100_000
_TOO_COMPLEX = "The SQL is nested too deeply or is too long to check; simplify it."


def _nesting(sql: str) -> int:
    """The deepest bracket nesting of `sql` outside quoted strings and identifiers."""
    depth = deepest = 0
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth -= 1
    return deepest


def _fail_closed(function):
    """Turn any failure of the parser itself (deep recursion, an internal error) into `GuardRejected`."""

    @functools.wraps(function)
    def guarded(sql, dialect, *args, **kwargs):
        if isinstance(sql, str) and (len(sql) > MAX_SQL_CHARS or _nesting(sql) > MAX_NESTING):
            raise GuardRejected(gettext(_TOO_COMPLEX))
        try:
            return function(sql, dialect, *args, **kwargs)
        except RecursionError:
            raise GuardRejected(gettext(_TOO_COMPLEX))
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            # sqlglot failing on input it does not expect: nothing it half-read may run.
            raise GuardRejected(gettext("The SQL could not be parsed."))

    return guarded


@_fail_closed
def parse(sql: str, dialect: str) -> exp.Query:
    """Parse `sql` into exactly one query tree in `dialect` (our engine name), or raise GuardRejected."""
    engine = _engine_name(dialect)
    read = dialect_for(engine)
    if not isinstance(sql, str) or not sql.strip():
        raise GuardRejected("The SQL is empty.")
    if "\x00" in sql:
        raise GuardRejected("The SQL contains a NUL character.")
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise GuardRejected(f"The SQL could not be parsed: {first[:200]}")
    if not statements:
        raise GuardRejected("The SQL contains no statement.")
    if len(statements) > 1:
        raise GuardRejected("Only one statement can run at a time.")
    tree = statements[0]
    root = tree.this if isinstance(tree, exp.Subquery) else tree
    while isinstance(root, exp.Subquery):
        root = root.this
    if isinstance(tree, exp.Command) or not isinstance(root, exp.Select | exp.SetOperation):
        raise GuardRejected("Only a SELECT query (with optional WITH, UNION, INTERSECT or EXCEPT) can run.")
    _walk_and_check(tree, engine)
    return root


@_fail_closed
def check(sql: str, dialect: str) -> str:
    """Return the regenerated, comment-free SQL of a single read-only query, or raise GuardRejected."""
    tree = parse(sql, dialect)
    return _generate(tree, dialect)


def _generate(tree: exp.Expr, dialect: str) -> str:
    engine = _engine_name(dialect)
    write = engines.ENGINES[engine].sqlglot_writer or dialect_for(engine)
    try:
        return tree.sql(dialect=write, comments=False)
    except SqlglotError as exc:
        raise GuardRejected(f"The SQL could not be regenerated: {str(exc).splitlines()[0][:200]}")


@_fail_closed
def apply_row_cap(sql: str, dialect: str, limit: int) -> str:
    """Return `sql` (already checked) with at most `limit` rows, the cap applied in SQL.

    A query without LIMIT gets one; a literal LIMIT above the cap is lowered; anything
    else (OFFSET, FETCH, computed limits) is wrapped as `SELECT * FROM (...) LIMIT n`.
    """
    tree = parse(sql, dialect)
    existing = tree.args.get("limit")
    has_offset = tree.args.get("offset") is not None
    if existing is None and not has_offset:
        tree.set("limit", exp.Limit(expression=exp.Literal.number(limit)))
    elif (
        isinstance(existing, exp.Limit)
        and not has_offset
        and isinstance(existing.expression, exp.Literal)
        and existing.expression.is_int
    ):
        if int(existing.expression.name) > limit:
            existing.set("expression", exp.Literal.number(limit))
    else:
        wrapped = exp.select("*").from_(tree.subquery("chatapi_capped")).limit(limit)
        return _generate(wrapped, dialect)
    return _generate(tree, dialect)
