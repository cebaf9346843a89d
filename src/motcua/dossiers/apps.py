from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self) -> None:
        from motcua.dossiers.tasks import on_calendar_changed
        from motcua.workcal.signals import calendar_changed

        calendar_changed.connect(on_calendar_changed, dispatch_uid="dossiers-replan")
