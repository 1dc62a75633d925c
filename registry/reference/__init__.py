"""Load the reference tables (regions, industries, clusters, chains, categories) from the data files
in `registry/data/` (see its README for the source and date of each file).

`reference_data_load` reads and checks every file first and writes nothing when a file is wrong
(`ReferenceDataError` lists every problem with file and line). It then upserts in one transaction:
rows are matched by code, created when new, updated when a field differs and left alone otherwise,
so a second run changes nothing. Rows in the database that the files no longer list are counted as
"stale"; `prune=True` deletes stale clusters and chains (regions, industries and categories are
never deleted: enterprises and users point at them).

Coverage: a cluster or chain lists GB/T 4754 codes of any level; loading expands each code to the
code and all its descendants, so `Enterprise.objects.in_chain(chain)` matches an enterprise's 小类
exactly.

Modules: `files` (file names, bilingual problem messages, `ReferenceDataError`, the row reader and
`ReferenceData`), `regions` (divisions, zones, province-administered counties), `industries`
(GB/T 4754), `industry_system` (clusters, chains and the expansion of coverage codes),
`categories` and `load` (`reference_data_read`, `reference_data_load` and what they report). This
package re-exports the public API.
"""

from registry.reference.files import (
    CATEGORIES_FILE,
    CHAINS_FILE,
    CLUSTERS_FILE,
    DATA_DIR,
    DIVISIONS_FILE,
    INDUSTRIES_FILE,
    MAX_PROBLEMS_SHOWN,
    PROVINCE_ADMINISTERED_FILE,
    REF_BAD_CODE,
    REF_BAD_KIND,
    REF_BAD_LEVEL,
    REF_BAD_RANK,
    REF_BAD_URL,
    REF_BAD_VERIFIED,
    REF_COLUMNS_MISSING,
    REF_DUPLICATE_CODE,
    REF_DUPLICATE_NAME,
    REF_EMPTY_VALUE,
    REF_FILE_MISSING,
    REF_NAME_MISMATCH,
    REF_NO_SOURCE,
    REF_NOT_A_COUNTY,
    REF_UNKNOWN_CLUSTER,
    REF_UNKNOWN_INDUSTRY,
    REF_UNKNOWN_PARENT,
    SOURCES_FILE,
    ZONES_FILE,
    ReferenceData,
    ReferenceDataError,
)
from registry.reference.industries import INDUSTRY_LEVELS
from registry.reference.load import (
    LoadReport,
    TableResult,
    reference_data_load,
    reference_data_read,
)

__all__ = [
    "CATEGORIES_FILE",
    "CHAINS_FILE",
    "CLUSTERS_FILE",
    "DATA_DIR",
    "DIVISIONS_FILE",
    "INDUSTRIES_FILE",
    "INDUSTRY_LEVELS",
    "MAX_PROBLEMS_SHOWN",
    "PROVINCE_ADMINISTERED_FILE",
    "REF_BAD_CODE",
    "REF_BAD_KIND",
    "REF_BAD_LEVEL",
    "REF_BAD_RANK",
    "REF_BAD_URL",
    "REF_BAD_VERIFIED",
    "REF_COLUMNS_MISSING",
    "REF_DUPLICATE_CODE",
    "REF_DUPLICATE_NAME",
    "REF_EMPTY_VALUE",
    "REF_FILE_MISSING",
    "REF_NAME_MISMATCH",
    "REF_NOT_A_COUNTY",
    "REF_NO_SOURCE",
    "REF_UNKNOWN_CLUSTER",
    "REF_UNKNOWN_INDUSTRY",
    "REF_UNKNOWN_PARENT",
    "SOURCES_FILE",
    "ZONES_FILE",
    "LoadReport",
    "ReferenceData",
    "ReferenceDataError",
    "TableResult",
    "reference_data_load",
    "reference_data_read",
]
