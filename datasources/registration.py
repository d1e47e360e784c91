"""Registration rules for connection settings, checked at registration and again at every connect.

Network hosts must match `DATASOURCE_ALLOWED_HOSTS` (unless the owner is staff or
the datasource is an operator-registered demo), the app's own database is always
refused, and SQLite paths must name an existing file inside `DATASOURCE_SQLITE_DIR`.
"""

import fnmatch
import os
import re
import socket
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.conf import settings
from django.db import connections

from datasources import engines
from datasources.errors import DatasourceUnavailable, RegistrationRefused

_HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_APP_DB_MESSAGE = "The application's own database cannot be registered as a datasource."


def validate_host(host: str, *, exempt: bool) -> str:
    """Return the normalised host, or raise RegistrationRefused if it is malformed or not allowed."""
    host = (host or "").strip()
    if not host or not _HOST_RE.match(host) or "," in host:
        raise RegistrationRefused("Enter a valid host name or IP address.", field="host")
    host = host.strip("[]")
    if exempt:
        return host
    allowed = [pattern.strip().lower() for pattern in settings.DATASOURCE_ALLOWED_HOSTS if pattern.strip()]
    if not any(fnmatch.fnmatchcase(host.lower(), pattern) for pattern in allowed):
        raise RegistrationRefused("This host is not in the list of allowed datasource hosts.", field="host")
    return host


def validate_port(port) -> None:
    """Refuse ports outside 1-65535 (an empty port means the engine's default)."""
    if port in (None, ""):
        return
    if not isinstance(port, int) or not 0 < port < 65536:
        raise RegistrationRefused("Enter a port between 1 and 65535.", field="port")


def sqlite_root() -> Path:
    """The folder all SQLite datasources live in, symlinks resolved."""
    return Path(settings.DATASOURCE_SQLITE_DIR).resolve()


def check_sqlite_path_shape(relative: str) -> PurePosixPath:
    """Refuse absolute paths, `..`, URI syntax and odd characters before the file system is touched."""
    if not isinstance(relative, str) or not relative.strip():
        raise RegistrationRefused(
            "Enter the SQLite file's path relative to the datasource folder.", field="sqlite_path"
        )
    if relative != relative.strip() or any(ch in relative for ch in ("\x00", "?", "#", "\\")) or len(relative) > 400:
        raise RegistrationRefused("The SQLite path contains characters that are not allowed.", field="sqlite_path")
    if relative.lower().startswith("file:") or ":" in relative:
        raise RegistrationRefused(
            "URIs are not allowed; give a path relative to the datasource folder.", field="sqlite_path"
        )
    if relative.startswith(("/", "~")) or PureWindowsPath(relative).is_absolute() or os.path.isabs(relative):
        raise RegistrationRefused(
            "Absolute paths are not allowed; give a path relative to the datasource folder.", field="sqlite_path"
        )
    path = PurePosixPath(relative)
    if any(part in ("..", "") for part in path.parts) or ".." in relative.split("/"):
        raise RegistrationRefused("'..' is not allowed in a SQLite path.", field="sqlite_path")
    return path


def resolve_sqlite_path(relative: str) -> Path:
    """Return the real path of an existing SQLite file inside the datasource folder, or raise.

    Shape problems and escapes are `RegistrationRefused`; a missing file is
    `DatasourceUnavailable` (it is never created).
    """
    path = check_sqlite_path_shape(relative)
    root = sqlite_root()
    candidate = root.joinpath(*path.parts)
    try:
        resolved = candidate.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError, RuntimeError, OSError):
        raise DatasourceUnavailable("The SQLite file does not exist in the datasource folder.")
    if not resolved.is_relative_to(root) or resolved == root:
        raise RegistrationRefused("The SQLite path must stay inside the datasource folder.", field="sqlite_path")
    if not resolved.is_file():
        raise DatasourceUnavailable("The SQLite file does not exist in the datasource folder.")
    if _is_app_sqlite_file(resolved):
        raise RegistrationRefused(_APP_DB_MESSAGE, field="sqlite_path")
    return resolved


def _app_database_dicts() -> list[dict]:
    """Settings of every configured app database, as declared and as the live connections see them."""
    dicts = list(settings.DATABASES.values())
    for alias in connections:
        dicts.append(connections[alias].settings_dict)
    return dicts


def _is_app_sqlite_file(path: Path) -> bool:
    """True when `path` is the same file (device and inode) as an app SQLite database."""
    try:
        target = os.stat(path)
    except OSError:
        return False
    for config in _app_database_dicts():
        if "sqlite3" not in str(config.get("ENGINE", "")):
            continue
        names = {str(config.get("NAME") or "")} | {str((config.get("TEST") or {}).get("NAME") or "")}
        for name in names:
            if not name or name == ":memory:" or name.startswith("file:"):
                continue
            try:
                app = os.stat(name)
            except OSError:
                continue
            if (app.st_dev, app.st_ino) == (target.st_dev, target.st_ino):
                return True
    return False


def _addresses(host: str) -> set[str]:
    host = (host or "").strip().strip("[]").lower()
    if not host or host.startswith("/"):
        host = "localhost"
    names = {host}
    try:
        names |= {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        pass
    loopback = {"localhost", "127.0.0.1", "::1"}
    if names & loopback or any(name.startswith("127.") for name in names):
        names |= loopback
    return names


def is_app_database(engine: str, host: str, port: int | None, database: str) -> bool:
    """True when host/port/database name the app's own (network) database."""
    known = engines.ENGINES.get(engine)
    if known is None or not known.network:
        return False
    family, default_port = known.django_backend, known.default_port
    for config in _app_database_dicts():
        if family not in str(config.get("ENGINE", "")):
            continue
        app_port = int(config.get("PORT") or default_port)
        if app_port != int(port or default_port):
            continue
        app_names = {str(config.get("NAME") or "")} | {str((config.get("TEST") or {}).get("NAME") or "")}
        if database not in app_names:
            continue
        if _addresses(config.get("HOST") or "") & _addresses(host):
            return True
    return False


def host_exempt(datasource) -> bool:
    """Operator-registered demo sets and staff users' datasources may use any host."""
    owner = datasource.owner
    if owner is None:
        return True
    return bool(owner.is_staff)


def check_datasource(datasource) -> Path | None:
    """Apply every registration rule to `datasource`; returns the resolved SQLite file when there is one."""
    if not engines.get(datasource.engine).network:
        return resolve_sqlite_path(datasource.sqlite_path)
    validate_host(datasource.host, exempt=host_exempt(datasource))
    validate_port(datasource.port)
    if getattr(datasource, "schema", "") and not _SCHEMA_RE.match(datasource.schema):
        raise RegistrationRefused("Enter a plain schema name.", field="schema")
    if not datasource.database:
        raise RegistrationRefused("Enter the database name.", field="database")
    if is_app_database(datasource.engine, datasource.host, datasource.port, datasource.database):
        raise RegistrationRefused(_APP_DB_MESSAGE, field="database")
    return None
