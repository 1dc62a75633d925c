"""Which roles use monitoring (function level; the selectors scope cells to the jurisdiction)."""

from __future__ import annotations

from accounts.models import OFFICIAL_ROLES, Role

# Officials read coverage cells of their jurisdiction (pages and API).
COVERAGE_READERS: tuple[str, ...] = tuple(OFFICIAL_ROLES)
# Only the province sees the snapshot list and starts a recompute.
SNAPSHOT_MANAGERS: tuple[str, ...] = (Role.PROVINCE,)
