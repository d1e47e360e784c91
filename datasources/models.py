"""Registered databases and their introspected schema."""

from django.conf import settings
from django.db import models

from datasources import engines


class DataSource(models.Model):
    """A database a user may ask questions of; `owner` is null for the shared demo sets."""

    # One member per module in datasources/engines (DataSource.Engine.SQLITE == "sqlite").
    Engine = models.TextChoices("Engine", [(name.upper(), (name, label)) for name, label in engines.choices()])

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="datasources"
    )
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    engine = models.CharField(max_length=20, choices=Engine.choices)
    host = models.CharField(max_length=255, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    database = models.CharField(max_length=255, blank=True)
    username = models.CharField(max_length=255, blank=True)
    # Fernet token of the password (see datasources.crypto); never returned or logged.
    password_encrypted = models.TextField(blank=True)
    sqlite_path = models.CharField(max_length=500, blank=True)
    # PostgreSQL schema to read (search_path); blank means the database's default. Set by seed_demo.
    schema = models.CharField(max_length=63, blank=True)
    is_demo = models.BooleanField(default=False)
    introspected_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_demo", "name", "id"]
        indexes = [models.Index(fields=["owner", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.engine})"


class Table(models.Model):
    """One introspected table of a datasource."""

    datasource = models.ForeignKey(DataSource, on_delete=models.CASCADE, related_name="tables")
    name = models.CharField(max_length=255)
    schema = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    row_estimate = models.BigIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["datasource", "schema", "name"], name="uniq_table_per_source")]

    def __str__(self) -> str:
        return self.name


class Column(models.Model):
    """One introspected column with keys, sample values and an editable description."""

    table = models.ForeignKey(Table, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=255)
    type = models.CharField(max_length=100, blank=True)
    nullable = models.BooleanField(default=True)
    primary_key = models.BooleanField(default=False)
    references = models.CharField(max_length=511, blank=True, help_text='"table.column" for a foreign key')
    description = models.TextField(blank=True)
    samples = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["table", "name"], name="uniq_column_per_table")]

    def __str__(self) -> str:
        return f"{self.table.name}.{self.name}"
