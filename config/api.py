"""The JSON API (django-ninja) under /api/v1/, its OpenAPI document at /api/v1/openapi.json.
Each app adds its router here."""

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from accounts.api_auth import api_auth
from assessments.api import router as assessments_router
from catalog.api import router as catalog_router
from catalog.api_matching import router as catalog_matching_router
from core.api_errors import install as install_error_handlers
from devindex.api import router as devindex_router
from frameworks.api import router as frameworks_router
from monitoring.api import router as monitoring_router
from recognition.api import router as recognition_router
from registry.api import router as registry_router
from targets.api import router as targets_router

api = NinjaAPI(
    title="Zhigai API",
    version="1",
    description="智改数转网联平台 JSON API. Every response is scoped to the caller's jurisdiction.",
    urls_namespace="api",
    auth=api_auth,
    docs_decorator=login_required,
)
install_error_handlers(api)
api.add_router("/", registry_router)
api.add_router("/", frameworks_router)
api.add_router("/", assessments_router)
api.add_router("/", recognition_router)
api.add_router("/", devindex_router)
api.add_router("/", monitoring_router)
api.add_router("/", targets_router)
api.add_router("/", catalog_matching_router)
api.add_router("/", catalog_router)
