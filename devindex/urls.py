from django.urls import path

from devindex import views

app_name = "devindex"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("manage/", views.manage, name="manage"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run-status"),
    path("runs/<int:pk>/publish/", views.run_publish, name="run-publish"),
    path("runs/<int:pk>/download.<str:fmt>", views.run_download, name="run-download"),
    path("methodology/<str:code>/<str:version>/", views.methodology_page, name="methodology"),
]
