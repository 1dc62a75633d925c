"""Which roles may use which assessment pages (function level). Which assessments a user may see
is decided by assessments.selectors (object level, 404 when out of scope); assessments/policy.yaml
lists every route."""

from accounts.models import Role

# The assessments home, evidence downloads: whoever may see some assessment.
ASSESSMENT_READERS = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.ENTERPRISE, Role.PROVIDER)
# Fill in answers and evidence, submit: enterprise users (self-assessment) and providers (their
# diagnoses); selectors.can_edit decides per assessment.
ASSESSMENT_EDITORS = (Role.ENTERPRISE, Role.PROVIDER)
SELF_ASSESSORS = (Role.ENTERPRISE,)
DIAGNOSIS_ASSIGNERS = (Role.PROVINCE, Role.CITY)
DIAGNOSIS_PROVIDERS = (Role.PROVIDER,)
DIAGNOSIS_REVIEWERS = (Role.ENTERPRISE,)
