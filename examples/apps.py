from django.apps import AppConfig


class ExamplesConfig(AppConfig):
    """Verified question→SQL examples, feedback on turns, retrieval and suggestions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "examples"
    verbose_name = "Verified examples"

    def ready(self) -> None:
        from chat.evaluation.questions import register_source
        from examples.evaluation import evaluation_questions

        # `manage.py evaluate` without a question file asks a datasource's examples, leave-one-out.
        register_source("examples", evaluation_questions)
