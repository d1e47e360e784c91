"""Registration rules at registration and at every connect; generic errors; the password at rest."""

import logging
import os
import socket
import sqlite3
from pathlib import Path

import pymysql.constants.CLIENT as CLIENT
import pytest
from django.conf import settings
from rest_framework.exceptions import ValidationError

from datasources import crypto, executor
from datasources.engines.mysql import mysql_connect_kwargs, mysql_session_statements
from datasources.engines.postgresql import postgres_connect_kwargs
from datasources.errors import DatasourceUnavailable, GuardRejected, RegistrationRefused
from datasources.models import DataSource
from datasources.services import datasource_create
from tests.fixtures.datasources import write_sqlite_file

TINY = "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def register_sqlite(owner, path: str):
    return datasource_create(owner=owner, name="x", engine="sqlite", sqlite_path=path)


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "/tmp/shop.db",
        "../shop.db",
        "sub/../../shop.db",
        "file:shop.db",
        "file:shop.db?mode=rw",
        "shop.db?mode=rwc",
        "shop.db#frag",
        "C:\\data\\shop.db",
        "~/shop.db",
        "",
    ],
)
def test_bad_sqlite_paths_are_refused_and_nothing_is_created(user, path):
    before = sorted(Path(settings.DATASOURCE_SQLITE_DIR).rglob("*"))
    with pytest.raises((RegistrationRefused, ValidationError)) as info:
        register_sqlite(user, path)
    assert info.value.status_code == 400
    assert sorted(Path(settings.DATASOURCE_SQLITE_DIR).rglob("*")) == before
    assert not DataSource.objects.exists()


def test_missing_sqlite_file_is_refused_and_never_created(user):
    with pytest.raises(RegistrationRefused) as info:
        register_sqlite(user, "nope.sqlite3")
    assert "does not exist" in info.value.message
    assert not (Path(settings.DATASOURCE_SQLITE_DIR) / "nope.sqlite3").exists()


def test_symlink_escaping_the_folder_is_refused(user, tmp_path):
    outside = tmp_path / "outside.sqlite3"
    sqlite3.connect(outside).executescript(TINY)
    (Path(settings.DATASOURCE_SQLITE_DIR) / "link.sqlite3").symlink_to(outside)
    with pytest.raises(RegistrationRefused):
        register_sqlite(user, "link.sqlite3")


