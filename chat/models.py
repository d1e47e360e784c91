"""Conversations and their turns (one question, its SQL, result and summary)."""

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    """A user's thread of questions about one datasource."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    datasource = models.ForeignKey("datasources.DataSource", on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Kept by chat.services whenever a turn is added or deleted, so a page of the list is one indexed
    # scan with nothing to count or look up per row.
    message_count = models.PositiveIntegerField(default=0)
    last_question = models.TextField(blank=True, default="")
    # Sum of its turns' `stored_bytes`, kept the same way: a user's storage use is one indexed sum.
    stored_bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at", "-id"])]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    """One turn: the question, the SQL that ran, its result, the summary and how it went."""

    class Status(models.TextChoices):
        PENDING = "pending"
        OK = "ok"
        ERROR = "error"
        REJECTED = "rejected"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    question = models.TextField(blank=True)
    sql = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=50, blank=True)
    error_message = models.TextField(blank=True)
    columns = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    truncated = models.BooleanField(default=False)
    # Rows were left out to keep the stored result within RESULT_STORE_MAX_BYTES (or the owner's quota).
    stored_truncated = models.BooleanField(default=False)
    # What list pages show of the result: a few leading rows, cut short (see chat.storage.preview).
    result_preview = models.JSONField(default=dict, blank=True)
    # Bytes this turn keeps (result as JSON plus its texts); counted against the owner's storage quota.
    stored_bytes = models.PositiveIntegerField(default=0)
    summary = models.TextField(blank=True)
    model = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    llm_ms = models.PositiveIntegerField(default=0)
    db_ms = models.PositiveIntegerField(default=0)
    total_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at", "id"])]

    def __str__(self) -> str:
        return self.question[:60] or self.sql[:60]
