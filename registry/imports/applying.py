"""Applying a plan: bulk writes in the caller's transaction (inserts through core.db.rows_insert,
COPY on PostgreSQL; plain UPDATE statements through executemany), then the audit trail."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

from audit.services import Change, audit_record_many
from core.db import rows_insert
from registry.imports.cells import Lookups
from registry.imports.messages import IMPORT_CONFLICT, SCAN_SHARE
from registry.imports.planning import (
    Current,
    Plan,
    change,
    chunked,
    db_column,
    select_in,
    sql_select,
    year_figures,
)
from registry.imports.progress import Progress
from registry.imports.validation import Row
from registry.models import Category, Enterprise, EnterpriseCategory, EnterpriseYear


class ImportConflictError(Exception):
    """Rows changed under the import; the transaction is rolled back."""


def plan_apply(plan: Plan, lookups: Lookups, progress: Progress, *, summary: Change) -> None:
    codes = _tags_create(plan, lookups)
    created = _enterprises_create(plan.creates, lookups)
    progress.applied(0.65)
    _enterprises_update(plan.updates, lookups)
    _years_write(plan, created)
    progress.applied(0.8)
    _links_write(plan, created, codes)
    plan.changes.extend(
        change("enterprise.create", pk, row.name, after=_created_after(row))
        for row, pk in zip(plan.creates, created, strict=True)
    )
    audit_record_many([*plan.changes, summary])
    progress.applied(1.0)


def _tag_code(name: str) -> str:
    """Tags are named in Chinese, which slugify drops; a short digest keeps the code a slug."""
    return "tag-" + hashlib.blake2s(name.encode(), digest_size=8).hexdigest()


def _tags_create(plan: Plan, lookups: Lookups) -> dict[str, str]:
    used = {name for row in plan.creates for name in row.categories}
    used.update(name for _, name, _ in plan.link_creates)
    new = sorted(used - lookups.category_codes.keys())
    Category.objects.bulk_create(
        [Category(code=_tag_code(name), name=name, kind=Category.Kind.TAG) for name in new]
    )
    return lookups.category_codes | {name: _tag_code(name) for name in new}


def _enterprises_create(rows: list[Row], lookups: Lookups) -> list[int]:
    """Bulk inserts (core.db.rows_insert), then the new ids by USCC: bulk_create spends ~30 µs
    a row preparing values through the ORM, several seconds for a province-wide file."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    city = lookups.counties
    params = [
        (row.uscc, row.name, city[row.county_code], row.county_code, row.industry_code, now, now, 1)
        for row in rows
    ]
    fields = ("uscc", "name", "city", "county", "industry", "created_at", "updated_at", "version")
    _insert(Enterprise, fields, params)
    return _enterprise_pks([row.uscc for row in rows])


def _enterprise_pks(usccs: list[str]) -> list[int]:
    found: dict[str, int] = {}
    if len(usccs) * SCAN_SHARE >= Enterprise.objects.count():
        found.update(select_in(sql_select(Enterprise, ("uscc", "id"), where_in=())))
    else:
        sql = sql_select(Enterprise, ("uscc", "id"), where_in=("uscc",))
        for chunk in chunked(usccs):
            found.update(select_in(sql, chunk))
    return [found[uscc] for uscc in usccs]


def _insert(model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> int:
    columns = [db_column(model, name) for name in fields]
    return rows_insert(table=model._meta.db_table, columns=columns, rows=rows)


def _sql_update(model: type[models.Model], sets: Sequence[str], where: Sequence[str]) -> str:
    """UPDATE with %s placeholders (Django's cursor turns them into SQLite's ?); quoted names
    keep it portable between SQLite and PostgreSQL. A set may be an expression: `version+1`."""
    qn = connection.ops.quote_name
    columns = [db_column(model, name) for name in where]
    assignments = ", ".join(
        f"{qn(name)} = {qn(name)} + 1" if name == "version" else f"{qn(name)} = %s"
        for name in (db_column(model, name) for name in sets)
    )
    conditions = " AND ".join(f"{qn(column)} = %s" for column in columns)
    return f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {conditions}"


def _executemany(sql: str, params: list[tuple[Any, ...]]) -> int:
    if not params:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
        return int(cursor.rowcount)


def _enterprises_update(updates: list[tuple[Row, Current]], lookups: Lookups) -> None:
    """One plain UPDATE per changed enterprise, sent with executemany. The version in the WHERE
    clause catches an edit made since the plan was read: then the import is rolled back."""
    now = Enterprise._meta.get_field("updated_at").get_db_prep_value(timezone.now(), connection)
    sets = ("name", "county", "city", "industry", "updated_at", "version")
    params = [
        (
            row.name,
            row.county_code,
            lookups.counties[row.county_code],
            row.industry_code,
            now,
            current.pk,
            current.version,
        )
        for row, current in updates
    ]
    done = _executemany(_sql_update(Enterprise, sets, ("id", "version")), params)
    if done != len(params):
        raise ImportConflictError(IMPORT_CONFLICT)


def _years_write(plan: Plan, created: list[int]) -> None:
    pairs = plan.year_creates + list(zip(created, plan.creates, strict=True))
    fields = ("enterprise", "year", "revenue_10k_yuan", "employees")
    _insert(
        EnterpriseYear,
        fields,
        [(pk, row.year, row.revenue_10k_yuan, row.employees) for pk, row in pairs],
    )
    sets = ("revenue_10k_yuan", "employees")
    _executemany(_sql_update(EnterpriseYear, sets, ("id",)), plan.year_updates)


def _links_write(plan: Plan, created: list[int], codes: dict[str, str]) -> None:
    qn = connection.ops.quote_name
    table = qn(EnterpriseCategory._meta.db_table)
    _executemany(f"DELETE FROM {table} WHERE {qn('id')} = %s", [(pk,) for pk in plan.link_deletes])
    triples = plan.link_creates + [
        (pk, name, row.year)
        for pk, row in zip(created, plan.creates, strict=True)
        for name in row.categories
    ]
    _insert(
        EnterpriseCategory,
        ("enterprise", "category", "year"),
        [(pk, codes[name], year) for pk, name, year in triples],
    )


def _created_after(row: Row) -> dict[str, Any]:
    return {
        "uscc": row.uscc,
        "name": row.name,
        "county": row.county_code,
        "industry": row.industry_code,
        **year_figures(row.year, row.revenue_10k_yuan, row.employees),
        f"{row.year}.categories": sorted(row.categories),
    }
