"""Writes on datasources: register, update, delete, introspect, test, and edit schema descriptions."""

import logging
import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied, ValidationError
from sqlalchemy import exc as sa_exc

from datasources import crypto, engines, introspection
from datasources.errors import ConnectionFailed, DatasourceUnavailable, RegistrationRefused
from datasources.models import Column, DataSource, Table
from datasources.registration import check_datasource

logger = logging.getLogger(__name__)

NETWORK_FIELDS = ("host", "port", "database", "username")
EDITABLE_FIELDS = ("name", "description", "host", "port", "database", "username", "sqlite_path", "schema")


def _normalise(datasource: DataSource) -> None:
    """Clear the fields that do not belong to the datasource's engine."""
    engine = engines.ENGINES.get(datasource.engine)
    if engine is not None and not engine.network:
        datasource.host, datasource.port, datasource.database, datasource.username = "", None, "", ""
        datasource.password_encrypted = ""
        datasource.schema = ""
    else:
        datasource.sqlite_path = ""


def _check_rules(datasource: DataSource) -> None:
    """Registration rules; a missing SQLite file is refused here rather than reported as unreachable."""
    engine = engines.ENGINES.get(datasource.engine)
    if engine is None:
        raise ValidationError({"engine": [gettext("Choose %(engines)s.") % {"engines": ", ".join(engines.ENGINES)}]})
    if not engine.network and not datasource.sqlite_path:
        raise ValidationError(
            {"sqlite_path": [gettext("This field is required for %(engine)s.") % {"engine": engine.label}]}
        )
    if engine.network:
        missing = [f for f in ("host", "database") if not getattr(datasource, f)]
        if missing:
            raise ValidationError({f: [_("This field is required for this engine.")] for f in missing})
    try:
        check_datasource(datasource)
    except DatasourceUnavailable:
        raise RegistrationRefused(_("The SQLite file does not exist in the datasource folder."), field="sqlite_path")


def datasource_create(
    *,
    owner,
    name: str,
    engine: str,
    description: str = "",
    host: str = "",
    port: int | None = None,
    database: str = "",
    username: str = "",
    password: str = "",
    sqlite_path: str = "",
    schema: str = "",
    is_demo: bool = False,
) -> DataSource:
    """Register a datasource after checking the registration rules; the password is stored encrypted."""
    datasource = DataSource(
        owner=owner,
        name=name,
        engine=engine,
        description=description,
        host=(host or "").strip(),
        port=port,
        database=database,
        username=username,
        password_encrypted=crypto.encrypt(password),
        sqlite_path=sqlite_path,
        schema=schema,
        is_demo=is_demo,
    )
    _normalise(datasource)
    _check_rules(datasource)
    datasource.save()
    return datasource


def _ensure_editable(datasource: DataSource, user) -> None:
    if datasource.is_demo or datasource.owner_id != getattr(user, "pk", None):
        raise PermissionDenied(_("Demo datasources are shared and read-only."))


def datasource_update(*, datasource: DataSource, user, **fields) -> DataSource:
    """Change a user's own datasource; `password` replaces the stored one only when given."""
    _ensure_editable(datasource, user)
    password = fields.pop("password", None)
    for key, value in fields.items():
        if key in EDITABLE_FIELDS:
            setattr(datasource, key, value.strip() if key == "host" and isinstance(value, str) else value)
    if password:
        datasource.password_encrypted = crypto.encrypt(password)
    _normalise(datasource)
    _check_rules(datasource)
    datasource.save()
    return datasource


def datasource_delete(*, datasource: DataSource, user) -> None:
    """Delete a user's own datasource with its schema and the conversations that use it."""
    _ensure_editable(datasource, user)
    datasource.delete()


