"""Routes of the resource pool (catalog/policy.yaml lists who may use each)."""

from django.urls import path

from catalog import data_views, manage_views, match_views, views

app_name = "catalog"

urlpatterns = [
    # Public: published entries, providers and the scenario map (views.py).
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("providers/", views.provider_list, name="providers"),
    path("providers/<int:pk>/", views.provider_detail, name="provider"),
    path("scenarios/", views.scenario_map, name="scenario-map"),
    path("scenarios/<slug:code>/", views.scenario_detail, name="scenario"),
    # Providers manage their own entries; the province moderates (manage_views.py).
    path("mine/", manage_views.mine, name="mine"),
    path("entries/new/", manage_views.entry_new, name="entry-new"),
    path("entries/<int:pk>/edit/", manage_views.entry_edit, name="entry-edit"),
    path("entries/<int:pk>/submit/", manage_views.entry_submit, name="entry-submit"),
    path("entries/<int:pk>/delete/", manage_views.entry_delete, name="entry-delete"),
    path("entries/<int:pk>/withdraw/", manage_views.entry_withdraw, name="entry-withdraw"),
    path("entries/<int:pk>/moderate/", manage_views.entry_moderate, name="entry-moderate"),
    path("providers/new/", manage_views.provider_new, name="provider-new"),
    path("providers/<int:pk>/edit/", manage_views.provider_edit, name="provider-edit"),
    path("providers/<int:pk>/submit/", manage_views.provider_submit, name="provider-submit"),
    path("providers/<int:pk>/moderate/", manage_views.provider_moderate, name="provider-moderate"),
    path("providers/<int:pk>/members/", manage_views.provider_members, name="provider-members"),
    path("moderation/", manage_views.moderation, name="moderation"),
    # XLSX import and export (data_views.py).
    path("import/", data_views.import_upload, name="import"),
    path("import/template.xlsx", data_views.import_template, name="import-template"),
    path("export.xlsx", data_views.export, name="export"),
    # Matching and adoption: an assessment's gaps → scenarios → solutions → providers
    # (match_views.py).
    path("matches/<int:assessment_id>/", match_views.matches, name="matches"),
    path("adoptions/", match_views.adoption_list, name="adoptions"),
    path("adoptions/new/", match_views.adopt, name="adopt"),
    path("adoptions/<int:pk>/withdraw/", match_views.adoption_withdraw, name="adoption-withdraw"),
]
