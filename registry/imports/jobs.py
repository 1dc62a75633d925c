"""Starting a background import from the web page: upload checks, the stored file and the
queued job."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile

from accounts.models import Role
from audit.services import audit_record
from registry.imports.messages import (
    IMPORT_FORBIDDEN,
    UPLOAD_BAD_TYPE,
    UPLOAD_NOT_TEXT,
    UPLOAD_NOT_XLSX,
    UPLOAD_TOO_LARGE,
)
from registry.imports.reading import ImportFileError, csv_decode
from registry.models import ImportJob

# Who may start an import from the web page (issue 2: province and city officials).
IMPORT_ROLES = (Role.PROVINCE, Role.CITY)
UPLOAD_EXTENSIONS = (".xlsx", ".csv")


def imports_dir() -> Path:
    """Uploads and reports, under generated names: an uploaded file name is shown, never a path."""
    return Path(settings.MEDIA_ROOT) / "imports"


def import_job_start(*, user: Any, uploaded_file: UploadedFile, dry_run: bool) -> ImportJob:
    """Check the upload (size, extension, content), store it under a generated name, create the
    job and queue `registry.tasks.enterprise_import_run`. Raises ValidationError with a bilingual
    message for a bad upload, PermissionDenied for a user who may not import."""
    from registry.tasks import enterprise_import_run  # the task module imports this one

    if getattr(user, "role", None) not in IMPORT_ROLES:
        raise PermissionDenied(IMPORT_FORBIDDEN)
    extension = _upload_check(uploaded_file)
    stored_name = f"{uuid.uuid4().hex}{extension}"
    imports_dir().mkdir(parents=True, exist_ok=True)
    with (imports_dir() / stored_name).open("wb") as target:
        for piece in uploaded_file.chunks():
            target.write(piece)
    job = ImportJob.objects.create(
        created_by=user,
        original_name=(uploaded_file.name or stored_name)[:200],
        stored_name=stored_name,
        dry_run=dry_run,
    )
    audit_record(
        action="import_job.create",
        obj=job,
        after={"file": job.original_name, "bytes": uploaded_file.size, "dry_run": dry_run},
    )
    # The database task backend stores the task in the caller's transaction, so a worker cannot
    # pick it up before the job row is committed.
    enterprise_import_run.enqueue(job.pk)
    return job


def _upload_check(uploaded_file: UploadedFile) -> str:
    limit = settings.IMPORT_MAX_BYTES
    if uploaded_file.size is None or uploaded_file.size > limit:
        raise ValidationError(UPLOAD_TOO_LARGE.format(limit=limit // (1024 * 1024) or 1))
    extension = Path(uploaded_file.name or "").suffix.lower()
    if extension not in UPLOAD_EXTENSIONS:
        raise ValidationError(UPLOAD_BAD_TYPE)
    uploaded_file.seek(0)
    content = uploaded_file.read(4) if extension == ".xlsx" else uploaded_file.read()
    uploaded_file.seek(0)
    if extension == ".xlsx" and content != b"PK\x03\x04":
        raise ValidationError(UPLOAD_NOT_XLSX)
    if extension == ".csv":
        try:
            csv_decode(content)
        except ImportFileError as exc:
            raise ValidationError(UPLOAD_NOT_TEXT) from exc
    return extension
