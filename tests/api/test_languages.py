"""API messages follow the client's Accept-Language (English and Korean); `code` values never change."""

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "node_modules", "var", ".git"}


def _po_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.po") if not SKIP_DIRS & set(p.relative_to(ROOT).parts))


def ko(client):
    """Make every request of `client` ask for Korean."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "ko-KR,ko;q=0.9,en;q=0.5"
    return client


class TestCatalogues:
    def test_the_project_has_a_korean_catalogue(self):
        assert ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po" in _po_files()

    @pytest.mark.parametrize("po", _po_files(), ids=lambda p: str(p.relative_to(ROOT)))
    def test_every_committed_mo_is_compiled_from_its_po(self, po, tmp_path):
        """A .po edited without recompiling would leave the API answering with the old texts."""
        msgfmt = shutil.which("msgfmt")
        if not msgfmt:
            from tests.conftest import skip_or_fail

            skip_or_fail("msgfmt (gettext) is not installed")
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make messages`"
        fresh = tmp_path / "fresh.mo"
        subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
        with mo.open("rb") as committed, fresh.open("rb") as compiled:
            # The header (creation dates) is not a message; every message and its translation must match.
            have = {k: v for k, v in gettext.GNUTranslations(committed)._catalog.items() if k != ""}
            want = {k: v for k, v in gettext.GNUTranslations(compiled)._catalog.items() if k != ""}
        stale = sorted(
            str(k) for k in have.keys() ^ want.keys() | {k for k in have.keys() & want.keys() if have[k] != want[k]}
        )
        assert not stale, f"{mo.relative_to(ROOT)} is out of date (run `make messages`): {stale}"

    def test_the_project_catalogue_translates_every_message(self):
        text = (ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
        entries = text.split("\n\n")[1:]
        assert entries
        untranslated = [e for e in entries if 'msgstr ""' in e.splitlines() or 'msgstr[0] ""' in e.splitlines()]
        fuzzy = [e for e in entries if "#, fuzzy" in e]
        assert not untranslated, untranslated
        assert not fuzzy, fuzzy


class TestErrorsSpeakTheClientsLanguage:
    def test_not_authenticated_in_korean_and_english(self, api_client):
        english = api_client.get("/api/conversations/", HTTP_ACCEPT_LANGUAGE="en")
        korean = api_client.get("/api/conversations/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9")
        assert english.status_code == korean.status_code == 401
        assert english.json() == {
            "detail": "Authentication credentials were not provided.",
            "code": "not_authenticated",
        }
        assert korean.json() == {"detail": "인증 정보가 없습니다. 로그인하세요.", "code": "not_authenticated"}
        assert korean["Content-Language"] == "ko"
        assert "Accept-Language" in korean["Vary"]

    def test_without_accept_language_the_api_speaks_english(self, api_client):
        response = api_client.get("/api/datasources/")
        assert response.json()["detail"] == "Authentication credentials were not provided."

    def test_an_unsupported_language_falls_back_to_english(self, api_client):
        response = api_client.get("/api/datasources/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
        assert response.json()["detail"] == "Authentication credentials were not provided."

    def test_registration_field_errors_in_korean(self, api_client, make_user):
        make_user(email="minji@example.com")
        response = ko(api_client).post(
            "/api/auth/registration/",
            {"email": "MINJI@example.com", "nickname": " ", "password1": "123", "password2": "456"},
            format="json",
        )
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert body["errors"]["email"] == ["이 이메일 주소로 가입한 사용자가 이미 있습니다."]
        # Django's and dj-rest-auth's own Korean catalogues answer for their messages.
        assert body["errors"]["nickname"] == ["이 항목은 비워 둘 수 없습니다."]
        assert body["detail"].startswith("올바르지 않은 항목이 있습니다: ")

    def test_wrong_login_in_korean(self, api_client, user):
        response = ko(api_client).post("/api/auth/login/", {"email": user.email, "password": "nope"}, format="json")
        assert response.status_code == 400
        assert response.json()["detail"] == "이메일 또는 비밀번호가 올바르지 않습니다."

    def test_a_throttled_request_says_how_long_to_wait_in_korean(self, api_client, settings, db):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "1/min"}
        login = {"email": "ann@example.com", "password": "wrong"}
        ko(api_client).post("/api/auth/login/", login, format="json")
        response = api_client.post("/api/auth/login/", login, format="json")
        assert response.status_code == 429
        seconds = int(response["Retry-After"])
        assert response.json() == {
            "detail": f"요청이 너무 많습니다. {seconds}초 후에 다시 시도하세요.",
            "code": "throttled",
        }

    def test_an_out_of_range_page_in_korean(self, auth_client):
        response = ko(auth_client).get("/api/conversations/?page=99")
        assert response.status_code == 404
        assert response.json() == {"detail": "'99' 페이지는 없습니다.", "code": "page_not_found"}

    def test_datasource_registration_refusal_in_korean(self, auth_client):
        response = ko(auth_client).post(
            "/api/datasources/", {"name": "x", "engine": "sqlite", "sqlite_path": "/etc/passwd"}, format="json"
        )
        assert response.status_code == 400
        body = response.json()
        assert body["errors"]["sqlite_path"] == [
            "절대 경로는 쓸 수 없습니다. 데이터소스 폴더를 기준으로 한 경로를 입력하세요."
        ]
        english = auth_client.post(
            "/api/datasources/",
            {"name": "x", "engine": "sqlite", "sqlite_path": "/etc/passwd"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert english.json()["code"] == body["code"]
        assert english.json()["errors"]["sqlite_path"] == [
            "Absolute paths are not allowed; give a path relative to the datasource folder."
        ]

    def test_a_request_body_over_the_limit_in_korean(self, auth_client, settings):
        settings.REQUEST_MAX_BODY_BYTES = 1024
        response = ko(auth_client).post("/api/chat/", {"question": "x" * 2000}, format="json")
        assert response.status_code == 413
        assert response.json() == {"detail": "요청 본문이 1 KB보다 큽니다.", "code": "request_too_large"}


def test_cors_lets_the_site_send_accept_language(api_client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://site.example"]
    response = api_client.options(
        "/api/conversations/",
        HTTP_ORIGIN="http://site.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, accept-language",
    )
    assert response.status_code == 200
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "accept-language"} <= allowed
    simple = api_client.get("/api/", HTTP_ORIGIN="http://site.example", HTTP_ACCEPT_LANGUAGE="ko")
    assert "content-language" in simple["Access-Control-Expose-Headers"].lower()
