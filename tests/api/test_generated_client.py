"""A Python client generated from `manage.py spectacular` by openapi-python-client works end to end.

The client is generated into a temporary folder and imported from there; the test then uses
only that client and its typed models (no hand-written HTTP), through the WSGI application.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "scripts" / "openapi-client.yml"
SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
INSERT INTO customers VALUES (1, 'Ann', 'Seoul'), (2, 'Bo', 'Busan'), (3, 'Cy', 'Seoul');
"""
PASSWORD = "Zebra-lamp-77-typed"


def _run(*args: str, cwd: Path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The `chatapi_client` package generated from the schema `manage.py spectacular` writes."""
    folder = tmp_path_factory.mktemp("client")
    schema = folder / "openapi.json"
    _run(sys.executable, "manage.py", "spectacular", "--format", "openapi-json", "--file", str(schema), cwd=ROOT)
    target = folder / "chatapi_client"
    _run(
        str(Path(sys.executable).parent / "openapi-python-client"),
        "generate",
        "--path",
        str(schema),
        "--config",
        str(CONFIG),
        "--meta",
        "none",
        "--output-path",
        str(target),
        cwd=folder,
    )
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("chatapi_client")
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n == "chatapi_client" or n.startswith("chatapi_client.")]:
            del sys.modules[name]


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.mark.django_db
def test_generated_client_works_end_to_end(generated, sqlite_datasource, wsgi_app):
    sqlite_datasource(None, SHOP, name="shared shop")  # a demo set everyone may ask
    api = lambda name: _module(generated, f"api.{name}")  # noqa: E731
    models = _module(generated, "models")
    transport = {"transport": httpx.WSGITransport(app=wsgi_app)}
    anonymous = generated.Client(base_url="http://testserver", httpx_args=transport, raise_on_unexpected_status=True)

    root = api("default.get_api_root").sync(client=anonymous)
    assert isinstance(root, models.ApiRoot)
    assert root.llm.mode == models.ModeEnum.OFFLINE
    assert {link.rel for link in root.field_links} >= {"login", "registration", "conversations"}

    registered = api("auth.register").sync(
        client=anonymous,
        body=models.RegisterRequest(
            email="typed@example.com", nickname="Typed", password1=PASSWORD, password2=PASSWORD
        ),
    )
    assert isinstance(registered, models.TokenPair)
    assert registered.user.email == "typed@example.com"

    again = api("auth.register").sync(
        client=anonymous,
        body=models.RegisterRequest(email="TYPED@example.com", nickname="X", password1=PASSWORD, password2=PASSWORD),
    )
    assert isinstance(again, models.Error) and "email" in again.errors.additional_properties

    tokens = api("auth.login").sync(
        client=anonymous, body=models.LoginRequest(email="typed@example.com", password=PASSWORD)
    )
    assert isinstance(tokens, models.TokenPair) and tokens.user.nickname == "Typed"
    refreshed = api("auth.refresh_token").sync(
        client=anonymous, body=models.TokenRefreshRequest(refresh=tokens.refresh)
    )
    assert isinstance(refreshed, models.RefreshedTokens) and refreshed.refresh != tokens.refresh
    spent = api("auth.refresh_token").sync(client=anonymous, body=models.TokenRefreshRequest(refresh=tokens.refresh))
    assert isinstance(spent, models.Error) and spent.code == models.ErrorCode.TOKEN_NOT_VALID

    client = generated.AuthenticatedClient(
        base_url="http://testserver", token=refreshed.access, httpx_args=transport, raise_on_unexpected_status=True
    )
    datasources = api("datasources.list_datasources").sync(client=client)
    assert isinstance(datasources, models.PaginatedDatasourceList)
    shop = next(d for d in datasources.results if d.name == "shared shop")
    assert shop.engine == models.EngineEnum.SQLITE and shop.is_demo

    missing = api("conversations.create_conversation").sync(
        client=client, body=models.ConversationCreateRequest(datasource=987654)
    )
    assert isinstance(missing, models.Error) and missing.code == models.ErrorCode.UNKNOWN_DATASOURCE

    conversation = api("conversations.create_conversation").sync(
        client=client, body=models.ConversationCreateRequest(datasource=shop.id)
    )
    assert isinstance(conversation, models.Conversation) and conversation.datasource.id == shop.id

    ask = api("conversations.ask_in_conversation")
    turn = ask.sync(conversation.id, client=client, body=models.AskRequest(question="How many customers are there?"))
    assert isinstance(turn, models.Turn), turn
    assert turn.status == models.TurnStatusEnum.OK
    assert turn.result.rows == [[3]] and turn.error is None
    for city in ("Seoul", "Busan"):
        extra = ask.sync(
            conversation.id,
            client=client,
            body=models.AskRequest(sql=f"SELECT name FROM customers WHERE city = '{city}'"),
        )
        assert isinstance(extra, models.Turn) and extra.status == models.TurnStatusEnum.OK

    failed = ask.sync(conversation.id, client=client, body=models.AskRequest(question="Why is the sky blue?"))
    assert isinstance(failed, models.TurnFailure), failed
    assert failed.code == models.ErrorCode.OFFLINE_UNSUPPORTED
    assert failed.turn.status == models.TurnStatusEnum.ERROR
    assert failed.turn.error.code == models.TurnErrorCode.OFFLINE_UNSUPPORTED

    page = api("conversations.list_messages").sync(conversation.id, client=client, per_page=2, page=2)
    assert isinstance(page, models.PaginatedTurnList)
    assert page.count == 4 and len(page.results) == 2 and page.previous and not page.next_
    assert page.results[1].id == failed.turn.id
    assert page.results[1].error.message

    stored = api("messages.get_message").sync(failed.turn.id, client=client)
    assert isinstance(stored, models.Turn) and stored.error.code == models.TurnErrorCode.OFFLINE_UNSUPPORTED

    csv_text = api("messages.download_message_csv").sync(page.results[0].id, client=client)
    assert csv_text.lstrip("\ufeff").splitlines() == ["name", "Bo"]

    conversations = api("conversations.list_conversations").sync(client=client, search="customers")
    assert isinstance(conversations, models.PaginatedConversationList)
    assert [c.id for c in conversations.results] == [conversation.id]
    assert conversations.results[0].message_count == 4

    refused = api("conversations.delete_all_conversations")
    assert refused.sync(client=client, all_=models.DeleteAllConversationsAll.TRUE).deleted == 1

    wrong = api("auth.delete_account").sync(client=client, body=models.AccountDeleteRequest(password="nope"))
    assert isinstance(wrong, models.Error) and wrong.code == models.ErrorCode.WRONG_PASSWORD
    gone = api("auth.delete_account").sync_detailed(client=client, body=models.AccountDeleteRequest(password=PASSWORD))
    assert gone.status_code == 204
    after = api("auth.login").sync(
        client=anonymous, body=models.LoginRequest(email="typed@example.com", password=PASSWORD)
    )
    assert isinstance(after, models.Error) and after.code == models.ErrorCode.INVALID_CREDENTIALS
