from django.urls import path

from assessments import result_views, views

app_name = "assessments"
urlpatterns: list = [
    # Self-assessment and provider diagnosis pages (views.py).
    path("", views.assessment_list, name="list"),
    path("start/", views.assessment_start_view, name="start"),
    path("<int:pk>/edit/", views.assessment_edit, name="edit"),
    path("<int:pk>/save/", views.assessment_save_view, name="save"),
    path("<int:pk>/variant/", views.assessment_variant_view, name="variant"),
    path("<int:pk>/submit/", views.assessment_submit_view, name="submit"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence-upload"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
    path("evidence/<int:pk>/delete/", views.evidence_delete_view, name="evidence-delete"),
    path("diagnosis/assign/", views.assignment_create, name="assign"),
    path("diagnosis/<int:pk>/start/", views.diagnosis_start_view, name="diagnosis-start"),
    path("<int:pk>/review/", views.diagnosis_review, name="diagnosis-review"),
    # Result pages and report downloads (result_views.py).
    path("<int:pk>/result/", result_views.assessment_result, name="result"),
    path("<int:pk>/result/trail/", result_views.assessment_trail, name="trail"),
    path("<int:pk>/report/<str:format>/", result_views.assessment_report, name="report"),
]
