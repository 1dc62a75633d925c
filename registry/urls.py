from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/export/", views.enterprise_export_download, name="enterprise-export"),
    path("import/", views.import_start, name="import"),
    path("import/template/", views.import_template_download, name="import-template"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("import/<int:pk>/report/", views.import_job_report, name="import-report"),
]
