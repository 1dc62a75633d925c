"""Who may report, review and plan for a target (object level; targets/policy.yaml lists the
routes).

Departments: a province official's department is read from the account's 单位 (organisation),
e.g. "江苏省工业和信息化厅" → 省工业和信息化厅, and compared with the departments the plan names
for the target's task. Reporting: a reported target's province figure is reported by a province
official of one of the task's departments; a city figure by an official of that city. Approval:
a province official of the task's lead department or of the plan's coordinating department (the
lead of task 20, 省工业和信息化厅), never the person who submitted the report (four eyes).
Allocation: the province splits targets over cities; a city over its counties. Work plans: a city
official for the city.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from accounts.models import Role
from registry.models import Region
from targets.models import PlanTask, Report, Target

COORDINATING_TASK = 20
_DEMO_SUFFIX = re.compile(r"[（(][^）)]*[）)]\s*$")


def department_of(user: Any) -> str:
    """The department named by `user`'s organisation, normalised to the plan's spelling: no
    trailing bracketed note, no leading 江苏 (江苏省工业和信息化厅（演示）→ 省工业和信息化厅).
    What cannot be seen does not count: NFKC, and no whitespace or invisible format characters
    (a zero-width space pasted with the name), so the 单位 an administrator reads is the one
    compared. Otherwise the name must be the department's exactly: a division or an institution
    under it (江苏省工业和信息化厅规划处, …信息中心) is not the department."""
    text = unicodedata.normalize("NFKC", getattr(user, "organisation", "") or "")
    name = "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")
    return _DEMO_SUFFIX.sub("", name).removeprefix("江苏")


def is_province(user: Any) -> bool:
    authenticated = bool(getattr(user, "is_authenticated", False))
    return authenticated and getattr(user, "role", "") == Role.PROVINCE


def user_departments(user: Any, task: PlanTask) -> bool:
    """True when `user` is a province official of one of `task`'s departments."""
    return is_province(user) and department_of(user) in task.departments


def coordinating_department() -> str:
    task = PlanTask.objects.filter(number=COORDINATING_TASK).first()
    return task.lead if task is not None else "省工业和信息化厅"


def may_report(user: Any, target: Target, region: Region) -> bool:
    """May `user` report `target`'s actual for `region`?"""
    if target.actual != Target.Actual.REPORTED or not getattr(user, "is_active", False):
        return False
    if region.level == Region.Level.PROVINCE:
        return target.scope == Target.Scope.PROVINCE and user_departments(user, target.task)
    if region.level == Region.Level.CITY:
        return getattr(user, "role", "") == Role.CITY and user.region_id == region.code
    return False


def may_review(user: Any, report: Report) -> bool:
    """May `user` approve or reject `report`?"""
    if not is_province(user) or not user.is_active or report.submitted_by_id == user.pk:
        return False
    department = department_of(user)
    return department in (report.target.task.lead, coordinating_department())


def may_allocate(user: Any, region: Region) -> bool:
    """May `user` set a target's share for `region` (a city: the province; a county: its city)?"""
    if not getattr(user, "is_active", False):
        return False
    if region.level == Region.Level.CITY:
        return is_province(user)
    if region.level == Region.Level.COUNTY:
        return is_province(user) or (
            getattr(user, "role", "") == Role.CITY and user.region_id == region.parent_id
        )
    return False


def may_edit_targets(user: Any) -> bool:
    """Adjusting the plan's targets (with a reason) is the province's."""
    return is_province(user) and user.is_active


def may_plan(user: Any, region: Region) -> bool:
    """A city's annual work plan is written by the city's officials."""
    return (
        getattr(user, "is_active", False)
        and getattr(user, "role", "") == Role.CITY
        and region.level == Region.Level.CITY
        and user.region_id == region.code
    )
