"""Registration rules for connection settings, checked at registration and again at every connect.

Network hosts must match `DATASOURCE_ALLOWED_HOSTS` (unless the owner is staff or
the datasource is an operator-registered demo), the app's own database is always
refused, and SQLite paths must name an existing file inside `DATASOURCE_SQLITE_DIR`.
"""

import ipaddress
import itertools
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from datasources import engines
from datasources.errors import DatasourceUnavailable, RegistrationRefused

_HOST_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
_SCHEMA_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_APP_DB_MESSAGE = "The application's own database cannot be registered as a datasource."


@dataclass(frozen=True)
class NetworkTarget:
    """Where a network datasource connects: the host as registered and the address that was checked."""

    host: str
    address: str


def _ip(text: str):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _address_pattern(pattern: str):
    """The network an address pattern names ("10.0.0.0/16", "10.0.0.5", "fd00::/8", "10.0.*"), or None."""
    parts = pattern.split(".")
    if "*" in pattern and len(parts) <= 4 and all(p.isdigit() or p == "*" for p in parts):
        fixed = list(itertools.takewhile(str.isdigit, parts))
        if any(p != "*" for p in parts[len(fixed) :]):
            return None
        pattern = ".".join(fixed + ["0"] * (4 - len(fixed))) + f"/{8 * len(fixed)}"
    try:
        return ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return None


def _allow_list() -> tuple[list, list[str]]:
    """`DATASOURCE_ALLOWED_HOSTS` split into address networks and host-name patterns."""
    networks, names = [], []
    for raw in settings.DATASOURCE_ALLOWED_HOSTS:
        pattern = raw.strip().lower().strip("[]")
        if not pattern:
            continue
        network = _address_pattern(pattern)
        if network is not None:
            networks.append(network)
        elif "*" not in pattern or (pattern.startswith("*.") and "*" not in pattern[2:]):
            names.append(pattern)
    return networks, names


def _name_allowed(host: str, names: list[str]) -> bool:
    """An exact name, or a name under a "*.example.com" pattern; an address literal is never a name."""
    if _ip(host) is not None:
        return False
    host = host.lower().rstrip(".")
    return any(host == name or (name.startswith("*.") and host.endswith(name[1:])) for name in names)


def resolve(host: str) -> list[str]:
    """The addresses `host` resolves to now, IPv4 first (an address literal is itself)."""
    if _ip(host) is not None:
        return [str(_ip(host))]
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    return sorted(addresses, key=lambda address: ":" in address)


def validate_host(host: str, *, exempt: bool) -> str:
    """Return the normalised host, or raise RegistrationRefused if it is malformed or not allowed.

    A host is allowed when its name matches a name pattern exactly ("db.example.com", or any
    name under "*.example.com"), or when it resolves to an address inside an address pattern
    (an address, a CIDR network, or "10.0.*" meaning 10.0.0.0/16). Names are never matched
    against address patterns: "10.0.*" does not allow "10.0.attacker.example".
    """
    host = _host_shape(host)
    if exempt:
        return host
    networks, names = _allow_list()
    if _name_allowed(host, names):
        return host
    if any(_in_networks(address, networks) for address in resolve(host)):
        return host
    raise RegistrationRefused(_("This host is not in the list of allowed datasource hosts."), field="host")


def _host_shape(host: str) -> str:
    """The host stripped of brackets, or RegistrationRefused when it is no host name or address."""
    host = (host or "").strip()
    if not host or not _HOST_RE.match(host) or "," in host:
        raise RegistrationRefused(_("Enter a valid host name or IP address."), field="host")
    return host.strip("[]")


def _in_networks(address: str, networks: list) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip.version == network.version and ip in network for network in networks)


def network_target(host: str, *, exempt: bool) -> NetworkTarget:
    """Resolve `host` once and pick the address to connect to: one the allow-list accepts.

    The connection goes to this address, never to a second resolution of the name, so a
    name that resolves differently a moment later (DNS rebinding) changes nothing.
    """
    host = _host_shape(host)
    addresses = resolve(host)  # the one resolution: what is checked is what is connected to
    if not exempt:
        networks, names = _allow_list()
        if not _name_allowed(host, names):
            addresses = [address for address in addresses if _in_networks(address, networks)]
            if not addresses:
                raise RegistrationRefused(_("This host is not in the list of allowed datasource hosts."), field="host")
    if not addresses:
        raise DatasourceUnavailable()
    return NetworkTarget(host=host, address=addresses[0])


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


def check_datasource(datasource, *, target: NetworkTarget | None = None) -> Path | None:
    """Apply every registration rule to `datasource`; returns the resolved SQLite file when there is one.

    Used when registering (no name resolution is needed for a name the allow-list names);
    `connect_target` applies the same rules and also fixes the address to connect to.
    """
    if not engines.get(datasource.engine).network:
        return resolve_sqlite_path(datasource.sqlite_path)
    if target is None:
        validate_host(datasource.host, exempt=host_exempt(datasource))
    validate_port(datasource.port)
    if getattr(datasource, "schema", "") and not _SCHEMA_RE.match(datasource.schema):
        raise RegistrationRefused("Enter a plain schema name.", field="schema")
    if not datasource.database:
        raise RegistrationRefused("Enter the database name.", field="database")
    host = target.address if target is not None else datasource.host
    if is_app_database(datasource.engine, host, datasource.port, datasource.database):
        raise RegistrationRefused(_APP_DB_MESSAGE, field="database")
    return None


def connect_target(datasource) -> Path | NetworkTarget:
    """Every registration rule, then what to open: the SQLite file, or the checked network address."""
    if not engines.get(datasource.engine).network:
        return check_datasource(datasource)
    target = network_target(datasource.host, exempt=host_exempt(datasource))
    check_datasource(datasource, target=target)
    return target
