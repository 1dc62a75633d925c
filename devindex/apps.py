from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevindexConfig(AppConfig):
    name = "devindex"
    verbose_name = _("发展指数")
