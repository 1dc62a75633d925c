from django.urls import path

from recognition import views

app_name = "recognition"
urlpatterns = [
    path("", views.application_mine, name="mine"),
    path("new/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/edit/", views.application_edit, name="edit"),
    path("<int:pk>/act/", views.application_act, name="act"),
    path("<int:pk>/certificate/", views.application_certificate, name="certificate"),
    path("queue/", views.queue, name="queue"),
    path("queue/export/", views.queue_export_download, name="queue-export"),
    path("site-check-sample/", views.site_check_sample_page, name="site-check-sample"),
    path("expert/", views.expert_list, name="expert-list"),
    path("expert/<int:pk>/", views.expert_sheet, name="expert-sheet"),
    path("notices/", views.public_notice_list, name="notices"),
]
