"""The SQL guard: one read-only query per call, parsed in the datasource's dialect, or `GuardRejected`.

Layers 1-3 of SECURITY.md: parse with sqlglot (fail closed), exactly one statement
whose root is a query, a walk of the whole tree for writes, DDL, `INTO`, locks,
session/transaction control and denied functions, and regeneration of the SQL
without comments (MySQL's executable `/*! */` comments included). The engine
layer (read-only transactions, authorizer, timeouts) lives in `connectors`.
"""

import sqlglot
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL
from sqlglot.errors import SqlglotError

from datasources.errors import GuardRejected

# Our engine names -> sqlglot dialect names.
DIALECTS = {"sqlite": "sqlite", "postgresql": "postgres", "mysql": "mysql"}

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

_COMMON_DENIED = {"sleep", "benchmark", "load_file", "load_extension"}

# Functions that read or write files, sleep, lock, control the server or open other connections.
DENIED_FUNCTIONS: dict[str, set[str]] = {
    "postgresql": {
        "pg_sleep",
        "pg_sleep_for",
        "pg_sleep_until",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "pg_stat_file",
        "pg_file_write",
        "pg_file_read",
        "pg_file_rename",
        "pg_file_unlink",
        "pg_logdir_ls",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_promote",
        "pg_switch_wal",
        "pg_create_restore_point",
        "pg_backup_start",
        "pg_backup_stop",
        "pg_start_backup",
        "pg_stop_backup",
        "pg_notify",
        "pg_export_snapshot",
        "pg_import_system_collations",
        "pg_log_backend_memory_contexts",
        "pg_log_standby_snapshot",
        "pg_sync_replication_slots",
        "pg_hba_file_rules",
        "pg_ident_file_mappings",
        "pg_show_all_file_settings",
        "pg_stat_statements_reset",
        "pg_nextoid",
        "get_raw_page",
        "set_config",
        "current_setting",
        # Functions that run a query handed to them as text, out of the guard's sight.
        "ts_stat",
        "ts_rewrite",
        "crosstab",  # tablefunc
        "connectby",  # tablefunc: builds SQL from its text arguments
        "query_to_xml",
        "query_to_xmlschema",
        "query_to_xml_and_xmlschema",
        "cursor_to_xml",
        "cursor_to_xmlschema",
        "table_to_xml",
        "table_to_xmlschema",
        "table_to_xml_and_xmlschema",
        "schema_to_xml",
        "schema_to_xmlschema",
        "schema_to_xml_and_xmlschema",
        "database_to_xml",
        "database_to_xmlschema",
        "database_to_xml_and_xmlschema",
        "nextval",
        "setval",
        "txid_current",
        "pg_current_xact_id",
        "dblink",
        "dblink_exec",
        "dblink_connect",
        "dblink_connect_u",
        "dblink_send_query",
        "dblink_open",
        "dblink_fetch",
        "lo_import",
        "lo_export",
        "lo_open",
        "lo_get",
        "lo_put",
        "lo_from_bytea",
        "lo_create",
        "lo_creat",
        "lo_unlink",
        "lo_truncate",
        "lowrite",
        "loread",
        "http",  # pgsql-http / pg_net: requests from the database server
    }
    | _COMMON_DENIED,
    "sqlite": {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zipfile", "sqlar_compress"}
    | _COMMON_DENIED,
    "mysql": {
        "sleep",
        "benchmark",
        "load_file",
        "get_lock",
        "release_lock",
        "release_all_locks",
        "is_free_lock",
        "is_used_lock",
        "master_pos_wait",
        "source_pos_wait",
        "wait_for_executed_gtid_set",
        "wait_until_sql_thread_after_gtids",
        "sys_exec",
        "sys_eval",
    }
    | _COMMON_DENIED,
}

# Name prefixes denied as a family (advisory locks, replication slots, large objects, pragmas as tables).
DENIED_PREFIXES: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "pg_advisory",
        "pg_try_advisory",
        "pg_read_",
        "pg_ls_",
        "pg_file",
        "pg_create_",
        "pg_drop_",
        "pg_replication_",
        "pg_logical_",
        "pg_wal_replay",
        "pg_xlog_replay",
        "pg_copy_",
        "pg_backup_",
        "pg_rotate_",
        "pg_restore_",
        "pg_clear_",
        "pg_set_",
        "pg_buffercache_evict",
        "binary_upgrade_",
        "crosstab",
        "dblink",
        "postgres_fdw_",
        "lo_",
        "pg_stat_reset",
        "brin_summarize",
        "brin_desummarize",
        "gin_clean_pending",
        "pg_prewarm",
        "pg_background",
        "http_",
    ),
    "sqlite": ("pragma_", "sqlite_dbpage", "sqlite_dbdata"),
    "mysql": (),
}

# Schemas whose functions run SQL text or jobs (pg_cron's `cron.schedule`); any function called through them is refused.
DENIED_FUNCTION_SCHEMAS = {"cron"}

# Tables that hold secrets or files; refused by name in every schema.
DENIED_TABLES: dict[str, set[str]] = {
    "postgresql": {
        "pg_authid",
        "pg_shadow",
        "pg_user_mapping",
        "pg_user_mappings",
        "pg_largeobject",
        "pg_hba_file_rules",
    },
    "sqlite": {"sqlite_dbpage", "sqlite_dbdata", "sqlite_dbptr"},
    # Schema-qualified for MySQL: a user table may well be called `user`.
    "mysql": {"mysql.user", "mysql.global_grants", "mysql.db", "mysql.tables_priv"},
}


