from typing import Any

from django.conf import settings
from django.http import HttpRequest

from assessments.access import ASSESSMENT_READERS
from registry.access import ENTERPRISE_IMPORTERS, ENTERPRISE_READERS


def platform(request: HttpRequest) -> dict[str, Any]:
    role = getattr(getattr(request, "user", None), "role", None)
    return {
        "PLATFORM_NAME": settings.PLATFORM_NAME,
        "DEMO_MODE": settings.DEMO,
        "NAV": {
            "registry": role in ENTERPRISE_READERS,
            "import": role in ENTERPRISE_IMPORTERS,
            "assessments": role in ASSESSMENT_READERS,
            "recognition": role == "enterprise",
            "review": role in ("province", "city", "county"),
            "expert": role == "expert",
            "catalog_mine": role == "provider",
            "catalog_moderation": role == "province",
        },
    }
