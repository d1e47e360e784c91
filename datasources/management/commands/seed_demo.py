"""`manage.py seed_demo`: generate and register the shared demo datasources (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from datasources.demo.loader import seed_postgres, seed_sqlite
from datasources.demo.specs import DEMO_SPECS
from datasources.errors import DatasourceError


class Command(BaseCommand):
    """Write the four demo SQLite databases (or load them into PostgreSQL with --url) and register them."""

    help = "Generate the ecommerce, hr, edu and ad demo databases and register them as shared demo datasources."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="postgresql://user:password@host:port/db to load the demo sets into")
        parser.add_argument(
            "--reader-url",
            default="",
            help="with --url: a SELECT-only role on the same database (postgresql://reader:password@host:port/db) "
            "that is granted read access to the demo schemas and that questions run as",
        )
        parser.add_argument("--scale", type=float, default=1.0, help="size factor (1.0 = default sizes)")
        parser.add_argument("--only", nargs="+", choices=sorted(DEMO_SPECS), help="seed only these sets")
        parser.add_argument("--force", action="store_true", help="rebuild even when the data is up to date")

    def handle(self, *args, url=None, reader_url="", scale=1.0, only=None, force=False, **options):
        if not 0 < scale <= 10:
            raise CommandError("--scale must be between 0 and 10.")
        if reader_url and not url:
            raise CommandError("--reader-url goes with --url.")
        log = self.stdout.write
        try:
            if url:
                if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg2://")):
                    raise CommandError("--url must be a postgresql:// URL.")
                datasources = seed_postgres(
                    url.replace("postgres://", "postgresql://", 1),
                    reader_url=reader_url.replace("postgres://", "postgresql://", 1),
                    scale=scale,
                    keys=only,
                    force=force,
                    log=log,
                )
            else:
                datasources = seed_sqlite(scale=scale, keys=only, force=force, log=log)
        except DatasourceError as exc:
            raise CommandError(exc.message)
        for datasource in datasources:
            log(
                self.style.SUCCESS(
                    f"demo datasource #{datasource.pk} {datasource.name}: {datasource.tables.count()} tables"
                )
            )