def test_symlinked_directory_escape_is_refused(user, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    sqlite3.connect(outside / "db.sqlite3").executescript(TINY)
    (Path(settings.DATASOURCE_SQLITE_DIR) / "dir").symlink_to(outside, target_is_directory=True)
    with pytest.raises(RegistrationRefused):
        register_sqlite(user, "dir/db.sqlite3")


def test_subfolder_inside_the_folder_is_fine(user):
    write_sqlite_file("team/shop.sqlite3", TINY)
    datasource = register_sqlite(user, "team/shop.sqlite3")
    assert executor.execute(datasource, "SELECT x FROM t").rows == [[1]]


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_app_database_is_refused_by_file_identity(user, settings, tmp_path):
    app_db = tmp_path / "app.sqlite3"
    sqlite3.connect(app_db).executescript(TINY)
    settings.DATABASES = {**settings.DATABASES, "default": {**settings.DATABASES["default"], "NAME": str(app_db)}}
    settings.DATABASES["default"]["ENGINE"] = "django.db.backends.sqlite3"
    # A hard link has another name but the same inode: still the app database.
    os.link(app_db, Path(settings.DATASOURCE_SQLITE_DIR) / "innocent.sqlite3")
    with pytest.raises(RegistrationRefused) as info:
        register_sqlite(user, "innocent.sqlite3")
    assert "own database" in info.value.message


def test_rules_are_checked_again_at_every_connect(sqlite_datasource, user, tmp_path):
    datasource = sqlite_datasource(user, TINY)
    path = Path(settings.DATASOURCE_SQLITE_DIR) / datasource.sqlite_path
    assert executor.execute(datasource, "SELECT x FROM t").rows == [[1]]
    # Swap the file for a symlink to a file outside the folder after registration.
    outside = tmp_path / "secret.sqlite3"
    sqlite3.connect(outside).executescript("CREATE TABLE secret (s TEXT); INSERT INTO secret VALUES ('x');")
    path.unlink()
    path.symlink_to(outside)
    with pytest.raises(RegistrationRefused):
        executor.execute(datasource, "SELECT s FROM secret")


def test_a_file_removed_after_registration_is_unavailable_and_not_recreated(sqlite_datasource, user):
    datasource = sqlite_datasource(user, TINY)
    path = Path(settings.DATASOURCE_SQLITE_DIR) / datasource.sqlite_path
    path.unlink()
    with pytest.raises(DatasourceUnavailable):
        executor.execute(datasource, "SELECT 1")
    assert not path.exists()


def _network(owner, engine="postgresql", host="127.0.0.1", **extra):
    fields = {"port": _free_port(), "database": "shop", "username": "reader", "password": "s3cret-pw!"}
    fields.update(extra)
    return datasource_create(owner=owner, name="net", engine=engine, host=host, **fields)


@pytest.mark.parametrize("host", ["db.evil.example", "10.0.0.5", "169.254.169.254", "127.0.0.1,evil", "/var/run"])
def test_hosts_outside_the_allow_list_are_refused(user, host):
    with pytest.raises(RegistrationRefused):
        _network(user, host=host)


def test_allow_list_supports_wildcards(user, settings):
    settings.DATASOURCE_ALLOWED_HOSTS = ["*.db.example.com"]
    assert _network(user, host="reports.db.example.com").host == "reports.db.example.com"
    with pytest.raises(RegistrationRefused):
        _network(user, host="db.example.com.evil.org")


@pytest.mark.parametrize(
    ("allowed", "host", "ok"),
    [
        (["10.0.*"], "10.0.attacker.example", False),  # a name is never matched against an address pattern
        (["10.0.*"], "10.0.3.4", True),
        (["10.0.*"], "10.1.3.4", False),
        (["10.1.0.0/16"], "10.1.200.7", True),
        (["10.1.0.0/16"], "10.2.0.1", False),
        (["10.1.0.0/16"], "10.1.0.0.evil.example", False),
        (["127.0.0.0/8"], "localhost", True),  # resolved: its address is in the network
        (["fd00::/8"], "fd00::5", True),
        (["db.example.com"], "db.example.com.evil.org", False),
        (["db.example.com"], "DB.Example.com", True),
        (["*.db.example.com"], "xdb.example.com", False),
    ],
)
def test_allow_list_matches_names_exactly_and_addresses_by_network(user, settings, allowed, host, ok):
    settings.DATASOURCE_ALLOWED_HOSTS = allowed
    if ok:
        assert _network(user, host=host).pk
    else:
        with pytest.raises(RegistrationRefused):
            _network(user, host=host)


@pytest.mark.parametrize(
    "engine", [pytest.param("postgresql", marks=pytest.mark.postgres), pytest.param("mysql", marks=pytest.mark.mysql)]
)
def test_connection_goes_to_the_address_that_was_checked(user, settings, monkeypatch, engine, request):
    # DNS rebinding needs a second resolution after the check: there is none. The name is known only
    # to this process's resolver (the system's cannot resolve it, so libpq could not either), and it
    # is resolved once per query: the driver connects to the address that was checked.
    from tests.fixtures.datasources import register_network_database

    info = request.getfixturevalue("postgres_database" if engine == "postgresql" else "mysql_database")()
    settings.DATASOURCE_ALLOWED_HOSTS = ["127.0.0.0/8"]
    real = socket.getaddrinfo
    answers = []

    def rebinding(host, *args, **kwargs):
        if host != "db.rebind.example":
            return real(host, *args, **kwargs)
        answers.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    datasource = register_network_database(user, {**info, "host": "db.rebind.example"}, engine=engine, name="rb")
    answers.clear()
    assert executor.execute(datasource, "SELECT 1 AS one").rows == [[1]]
    assert len(answers) == 1  # resolved once; the driver connected to that address


def test_staff_may_use_any_host(make_user):
    staff = make_user(is_staff=True)
    assert _network(staff, host="warehouse.internal.example").pk


def test_host_rule_applies_again_at_connect(user, settings):
    datasource = _network(user)
    settings.DATASOURCE_ALLOWED_HOSTS = ["only.example.com"]
    with pytest.raises(RegistrationRefused):
        executor.execute(datasource, "SELECT 1")


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_app_database_is_refused_for_network_engines(user, settings):
    settings.DATABASES = {
        **settings.DATABASES,
        "appdb": {"ENGINE": "django.db.backends.postgresql", "HOST": "localhost", "PORT": "5544", "NAME": "chatapi"},
    }
    with pytest.raises(RegistrationRefused) as info:
        _network(user, host="127.0.0.1", port=5544, database="chatapi")
    assert "own database" in info.value.message
    assert _network(user, host="127.0.0.1", port=5544, database="other").pk


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_connection_errors_are_generic(user, engine, caplog):
    closed = _network(user, engine=engine)
    with caplog.at_level(logging.DEBUG), pytest.raises(DatasourceUnavailable) as first:
        executor.execute(closed, "SELECT 1")
    message = first.value.message
    assert str(closed.port) not in message and "127.0.0.1" not in message and "s3cret" not in message
    assert message == DatasourceUnavailable.default_message
    assert "s3cret" not in caplog.text


@pytest.mark.postgres
def test_unknown_database_and_closed_port_look_the_same(user, postgres_url):
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    missing_db = _network(user, port=url.port, database="no_such_db", username=url.username)
    closed_port = _network(user)
    errors = []
    for datasource in (missing_db, closed_port):
        with pytest.raises(DatasourceUnavailable) as info:
            executor.execute(datasource, "SELECT 1")
        errors.append((type(info.value), info.value.message, info.value.code))
    assert errors[0] == errors[1]


def test_password_is_encrypted_at_rest(user):
    datasource = _network(user)
    stored = DataSource.objects.values_list("password_encrypted", flat=True).get(pk=datasource.pk)
    assert "s3cret-pw!" not in stored and stored
    assert crypto.decrypt(stored) == "s3cret-pw!"


def test_a_configured_key_is_used(user, settings):
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    token = crypto.encrypt("pw")
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(token)


def test_a_password_from_another_key_is_unavailable_not_a_crash(user, settings):
    datasource = _network(user)
    from cryptography.fernet import Fernet

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(DatasourceUnavailable):
        executor.execute(datasource, "SELECT 1")


def test_mysql_connection_arguments_are_locked_down(user):
    datasource = _network(user, engine="mysql")
    kwargs = mysql_connect_kwargs(datasource, timeout=7)
    assert kwargs["client_flag"] & CLIENT.MULTI_STATEMENTS == 0
    assert kwargs["local_infile"] is False
    statements = mysql_session_statements(7)
    assert statements[0] == ("SET SESSION max_execution_time = 7000", "SET SESSION max_statement_time = 7.000")
    assert "transaction_read_only = 1" in statements[1][0]
    assert kwargs["connect_timeout"] <= settings.DATASOURCE_CONNECT_TIMEOUT


def test_postgres_connection_arguments_are_locked_down(user):
    datasource = _network(user)
    kwargs = postgres_connect_kwargs(datasource, timeout=3)
    assert "default_transaction_read_only=on" in kwargs["options"]
    assert "statement_timeout=3000" in kwargs["options"]
    # A password file that cannot exist: never ~/.pgpass, and no libpq warning about /dev/null.
    assert kwargs["passfile"].startswith(os.devnull + os.sep) and not os.path.exists(kwargs["passfile"])
    assert kwargs["connect_timeout"] <= settings.DATASOURCE_CONNECT_TIMEOUT


def test_percent_encoded_uri_parameters_stay_part_of_the_file_name(user, monkeypatch):
    # "%3F" would decode to "?" in a file: URI; quoting keeps it a literal part of the name, so mode=rw never applies.
    from datasources import sql_guard

    name = "odd%3Fmode=rw%26cache=shared.sqlite3"
    path = write_sqlite_file(name, TINY)
    before = path.read_bytes()
    datasource = register_sqlite(user, name)
    assert executor.execute(datasource, "SELECT x FROM t").rows == [[1]]
    monkeypatch.setattr(sql_guard, "check", lambda sql, dialect: sql)
    monkeypatch.setattr(sql_guard, "apply_row_cap", lambda sql, dialect, limit: sql)
    with pytest.raises(GuardRejected):
        executor.execute(datasource, "DELETE FROM t")
    assert path.read_bytes() == before
    assert sorted(p.name for p in Path(settings.DATASOURCE_SQLITE_DIR).iterdir()) == [name]


def test_staff_exemption_is_rechecked_at_connect(make_user):
    staff = make_user(is_staff=True)
    datasource = _network(staff, host="warehouse.internal.example")
    staff.is_staff = False
    staff.save()
    datasource.refresh_from_db()
    with pytest.raises(RegistrationRefused):
        executor.execute(datasource, "SELECT 1")
