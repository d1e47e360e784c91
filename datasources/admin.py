"""Admin for datasources: read-mostly, and the password is never shown."""

from django.contrib import admin

from datasources.models import Column, DataSource, Table


class TableInline(admin.TabularInline):
    """Tables of a datasource, descriptions editable."""

    model = Table
    extra = 0
    fields = ["name", "schema", "row_estimate", "description"]
    readonly_fields = ["name", "schema", "row_estimate"]
    show_change_link = True
    can_delete = False


@admin.register(DataSource)
class DataSourceAdmin(admin.ModelAdmin):
    """Registered datasources; connection fields are read-only here (use the API, which checks the rules)."""

    list_display = ["name", "engine", "owner", "is_demo", "host", "database", "sqlite_path", "introspected_at"]
    list_filter = ["engine", "is_demo"]
    search_fields = ["name", "host", "database", "sqlite_path", "owner__email"]
    fields = [
        "name",
        "description",
        "engine",
        "owner",
        "is_demo",
        "host",
        "port",
        "database",
        "username",
        "sqlite_path",
        "schema",
        "introspected_at",
        "created_at",
        "updated_at",
    ]
    readonly_fields = [name for name in fields if name not in ("name", "description")]
    inlines = [TableInline]

    def has_add_permission(self, request):
        return False


class ColumnInline(admin.TabularInline):
    """Columns of a table, descriptions editable."""

    model = Column
    extra = 0
    fields = ["name", "type", "nullable", "primary_key", "references", "samples", "description"]
    readonly_fields = ["name", "type", "nullable", "primary_key", "references", "samples"]
    can_delete = False


@admin.register(Table)
class TableAdmin(admin.ModelAdmin):
    """Introspected tables; only descriptions are editable."""

    list_display = ["name", "datasource", "row_estimate"]
    list_select_related = ["datasource"]
    search_fields = ["name", "datasource__name"]
    fields = ["datasource", "schema", "name", "row_estimate", "description"]
    readonly_fields = ["datasource", "schema", "name", "row_estimate"]
    inlines = [ColumnInline]

    def has_add_permission(self, request):
        return False


@admin.register(Column)
class ColumnAdmin(admin.ModelAdmin):
    """Introspected columns; only descriptions are editable."""

    list_display = ["name", "table", "type", "primary_key", "references"]
    list_select_related = ["table", "table__datasource"]
    search_fields = ["name", "table__name"]
    fields = ["table", "name", "type", "nullable", "primary_key", "references", "samples", "description"]
    readonly_fields = ["table", "name", "type", "nullable", "primary_key", "references", "samples"]

    def has_add_permission(self, request):
        return False
