"""Which roles may use which framework functions. Published and superseded versions are reference
data for every logged-in user; drafts are seen by province officials and platform admins; only
province officials import, publish and delete drafts. config/policy.yaml lists every route."""

from accounts.models import Role

FRAMEWORK_READERS = tuple(Role)
DRAFT_READERS = (Role.PROVINCE, Role.ADMIN)
FRAMEWORK_EDITORS = (Role.PROVINCE,)
