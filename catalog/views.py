"""Public pages of the resource pool (资源池): home, search, an entry, the providers, a provider,
the scenario map (场景图谱) and a scenario. Anyone may read them, logged in or not; they show
published rows, and a draft only to its provider's members and to province officials (through
catalog.selectors; anyone else gets 404). The search and the provider list serve their results as
an htmx fragment (template partial "results"). Bad query parameters are ignored, never an error
(catalog.search.entry_filters, page_number).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog import adoptions, browse
from catalog import search as pool
from catalog.models import Entry, Scenario, Stage
from catalog.selectors import entry_get_for_user, provider_get_for_user, provider_list_for_user

FEATURED_ON_HOME = 6
PROVIDER_ENTRIES = 100


def _template(request: HttpRequest, page: str) -> str:
    """The page, or its results partial for an htmx request (not a history restore)."""
    headers = request.headers
    htmx = headers.get("HX-Request") and not headers.get("HX-History-Restore-Request")
    return f"{page}#results" if htmx else page


def _kinds(result: pool.SearchResult) -> list[tuple[str, Any, int]]:
    return [(v, label, result.kind_counts.get(v, 0)) for v, label in Entry.Kind.choices]


def home(request: HttpRequest) -> HttpResponse:
    result = pool.entry_search_filters(filters=pool.EntryFilters(), per_page=FEATURED_ON_HOME)
    context = {
        "kinds": _kinds(result),
        "total": result.total,
        "entries": result.rows,
        "providers": pool.provider_search(per_page=1).total,
        "scenarios": Scenario.objects.count(),
    }
    return render(request, "catalog/home.html", context)


def _search_choices() -> dict[str, Any]:
    flags = [("first_version", _("首版次")), ("first_set", _("首台套")), ("featured", _("推荐"))]
    return {
        "kind_choices": Entry.Kind.choices,
        "industry_choices": browse.industry_choices(),
        "region_choices": browse.region_choices(),
        "scenario_choices": browse.scenario_choices(),
        "stage_choices": Stage.choices,
        "software_choices": Entry.SoftwareCategory.choices,
        "flag_choices": flags,
    }


def search(request: HttpRequest) -> HttpResponse:
    filters = pool.entry_filters(request.GET, request.GET.getlist("flag"))
    page = pool.page_number(request.GET.get("page"))
    result = pool.entry_search_filters(filters=filters, page=page)
    context: dict[str, Any] = {"filters": filters, "result": result, "kinds": _kinds(result)}
    if filters.provider:
        visible = provider_list_for_user(user=request.user).filter(pk=filters.provider)
        context["provider_name"] = visible.values_list("name", flat=True).first() or ""
    template = _template(request, "catalog/search.html")
    if "#" not in template:
        context |= _search_choices()
    return render(request, template, context)


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = entry_get_for_user(user=request.user, pk=pk)
    provider_visible = (
        entry.provider_id is not None
        and provider_list_for_user(user=request.user).filter(pk=entry.provider_id).exists()
    )
    context = {
        "entry": entry,
        "provider_visible": provider_visible,
        "industries": browse.industry_names(entry.industries or []),
        "regions": browse.region_names(entry.regions or []),
        "clusters": browse.cluster_names(entry.clusters or []),
        "chains": browse.chain_names(entry.chains or []),
        "attributes": browse.attribute_rows(entry.attributes or {}),
        "effects": adoptions.entry_effects(entry=entry),  # catalog/_entry_effects.html
    }
    return render(request, "catalog/entry_detail.html", context)


def provider_list(request: HttpRequest) -> HttpResponse:
    filters = pool.entry_filters(request.GET)
    page = pool.page_number(request.GET.get("page"))
    result = pool.provider_search(
        q=filters.q, region=filters.region, industry=filters.industry, page=page
    )
    context: dict[str, Any] = {"filters": filters, "result": result}
    template = _template(request, "catalog/provider_list.html")
    if "#" not in template:
        context |= {
            "industry_choices": browse.industry_choices(),
            "region_choices": browse.region_choices(),
        }
    return render(request, template, context)


def provider_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provider = provider_get_for_user(user=request.user, pk=pk)
    entries = pool.entry_search_filters(
        filters=pool.EntryFilters(provider=provider.pk), per_page=PROVIDER_ENTRIES
    )
    context = {
        "provider": provider,
        "entries": entries,
        "regions_served": list(provider.regions_served.order_by("code")),
        "industries": browse.industry_names(provider.industries or []),
        "qualifications": browse.qualification_rows(provider.qualifications or []),
        "effects": adoptions.provider_effects(provider=provider),  # _provider_effects.html
    }
    return render(request, "catalog/provider_detail.html", context)


def scenario_map(request: HttpRequest) -> HttpResponse:
    found = browse.scenario_map()
    data = found.chart_data(search_url=reverse("catalog:search"), all_label=_("不限行业"))
    totals = browse.scenario_totals(found)
    context = {"data": data, "map": found, "stages": totals}
    return render(request, "catalog/scenario_map.html", context)


def scenario_detail(request: HttpRequest, code: str) -> HttpResponse:
    scenario = Scenario.objects.filter(code=code).first()
    if scenario is None:
        raise Http404
    page = pool.page_number(request.GET.get("page"))
    result = pool.entry_search_filters(filters=pool.EntryFilters(scenario=code), page=page)
    context = {"scenario": scenario, "result": result, "nodes": browse.scenario_nodes(scenario)}
    return render(request, "catalog/scenario_detail.html", context)
