"""Model permissions (used by the Django admin) follow from the user's role, not from groups:
the province manages the registry's data; the platform admin manages users and configuration.
Neither gets the other's permissions."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.backends import BaseBackend

from accounts.models import Role

# role → {app label: actions}; "view" only means read-only in the admin.
ROLE_MODEL_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.PROVINCE: {
        "registry": ("view", "add", "change"),
        "audit": ("view",),
        "frameworks": ("view",),
    },
    Role.ADMIN: {
        "accounts": ("view", "add", "change"),
        "axes": ("view", "delete"),
        "django_tasks_database": ("view",),
        "audit": ("view",),
    },
}


def _expand(grants: dict[str, tuple[str, ...]]) -> frozenset[str]:
    perms: set[str] = set()
    for label, actions in grants.items():
        config = apps.get_app_config(label)
        for model in config.get_models():
            perms.update(f"{label}.{action}_{model._meta.model_name}" for action in actions)
    return frozenset(perms)


class RolePermissionBackend(BaseBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        grants = ROLE_MODEL_PERMISSIONS.get(getattr(user_obj, "role", ""), {})
        return set(_expand(grants))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(p.startswith(app_label + ".") for p in self.get_all_permissions(user_obj))
