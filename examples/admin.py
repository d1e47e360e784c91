"""Admin views of examples and feedback (read mostly; examples are checked through the API)."""

from django.contrib import admin

from examples.models import Example, TurnExamples, TurnFeedback


@admin.register(Example)
class ExampleAdmin(admin.ModelAdmin):
    """Examples per owner and datasource, with how often they were used."""

    list_display = ("id", "owner", "datasource", "question", "source", "times_used", "last_used_at")
    list_filter = ("source",)
    search_fields = ("question", "sql", "owner__email")
    raw_id_fields = ("owner", "datasource", "source_turn")
    readonly_fields = ("times_used", "last_used_at", "created_at", "updated_at")
    exclude = ("embedding",)


@admin.register(TurnFeedback)
class TurnFeedbackAdmin(admin.ModelAdmin):
    """Ratings of turns."""

    list_display = ("id", "message", "rating", "created_at")
    list_filter = ("rating",)
    raw_id_fields = ("message", "example")


@admin.register(TurnExamples)
class TurnExamplesAdmin(admin.ModelAdmin):
    """Which examples each turn used."""

    list_display = ("id", "message", "example_ids")
    raw_id_fields = ("message",)
