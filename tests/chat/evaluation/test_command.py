"""`manage.py evaluate` on a fixture set: every class, the figures, the exit code, and nobody's history touched."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from chat.models import Conversation, Message
from tests.fake_llm import Reply

pytestmark = pytest.mark.django_db

LIBRARY_SQL = """
CREATE TABLE authors (id INTEGER PRIMARY KEY, author_name TEXT, country TEXT);
CREATE TABLE books (
    id INTEGER PRIMARY KEY, title TEXT, author_id INTEGER REFERENCES authors(id), genre TEXT, pages INTEGER
);
INSERT INTO authors VALUES (1, 'Austen', 'UK'), (2, 'Tolstoy', 'Russia'), (3, 'Borges', 'Argentina');
INSERT INTO books VALUES (1, 'Emma', 1, 'novel', 474), (2, 'Persuasion', 1, 'novel', 249),
    (3, 'War and Peace', 2, 'novel', 1225), (4, 'Ficciones', 3, 'stories', 174), (5, 'Aleph', 3, 'stories', 146);
"""

# One question per class for offline mode; the second is deliberately given a gold SQL that disagrees.
OFFLINE_SET = [
    {"question": "How many books are there?", "sql": "SELECT COUNT(*) FROM books", "supported": True},
    {"question": "How many books?", "sql": "SELECT COUNT(*) FROM books WHERE genre = 'novel'", "supported": True},
    {"question": "책 수는?", "sql": "SELECT COUNT(*) FROM books", "lang": "ko", "supported": True},
    {"question": "Which books did Austen write after 1800?", "sql": "SELECT 1", "supported": False},
    {"question": "Average pages by genre", "sql": "SELECT genre, AVG(pages) FROM books GROUP BY genre"},
    {"question": "How many books are there?", "sql": "SELECT COUNT(*) FROM no_such_table"},
]


@pytest.fixture
def library(make_source, user):
    return make_source(user, LIBRARY_SQL, name="library")


def write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", encoding="utf-8")
    return path


def run(*args, stderr=None):
    out = io.StringIO()
    call_command("evaluate", *args, stdout=out, stderr=stderr or io.StringIO())
    return out.getvalue()


def test_each_question_is_classed_and_every_outcome_written(library, tmp_path):
    questions = write_jsonl(tmp_path / "set.jsonl", OFFLINE_SET)
    report = tmp_path / "out.json"
    table = run("--datasource", str(library.pk), "--questions", str(questions), "--json", str(report))
    outcomes = json.loads(report.read_text(encoding="utf-8"))["outcomes"]
    assert [o["outcome"] for o in outcomes] == ["correct", "wrong", "correct", "refused", "correct", "error"]
    wrong = outcomes[1]
    assert wrong["predicted_sql"] and (wrong["gold_row_count"], wrong["predicted_row_count"]) == (1, 1)
    assert outcomes[3]["code"] == "offline_unsupported"
    assert outcomes[5]["code"] == "gold_failed"
    assert outcomes[2]["lang"] == "ko" and outcomes[0]["lang"] == "en"
    figures = json.loads(report.read_text(encoding="utf-8"))["figures"]
    assert (figures["correct"], figures["wrong"], figures["refused"], figures["errors"]) == (3, 1, 1, 1)
    assert figures["supported_accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert "accuracy           50.0%  (3 correct)" in table
    assert "wrong              1" in table and "latency p50 / p95" in table


def test_nobodys_history_is_written(library, auth_client, tmp_path):
    conversation = auth_client.post("/api/conversations/", {"datasource": library.pk}, format="json").json()
    url = f"/api/conversations/{conversation['id']}/messages/"
    assert auth_client.post(url, {"question": "How many books?"}, format="json").status_code == 201
    before = list(Message.objects.values_list("id", "question", "status"))
    assert len(before) == 1
    run("--datasource", "library", "--questions", str(write_jsonl(tmp_path / "s.jsonl", OFFLINE_SET)))
    assert list(Message.objects.values_list("id", "question", "status")) == before
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().message_count == 1


def test_thresholds_set_the_exit_status(library, tmp_path):
    questions = str(write_jsonl(tmp_path / "set.jsonl", OFFLINE_SET))
    with pytest.raises(CommandError, match="1 wrong answer") as raised:
        run("--datasource", "library", "--questions", questions, "--max-wrong", "0")
    assert raised.value.returncode == 1
    with pytest.raises(CommandError, match="below 90.0%"):
        run("--datasource", "library", "--questions", questions, "--min-accuracy", "90")
    # The first three questions hold one wrong answer; the first alone passes both bars.
    run("--datasource", "library", "--questions", questions, "--limit", "1", "--min-accuracy", "1", "--max-wrong", "0")
    run("--datasource", "library", "--questions", questions, "--max-wrong", "1")


def test_csv_sets_and_a_progress_bar_on_a_terminal(library, tmp_path):
    questions = tmp_path / "set.csv"
    questions.write_text(
        'question,sql,lang\nHow many books are there?,SELECT COUNT(*) FROM books,en\n"책 수는?",'
        "SELECT COUNT(*) FROM books,ko\n",
        encoding="utf-8",
    )

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    table = run("--datasource", "library", "--questions", str(questions), stderr=terminal)
    assert "accuracy           100.0%  (2 correct)" in table
    assert "[" + "#" * 30 + "] 2/2" in terminal.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"question": "How many books?"}\n', "both 'question' and 'sql' are required"),
        ("not json\n", "not JSON"),
        ("", "holds no questions"),
    ],
)
def test_a_broken_question_file_is_a_clear_error(library, tmp_path, content, message):
    path = tmp_path / "set.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("--datasource", "library", "--questions", str(path))


def test_unknown_datasource_and_no_examples(library, make_source, user, tmp_path):
    with pytest.raises(CommandError, match="No datasource"):
        run("--datasource", "nowhere", "--questions", str(tmp_path / "x.jsonl"))
    with pytest.raises(CommandError, match="no verified examples"):
        run("--datasource", "library")
    make_source(user, LIBRARY_SQL, name="library")
    with pytest.raises(CommandError, match="Several datasources"):
        run("--datasource", "library", "--questions", str(tmp_path / "x.jsonl"))


def test_a_real_model_through_the_fake_server(library, fake_llm, tmp_path):
    """The same command with an OpenAI-compatible endpoint: the fake writes the SQL between backticks."""
    records = [
        {"question": "Count them: `SELECT COUNT(*) FROM books`", "sql": "SELECT COUNT(*) FROM books"},
        {"question": "Count them: `SELECT COUNT(*) + 1 FROM books`", "sql": "SELECT COUNT(*) FROM books"},
        {"question": "Clean up: `DELETE FROM books`", "sql": "SELECT COUNT(*) FROM books"},
        {"question": "Titles: `SELECT title FROM books`", "sql": "SELECT title FROM books"},
    ]
    fake_llm.enqueue(Reply.error(500), stage="sql")  # the first SQL request fails: an error, not a refusal
    records.insert(0, {"question": "Anything", "sql": "SELECT 1"})
    report = tmp_path / "out.json"
    table = run(
        "--datasource", "library", "--questions", str(write_jsonl(tmp_path / "s.jsonl", records)), "--json", str(report)
    )
    document = json.loads(report.read_text(encoding="utf-8"))
    assert [o["outcome"] for o in document["outcomes"]] == ["error", "correct", "wrong", "refused", "correct"]
    assert document["outcomes"][0]["code"] == "llm_unavailable"
    assert document["outcomes"][3]["code"] == "sql_rejected"
    assert document["llm"] == {"mode": "openai", "model": "fake-sql-model"}
    assert document["figures"]["prompt_tokens"] > 0 and document["figures"]["completion_tokens"] > 0
    assert "openai: fake-sql-model" in table
    assert Message.objects.count() == 0
