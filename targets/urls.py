from django.urls import path

from targets import export_views, report_views, views, workplan_views

app_name = "targets"

# Target codes are slugs and city codes digits: `slug` keeps anything else (a NUL byte, which
# PostgreSQL refuses in a query) from reaching the database.

urlpatterns: list = [
    # The plan, tasks, targets and city scorecards (targets/views.py)
    path("", views.overview, name="overview"),
    path("tasks/<int:number>/", views.task, name="task"),
    path("targets/<slug:code>/", views.target, name="target"),
    path("targets/<slug:code>/edit/", views.target_edit, name="target-edit"),
    path("targets/<slug:code>/allocate/", views.allocate, name="allocate"),
    path(
        "targets/<slug:code>/allocate/default/",
        views.allocate_default,
        name="allocate-default",
    ),
    path("cities/<slug:code>/", views.city, name="city"),
    # reporting, work plans, exports (targets/report_views.py, workplan_views.py, exports.py)
    path("reports/", report_views.reports, name="reports"),
    path("reports/template.xlsx", report_views.report_template, name="report-template"),
    path("reports/upload/", report_views.report_upload, name="report-upload"),
    path("reports/<int:pk>/", report_views.report_detail, name="report"),
    path("reports/<int:pk>/review/", report_views.report_review, name="report-review"),
    path("reports/evidence/<int:pk>/", report_views.report_evidence, name="report-evidence"),
    path("work-plans/", workplan_views.work_plans, name="work-plans"),
    path("work-plans/<int:year>/", workplan_views.work_plan, name="work-plan"),
    path(
        "work-plans/<int:year>/submit/",
        workplan_views.work_plan_submit_view,
        name="work-plan-submit",
    ),
    path("work-plans/view/<int:pk>/", workplan_views.work_plan_detail, name="work-plan-detail"),
    path("export.xlsx", export_views.export, name="export"),
    path("print/", export_views.print_report, name="print"),
]
