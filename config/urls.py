from django.contrib import admin
from django.urls import include, path

from config.api import api

admin.site.site_header = admin.site.site_title = "智改数转网联平台 管理"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("registry/", include("registry.urls")),
    path("frameworks/", include("frameworks.urls")),
    path("assessments/", include("assessments.urls")),
    path("recognition/", include("recognition.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("index/", include("devindex.urls")),
    path("targets/", include("targets.urls")),
    path("catalog/", include("catalog.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
