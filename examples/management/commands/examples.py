"""`manage.py examples export|import`: a user's examples on a datasource as JSON Lines, out or in.

    manage.py examples export --user ann@example.com --datasource 3 [--output FILE]
    manage.py examples import --user ann@example.com --datasource 3 FILE

Import checks every line on the datasource (guard and a run) and saves all of them or none.
"""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import NotFound

from chatAPI.exceptions import DomainError
from datasources.selectors import datasource_get
from examples import selectors, services
from examples.errors import ImportInvalid
from examples.jsonl import export_text, parse_jsonl


class Command(BaseCommand):
    help = "Export or import a user's verified examples on a datasource as JSON Lines."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"])
        parser.add_argument("file", nargs="?", help="JSON Lines file to import ('-' or nothing: standard input)")
        parser.add_argument("--user", required=True, help="the owner's email")
        parser.add_argument("--datasource", required=True, type=int, help="datasource id")
        parser.add_argument("--output", help="file to export to (default: standard output)")

    def handle(self, *args, **options):
        try:
            user = get_user_model().objects.get(email__iexact=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user with email {options['user']!r}.")
        try:
            datasource = datasource_get(user=user, pk=options["datasource"])
        except NotFound:
            raise CommandError(f"Datasource {options['datasource']} is not one this user can use.")
        if options["action"] == "export":
            self._export(user, datasource, options.get("output"))
        else:
            self._import(user, datasource, options.get("file"))

    def _export(self, user, datasource, output: str | None) -> None:
        examples = selectors.example_list(user=user, datasource=datasource).order_by("created_at", "id")
        text = export_text(examples)
        if output:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stderr.write(f"Exported {text.count(chr(10))} examples to {output}.")
        else:
            self.stdout.write(text, ending="")

    def _import(self, user, datasource, path: str | None) -> None:
        if not path or path == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(path, encoding="utf-8-sig") as handle:
                    text = handle.read()
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"Cannot read {path}: {exc}")
        try:
            outcome = services.examples_import(owner=user, datasource=datasource, lines=parse_jsonl(text))
        except ImportInvalid as exc:
            for number, messages in sorted(exc.line_errors.items()):
                for message in messages:
                    self.stderr.write(f"line {number}: {message}" if number else str(message))
            raise CommandError("Nothing was imported.")
        except DomainError as exc:
            raise CommandError(str(exc.message))
        self.stdout.write(f"Imported {len(outcome.created)} examples ({outcome.skipped} already kept).")
