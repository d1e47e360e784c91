"""Verified question→SQL examples, the feedback that creates them, and which examples a turn used."""

from django.conf import settings
from django.db import models


class Example(models.Model):
    """A question and the SQL that answers it on one datasource, verified by its owner and private to them."""

    class Source(models.TextChoices):
        FEEDBACK = "feedback"
        MANUAL = "manual"
        IMPORT = "import"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="examples")
    datasource = models.ForeignKey("datasources.DataSource", on_delete=models.CASCADE, related_name="examples")
    question = models.TextField()
    sql = models.TextField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # The turn a thumbs-up saved this example from; withdrawing that rating removes the example.
    source_turn = models.ForeignKey(
        "chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="saved_examples"
    )
    # Embedding of `question` from `OPENAI_EMBEDDING_MODEL`, computed once when the question is stored.
    embedding = models.JSONField(null=True, blank=True, editable=False)
    embedding_model = models.CharField(max_length=100, blank=True, editable=False)
    times_used = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "datasource", "-created_at", "-id"])]

    def __str__(self) -> str:
        return self.question[:60]


class TurnFeedback(models.Model):
    """A user's rating of one of their turns (up or down, with an optional comment)."""

    class Rating(models.TextChoices):
        UP = "up"
        DOWN = "down"

    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="feedback")
    rating = models.CharField(max_length=4, choices=Rating.choices)
    comment = models.TextField(blank=True)
    # The example a thumbs-up saved (null for a thumbs-down, or once that example is deleted).
    example = models.ForeignKey(Example, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.rating} on turn {self.message_id}"


class TurnExamples(models.Model):
    """Which examples went into a turn's SQL prompt (or answered it offline), in order."""

    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="examples_used_record")
    example_ids = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"examples of turn {self.message_id}"
