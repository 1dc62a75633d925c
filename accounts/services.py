"""Account use cases: create a user with a role and the jurisdiction that role needs, and set a
user's password. Both run Django's password validators and write the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import ROLE_REGION_LEVEL, Role, User
from audit.services import audit_record
from registry.models import Enterprise, Region

USER_UNKNOWN_ROLE = "未知角色 (unknown role)"
USER_REGION_REQUIRED = "该角色必须指定管辖区域 (this role needs a region)"
USER_REGION_LEVEL_WRONG = (
    "管辖区域层级与角色不符：省级管理员对应省，市级对应设区市，区县级对应区县 "
    "(the region's level does not fit the role: province → province, city → city, "
    "county → county)"
)
USER_OFFICIAL_HAS_ENTERPRISE = "管理员不能绑定企业 (an official cannot be bound to an enterprise)"
USER_ENTERPRISE_REQUIRED = (
    "企业用户必须绑定企业 (an enterprise user must be bound to an enterprise)"
)
USER_ENTERPRISE_HAS_REGION = "企业用户不能指定管辖区域 (an enterprise user has no region)"
USER_NO_JURISDICTION = (
    "该角色不能绑定管辖区域或企业 (this role has neither a region nor an enterprise)"
)

# Roles that may use the Django admin site (what they may do there is set by permissions).
STAFF_ROLES = (Role.PROVINCE, Role.ADMIN)


def _jurisdiction_errors(
    role: str, region: Region | None, enterprise: Enterprise | None
) -> dict[str, str]:
    if role not in Role.values:
        return {"role": USER_UNKNOWN_ROLE}
    if role in ROLE_REGION_LEVEL:
        if enterprise is not None:
            return {"enterprise": USER_OFFICIAL_HAS_ENTERPRISE}
        if region is None:
            return {"region": USER_REGION_REQUIRED}
        if region.level != ROLE_REGION_LEVEL[Role(role)]:
            return {"region": USER_REGION_LEVEL_WRONG}
        return {}
    if role == Role.ENTERPRISE:
        if region is not None:
            return {"region": USER_ENTERPRISE_HAS_REGION}
        return {} if enterprise is not None else {"enterprise": USER_ENTERPRISE_REQUIRED}
    if region is not None or enterprise is not None:
        return {"region" if region is not None else "enterprise": USER_NO_JURISDICTION}
    return {}


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _snapshot(user: User) -> dict[str, Any]:
    """The audited fields of a user (never the password)."""
    return {
        "username": user.username,
        "role": user.role,
        "region": user.region_id,
        "enterprise": user.enterprise_id,
        "organisation": user.organisation,
        "email": user.email,
        "is_staff": user.is_staff,
        "is_active": user.is_active,
    }


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    password: str | None = None,
    region: Region | None = None,
    enterprise: Enterprise | None = None,
    organisation: str = "",
    email: str = "",
) -> User:
    """Create a user after checking role against jurisdiction and the password rules.

    Officials are bound to a region of their level (province, city, county), enterprise users to
    an enterprise, every other role to neither. Without a password the account cannot log in
    until one is set. Province officials and platform admins get `is_staff`.
    Raises ValidationError (keyed by field) and writes nothing when a check fails.
    """
    errors = _jurisdiction_errors(role, region, enterprise)
    if errors:
        raise ValidationError(errors)
    user = User(
        username=username,
        role=role,
        region=region,
        enterprise=enterprise,
        organisation=organisation,
        email=email,
        is_staff=role in STAFF_ROLES,
    )
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    user.full_clean()
    user.save(force_insert=True)
    audit_record(action="user.create", obj=user, after=_snapshot(user))
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str) -> None:
    """Set a new password after the password validators accept it (audited, without the
    password itself)."""
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(action="user.set_password", obj=user, note="password set")
