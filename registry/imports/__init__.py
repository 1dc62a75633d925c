"""Enterprise import: read an XLSX or CSV file, validate every row (collecting every problem of a
row), and upsert the accepted rows by USCC in one transaction.

Pipeline: `enterprise_file_read` → header mapping → validation column by column against lookups
preloaded into dicts → in-file duplicates → plan (a diff against the existing rows, read by
whole-table scans or by chunks of USCCs, with the jurisdiction check of existing enterprises) →
apply (plain INSERT/UPDATE statements through executemany). A re-import of the same file plans
nothing, so it writes nothing, not even an audit row.

Modules, in pipeline order: `messages` (bilingual messages and limits), `reading` (file, header
and columns), `cells` (cell parsers and `Lookups`), `validation` (rows, duplicates), `progress`,
`planning` (the diff), `applying` (bulk writes), `service` (`enterprise_import`) and `jobs`
(starting a background import from the web page). This package re-exports the public API.

Speed matters (100,000 rows is a province): see bench/import_enterprises.py for the figures.
"""

from registry.imports.applying import ImportConflictError
from registry.imports.cells import looks_like_formula
from registry.imports.jobs import IMPORT_ROLES, UPLOAD_EXTENSIONS, import_job_start, imports_dir
from registry.imports.messages import (
    COUNTY_OUTSIDE_JURISDICTION,
    ENTERPRISE_OUTSIDE_JURISDICTION,
    FILE_BAD_ENCODING,
    FILE_DUPLICATE_COLUMN,
    FILE_MISSING_COLUMNS,
    FILE_NO_HEADER,
    FILE_UNKNOWN_FORMAT,
    FILE_UNREADABLE,
    IMPORT_CONFLICT,
    IMPORT_FORBIDDEN,
    LOOKS_LIKE_FORMULA,
    NEGATIVE,
    NOT_A_NUMBER,
    NOT_WHOLE,
    REQUIRED_EMPTY,
    TOO_LARGE,
    TOO_LONG,
    UNKNOWN_CATEGORY,
    UNKNOWN_COUNTY,
    UNKNOWN_INDUSTRY,
    UPLOAD_BAD_TYPE,
    UPLOAD_NOT_TEXT,
    UPLOAD_NOT_XLSX,
    UPLOAD_TOO_LARGE,
    USCC_REPEATED,
    YEAR_OUT_OF_RANGE,
)
from registry.imports.progress import ProgressCallback
from registry.imports.reading import (
    COLUMN_BY_KEY,
    COLUMNS,
    Column,
    ImportFileError,
    Sheet,
    csv_decode,
    enterprise_file_read,
)
from registry.imports.service import ImportResult, enterprise_import
from registry.imports.validation import Problem

__all__ = [
    "COLUMNS",
    "COLUMN_BY_KEY",
    "COUNTY_OUTSIDE_JURISDICTION",
    "ENTERPRISE_OUTSIDE_JURISDICTION",
    "FILE_BAD_ENCODING",
    "FILE_DUPLICATE_COLUMN",
    "FILE_MISSING_COLUMNS",
    "FILE_NO_HEADER",
    "FILE_UNKNOWN_FORMAT",
    "FILE_UNREADABLE",
    "IMPORT_CONFLICT",
    "IMPORT_FORBIDDEN",
    "IMPORT_ROLES",
    "LOOKS_LIKE_FORMULA",
    "NEGATIVE",
    "NOT_A_NUMBER",
    "NOT_WHOLE",
    "REQUIRED_EMPTY",
    "TOO_LARGE",
    "TOO_LONG",
    "UNKNOWN_CATEGORY",
    "UNKNOWN_COUNTY",
    "UNKNOWN_INDUSTRY",
    "UPLOAD_BAD_TYPE",
    "UPLOAD_EXTENSIONS",
    "UPLOAD_NOT_TEXT",
    "UPLOAD_NOT_XLSX",
    "UPLOAD_TOO_LARGE",
    "USCC_REPEATED",
    "YEAR_OUT_OF_RANGE",
    "Column",
    "ImportConflictError",
    "ImportFileError",
    "ImportResult",
    "Problem",
    "ProgressCallback",
    "Sheet",
    "csv_decode",
    "enterprise_file_read",
    "enterprise_import",
    "import_job_start",
    "imports_dir",
    "looks_like_formula",
]
