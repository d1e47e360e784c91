"""The database engines chatAPI can query, and the one way to connect to a datasource.

Each engine is one module here holding an `Engine` (see `base`); `ENGINES` is the
only list of engines in the code: choices, the SQL guard's dialects and denial
lists, the schema context's quoting and the services all read it. Adding an
engine means adding one module and naming it in `_MODULES` (plus the migration
Django writes for the model's new choice).

`connect()` re-checks the registration rules, then opens a fresh SQLAlchemy
connection (NullPool: nothing a query changed survives it) over the engine's
read-only DBAPI connection; introspection and the connection test use it.
`stream_query()` (and `run_query()` on top of it) is the engine layer on its own
(no SQL guard): `executor.execute()` calls it with any SQL after the guard, and
introspection only with its own SQL (names quoted by the engine), under the same
deadline and caps.
"""

from __future__ import annotations

import importlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from datasources.engines.base import Budget, Engine, RowStream
from datasources.errors import DatasourceUnavailable, RegistrationRefused

_MODULES = ("sqlite", "postgresql", "mysql")

ENGINES: dict[str, Engine] = {
    engine.name: engine for engine in (importlib.import_module(f"{__name__}.{m}").ENGINE for m in _MODULES)
}

#: every DBAPI driver's base exception
DRIVER_ERRORS: tuple[type[BaseException], ...] = tuple(e for engine in ENGINES.values() for e in engine.driver_errors)


def choices() -> list[tuple[str, str]]:
    """(name, label) of every engine, for model and serializer choices."""
    return [(engine.name, engine.label) for engine in ENGINES.values()]


def get(name: str) -> Engine:
    """The engine called `name`; `RegistrationRefused` for an unknown one."""
    try:
        return ENGINES[name]
    except KeyError:
        raise RegistrationRefused(_("Unknown database engine."))


def open_dbapi(datasource, *, timeout: float, introspection: bool = False):
    """Check the registration rules, then open a read-only DBAPI connection to `datasource`."""
    from datasources.registration import connect_target

    checked = connect_target(datasource)
    return get(datasource.engine).open(datasource, timeout=timeout, introspection=introspection, checked=checked)


@contextmanager
def connect(datasource, *, timeout: float | None = None, introspection: bool = False) -> Iterator[Connection]:
    """Yield a fresh, read-only SQLAlchemy connection to `datasource`; closed (never pooled) afterwards.

    Raises `RegistrationRefused` when the settings break a rule and a generic
    `DatasourceUnavailable` when the database cannot be reached or refuses the login.
    """
    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    raw = open_dbapi(datasource, timeout=timeout, introspection=introspection)
    engine = create_engine(get(datasource.engine).sa_driver, creator=lambda: raw, poolclass=NullPool)
    try:
        try:
            conn = engine.connect()
        except sa_exc.DBAPIError:
            raise DatasourceUnavailable()
        try:
            yield conn
        finally:
            try:
                conn.rollback()
                conn.close()
            except sa_exc.DBAPIError:
                pass
    finally:
        # Closing a broken connection must not hide the error that broke it.
        with suppress(*DRIVER_ERRORS):
            raw.close()
        engine.dispose()


@contextmanager
def stream_query(
    datasource, sql: str, *, timeout: float | None = None, budget: Budget | None = None
) -> Iterator[tuple[list[str], RowStream]]:
    """Run one statement read-only; yield (column names, an iterator that fetches the rows as they are read).

    This is the engine layer alone: it does NOT run the SQL guard. SQL from a user or a
    model goes through `executor.execute()`, which guards first and then calls this;
    introspection calls it with its own SQL only. Leaving the
    `with` early fetches no more rows and stops the statement. The statement's work
    ends within `timeout` (plus a short grace), and at most `budget` (default: the
    settings' `RESULT_MAX_BYTES` and `RESULT_MAX_COLUMNS`) reaches this process;
    the rows' `cut` says when the engine stopped at the byte budget.
    """
    from datasources.registration import connect_target

    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    engine = get(datasource.engine)
    checked = connect_target(datasource)
    budget = budget or Budget.from_settings()
    with engine.stream(datasource, sql, timeout=timeout, budget=budget, checked=checked) as (columns, rows):
        yield columns, rows


def run_query(datasource, sql: str, *, fetch_limit: int, timeout: float | None = None) -> tuple[list[str], list]:
    """Run one statement read-only and return (column names, at most `fetch_limit` raw rows); no SQL guard."""
    with stream_query(datasource, sql, timeout=timeout) as (columns, rows):
        return columns, list(itertools.islice(rows, fetch_limit))