def _regexp_sql(self, expression: exp.RegexpLike) -> str:
    if expression.args.get("flag") or expression.args.get("full_match"):
        return self.function_fallback_sql(expression)
    # Parenthesised: + and * bind tighter than REGEXP, so `REGEXP_LIKE(a, b) + 1` must keep its meaning.
    return f"({self.binary(expression, 'REGEXP')})"


def _json_extract_scalar_sql(self, expression: exp.JSONExtractScalar) -> str:
    path = self.sql(expression, "expression")
    return f"JSON_UNQUOTE(JSON_EXTRACT({self.sql(expression, 'this')}, {path}))"


class _PortableMySQLGenerator(MySQL.Generator):
    """MySQL output that MariaDB runs too: `a REGEXP b` (MariaDB has no REGEXP_LIKE), `JSON_UNQUOTE(JSON_EXTRACT())`
    for `->>` (MariaDB has no arrow operators), and MEDIAN() as written (MariaDB's window function) rather
    than `PERCENTILE_CONT(x, 0.5)`, which neither server accepts."""

    SUPPORTS_MEDIAN = True
    TRANSFORMS = {
        **MySQL.Generator.TRANSFORMS,
        exp.RegexpLike: _regexp_sql,
        exp.JSONExtractScalar: _json_extract_scalar_sql,
    }


class ChatapiMySQL(MySQL):
    """sqlglot's MySQL dialect, generating SQL that both MySQL and MariaDB accept."""

    Generator = _PortableMySQLGenerator


def dialect_for(engine: str) -> str:
    """Return sqlglot's dialect name for one of our engine names."""
    try:
        return DIALECTS[engine]
    except KeyError:
        raise GuardRejected(gettext("Unknown SQL dialect %(engine)r.") % {"engine": engine})


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
_ALL_DENIED_FUNCTIONS = frozenset().union(*DENIED_FUNCTIONS.values())
_ALL_DENIED_PREFIXES = tuple(sorted({p for prefixes in DENIED_PREFIXES.values() for p in prefixes}))


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
            raise GuardRejected(
                gettext("Only read-only queries can run; %(statement)s is not allowed.")
                % {"statement": node.key.upper()}
            )
        if isinstance(node, exp.Select) and (node.args.get("into") or node.args.get("locks")):
            raise GuardRejected(
                _("Only read-only queries can run; SELECT ... INTO and locking clauses are not allowed.")
            )
        if isinstance(node, exp.Func):
            for name in _function_names(node):
                if _is_denied_name(name, engine):
                    raise GuardRejected(gettext("The function %(name)s() is not allowed.") % {"name": name})
            schema = _function_schema(node)
            if schema in DENIED_FUNCTION_SCHEMAS:
                raise GuardRejected(gettext("Functions in the schema %(schema)s are not allowed.") % {"schema": schema})
        if isinstance(node, exp.Table):
            name = node.name.lower()
            qualified = f"{node.db.lower()}.{name}" if node.db else name
            denied = DENIED_TABLES[engine]
            if name in denied or qualified in denied or name.startswith(("pragma_", "sqlite_db")):
                raise GuardRejected(gettext("The table %(table)s cannot be queried.") % {"table": node.name})
        if isinstance(node, exp.Parameter | exp.Placeholder):
            raise GuardRejected(_("Query parameters and placeholders are not allowed."))


def parse(sql: str, dialect: str) -> exp.Query:
    """Parse `sql` into exactly one query tree in `dialect` (our engine name), or raise GuardRejected."""
    engine = dialect if dialect in DIALECTS else {v: k for k, v in DIALECTS.items()}.get(dialect, dialect)
    read = dialect_for(engine)
    if not isinstance(sql, str) or not sql.strip():
        raise GuardRejected(_("The SQL is empty."))
    if "\x00" in sql:
        raise GuardRejected(_("The SQL contains a NUL character."))
    try:
        statements = [s for s in sqlglot.parse(sql, read=read) if s is not None]
    except SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "syntax error"
        raise GuardRejected(gettext("The SQL could not be parsed: %(reason)s") % {"reason": first[:200]})
    if not statements:
        raise GuardRejected(_("The SQL contains no statement."))
    if len(statements) > 1:
        raise GuardRejected(_("Only one statement can run at a time."))
    tree = statements[0]
    root = tree.this if isinstance(tree, exp.Subquery) else tree
    while isinstance(root, exp.Subquery):
        root = root.this
    if isinstance(tree, exp.Command) or not isinstance(root, exp.Select | exp.SetOperation):
        raise GuardRejected(_("Only a SELECT query (with optional WITH, UNION, INTERSECT or EXCEPT) can run."))
    _walk_and_check(tree, engine)
    return root


def check(sql: str, dialect: str) -> str:
    """Return the regenerated, comment-free SQL of a single read-only query, or raise GuardRejected."""
    tree = parse(sql, dialect)
    return _generate(tree, dialect)


def _generate(tree: exp.Expr, dialect: str) -> str:
    engine = dialect if dialect in DIALECTS else {v: k for k, v in DIALECTS.items()}.get(dialect, dialect)
    write = ChatapiMySQL if engine == "mysql" else dialect_for(engine)
    try:
        return tree.sql(dialect=write, comments=False)
    except SqlglotError as exc:
        raise GuardRejected(
            gettext("The SQL could not be regenerated: %(reason)s") % {"reason": str(exc).splitlines()[0][:200]}
        )


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