def datasource_introspect(*, datasource: DataSource) -> DataSource:
    """Re-read the schema into Table/Column, keeping descriptions of tables and columns that still exist."""
    tables = introspection.read_schema(datasource)
    with transaction.atomic():
        existing = {(t.schema, t.name): t for t in Table.objects.filter(datasource=datasource)}
        kept_ids = set()
        for position, info in enumerate(tables):
            table = existing.get((info.schema, info.name)) or Table(datasource=datasource, name=info.name)
            table.schema = info.schema
            table.position = position
            table.row_estimate = info.row_estimate
            if not table.description:
                table.description = info.comment
            table.save()
            kept_ids.add(table.pk)
            old_columns = {c.name: c for c in table.columns.all()}
            new_columns, changed = [], []
            for col_position, col in enumerate(info.columns):
                column = old_columns.pop(col.name, None)
                target = column or Column(table=table, name=col.name)
                target.type = col.type
                target.nullable = col.nullable
                target.primary_key = col.primary_key
                target.references = col.references
                target.samples = col.samples
                target.position = col_position
                if not target.description:
                    target.description = col.comment
                (changed if column else new_columns).append(target)
            if old_columns:
                Column.objects.filter(pk__in=[c.pk for c in old_columns.values()]).delete()
            Column.objects.bulk_update(
                changed, ["type", "nullable", "primary_key", "references", "samples", "position", "description"]
            )
            Column.objects.bulk_create(new_columns)
        Table.objects.filter(datasource=datasource).exclude(pk__in=kept_ids).delete()
        datasource.introspected_at = timezone.now()
        datasource.save(update_fields=["introspected_at", "updated_at"])
    return datasource


def datasource_introspect_for(*, datasource: DataSource, user) -> DataSource:
    """Introspect on a user's request: owners their own datasources, staff also the demo sets."""
    if datasource.is_demo and not getattr(user, "is_staff", False):
        raise PermissionDenied(_("Only staff can re-read the schema of a shared demo datasource."))
    if not datasource.is_demo and datasource.owner_id != getattr(user, "pk", None):
        raise PermissionDenied()
    return datasource_introspect(datasource=datasource)


def datasource_test(*, datasource: DataSource, user) -> dict:
    """Connect through the one connect function and report the server version, latency and write warnings."""
    engine = engines.get(datasource.engine)
    started = time.monotonic()
    try:
        with engines.connect(datasource, timeout=5) as conn:
            raw = conn.connection.driver_connection
            engine.check_connection(raw)
            version = engine.server_version(raw)
            latency_ms = int((time.monotonic() - started) * 1000)
            warnings = engine.write_warnings(raw)
    except DatasourceUnavailable:
        raise ConnectionFailed()
    except (sa_exc.DBAPIError, *engines.DRIVER_ERRORS) as exc:
        # Never echo a driver message here: it can name hosts, ports or users.
        logger.info("Connection test of datasource %s failed (%s).", datasource.pk, type(exc).__name__)
        raise ConnectionFailed()
    return {"ok": True, "server_version": version, "latency_ms": latency_ms, "warnings": warnings}


def schema_update_descriptions(*, datasource: DataSource, user, tables: list[dict]) -> None:
    """Set table and column descriptions by name; unknown names are a 400 and nothing changes."""
    _ensure_editable(datasource, user)
    stored = {t.name: t for t in Table.objects.filter(datasource=datasource).prefetch_related("columns")}
    errors = []
    for item in tables:
        table = stored.get(item["name"])
        if table is None:
            errors.append(gettext("Unknown table %(table)r.") % {"table": item["name"]})
            continue
        known = {c.name for c in table.columns.all()}
        errors += [
            gettext("Unknown column %(table)s.%(column)r.") % {"table": item["name"], "column": c["name"]}
            for c in item.get("columns", [])
            if c["name"] not in known
        ]
    if errors:
        raise ValidationError({"tables": errors})
    with transaction.atomic():
        for item in tables:
            table = stored[item["name"]]
            if "description" in item:
                table.description = item["description"]
                table.save(update_fields=["description"])
            columns = {c.name: c for c in table.columns.all()}
            changed = []
            for col in item.get("columns", []):
                if "description" in col:
                    column = columns[col["name"]]
                    column.description = col["description"]
                    changed.append(column)
            Column.objects.bulk_update(changed, ["description"])
        # The schema's version: prompts built from a cached schema (chat.schema_context) see the edit.
        datasource.save(update_fields=["updated_at"])
