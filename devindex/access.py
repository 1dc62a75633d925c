"""Which roles may use which index functions (function level). Which runs a user may see is
decided by devindex.selectors (published: everyone; unpublished: the province only);
devindex/policy.yaml lists every route."""

from accounts.models import Role

INDEX_MANAGERS = (Role.PROVINCE,)
