"""Read-mostly admin so an operator can inspect what the model produced."""

from django.contrib import admin

from chat import services
from chat.models import Conversation, Message


class MessageInline(admin.TabularInline):
    """A conversation's turns, read-only."""

    model = Message
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("created_at", "status", "error_code", "question", "sql", "row_count", "model", "total_ms")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    """Conversations: titles are editable, the rest is the record."""

    list_display = ("id", "title", "owner", "datasource", "message_count", "created_at", "updated_at")
    list_select_related = ("owner", "datasource")
    list_filter = ("datasource",)
    search_fields = ("title", "owner__email", "messages__question")
    readonly_fields = (
        "owner",
        "datasource",
        "message_count",
        "last_question",
        "stored_bytes",
        "created_at",
        "updated_at",
    )
    inlines = [MessageInline]

    def has_add_permission(self, request):
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Turns are a record of what happened: viewable and deletable, never edited."""

    list_display = ("id", "conversation", "status", "error_code", "short_question", "model", "attempts", "total_ms")
    list_select_related = ("conversation",)
    list_filter = ("status", "error_code", "model")
    search_fields = ("question", "sql", "summary", "conversation__owner__email")
    date_hierarchy = "created_at"

    @admin.display(description="question")
    def short_question(self, obj: Message) -> str:
        return obj.question[:80]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting turns goes through the service, which recounts their conversations.
    def delete_model(self, request, obj: Message) -> None:
        services.message_delete(message=obj)

    def delete_queryset(self, request, queryset) -> None:
        services.messages_delete(queryset)
