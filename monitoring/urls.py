from django.urls import path

from monitoring import snapshot_views, views

app_name = "monitoring"

urlpatterns: list = [
    # Coverage snapshots (monitoring/snapshot_views.py)
    path("snapshots/", snapshot_views.snapshots, name="snapshots"),
    path("snapshots/recompute/", snapshot_views.snapshot_recompute, name="snapshot-recompute"),
    # Dashboards (monitoring/views.py)
    path("", views.province_dashboard, name="dashboard"),
    path("data.json", views.province_dashboard_data, name="dashboard-data"),
    path("export.xlsx", views.province_dashboard_export, name="dashboard-export"),
    path("city/<str:code>/", views.city_dashboard, name="city-dashboard"),
    path("city/<str:code>/data.json", views.city_dashboard_data, name="city-dashboard-data"),
    path("city/<str:code>/export.xlsx", views.city_dashboard_export, name="city-dashboard-export"),
    path("county/<str:code>/", views.county_dashboard, name="county-dashboard"),
    path("county/<str:code>/data.json", views.county_dashboard_data, name="county-dashboard-data"),
    path(
        "county/<str:code>/export.xlsx",
        views.county_dashboard_export,
        name="county-dashboard-export",
    ),
]
