"""Which roles may use which registry functions (function level). Which enterprises a user may see
is decided by accounts.scoping (object level). The policy table docs/policy.yaml lists both."""

from accounts.models import Role

ENTERPRISE_READERS = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.ENTERPRISE)
ENTERPRISE_EXPORTERS = (Role.PROVINCE, Role.CITY, Role.COUNTY)
ENTERPRISE_IMPORTERS = (Role.PROVINCE, Role.CITY)
