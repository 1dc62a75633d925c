"""Which roles may use which recognition functions (function level). Which applications a user
may see is decided by recognition.selectors (object level: jurisdiction, own enterprise, expert
assignment); recognition/policy.yaml lists every route."""

from accounts.models import Role

APPLICANTS = (Role.ENTERPRISE,)
REVIEWERS = (Role.COUNTY, Role.CITY, Role.PROVINCE)
APPLICATION_READERS = (Role.ENTERPRISE, *REVIEWERS)
QUEUE_READERS = REVIEWERS
SAMPLERS = (Role.PROVINCE,)
EXPERTS = (Role.EXPERT,)
