"""Evidence upload checks (security reference G5): the generated hostile corpus is refused with
the right code, real documents are accepted and stored under random names, storage leaves no
partial files, bombs are refused from the central directory alone, downloads carry safe headers."""

from __future__ import annotations

import hashlib
import io
import re
import socketserver
import struct
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.http import Http404
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments import uploads
from assessments.tests import hostile
from assessments.uploads import (
    CHUNK,
    CONTENT_TYPES,
    CheckedFile,
    UploadRejected,
    delete_stored,
    download_response,
    open_stored,
    store_upload,
    validate_upload,
)

STORED_NAME = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def files_under(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def rejection(name: str, content: bytes) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        validate_upload(upload(name, content), original_name=name)
    return caught.value


# --- The hostile corpus ------------------------------------------------------------------------
def test_hostile_corpus_has_at_least_thirty_distinct_cases():
    ids = [case.id for case in hostile.CASES]
    assert len(ids) >= 30
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", hostile.CASES, ids=lambda case: case.id)
def test_hostile_upload_is_rejected_with_its_code_and_nothing_is_stored(case, media):
    error = rejection(case.name, case.build())

    assert error.code == case.code
    assert error.message.startswith(uploads.MESSAGES[case.code].split("{")[0])
    assert re.search(r"[\u4e00-\u9fff].* / [A-Z]", error.message)
    assert files_under(media) == []


@pytest.mark.parametrize(
    "case",
    [case for case in hostile.CASES if case.code in ("zip_size", "zip_entries", "zip_ratio")],
    ids=lambda case: case.id,
)
def test_archive_bombs_are_rejected_before_any_member_is_decompressed(case, monkeypatch):
    content = case.build()

    def no_decompression(*args, **kwargs):
        raise AssertionError("a member was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_decompression)

    assert rejection(case.name, content).code == case.code


def test_declared_size_of_the_bomb_is_far_beyond_what_could_be_decompressed():
    with zipfile.ZipFile(io.BytesIO(hostile.declared_huge_zip())) as archive:
        assert archive.infolist()[0].file_size > 4_000_000_000


def test_uncompressed_budget_counts_documents_inside_a_zip(settings):
    inner = hostile.docx_bytes()
    bundle = hostile.single_member_zip("说明.docx", inner)
    settings.EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES = len(inner) + 1000

    error = rejection("bundle.zip", bundle)

    assert error.code == "zip_size"


def test_entry_limit_comes_from_settings_and_is_named_in_the_message(settings):
    settings.EVIDENCE_ZIP_MAX_ENTRIES = 3
    bundle = hostile.zip_bytes([(f"{n}.txt", b"x") for n in range(4)])

    error = rejection("bundle.zip", bundle)

    assert (error.code, "3" in error.message) == ("zip_entries", True)


@pytest.mark.parametrize(
    ("name", "build"), [("a.png", hostile.png_bytes), ("a.jpg", hostile.jpeg_bytes)]
)
def test_image_pixel_limit_comes_from_settings(settings, name, build):
    settings.EVIDENCE_IMAGE_MAX_PIXELS = 15

    assert rejection(name, build()).code == "image_too_large"


# --- Size --------------------------------------------------------------------------------------
def test_file_exactly_at_the_size_limit_is_accepted(settings):
    settings.EVIDENCE_MAX_BYTES = 1000

    checked = validate_upload(upload("a.txt", b"x" * 1000), original_name="a.txt")

    assert checked.size == 1000


def test_file_one_byte_over_the_size_limit_is_rejected(settings):
    settings.EVIDENCE_MAX_BYTES = 1000

    error = rejection("a.txt", b"x" * 1001)

    assert (error.code, "1000 B" in error.message) == ("too_large", True)


class EndlessFile(io.RawIOBase):
    """A seekable stream of text that never ends, counting what was read."""

    def __init__(self) -> None:
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0

    def readinto(self, buffer) -> int:  # type: ignore[override]
        buffer[:] = b"a" * len(buffer)
        self.bytes_read += len(buffer)
        return len(buffer)


def test_size_check_stops_reading_soon_after_the_limit(settings):
    settings.EVIDENCE_MAX_BYTES = 5 * CHUNK
    endless = EndlessFile()

    with pytest.raises(UploadRejected) as caught:
        validate_upload(io.BufferedReader(endless), original_name="a.txt")

    assert caught.value.code == "too_large"
    assert endless.bytes_read <= 7 * CHUNK


# --- Accepted files and storage -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "build", "kind"), hostile.ACCEPTED, ids=[row[0] for row in hostile.ACCEPTED]
)
def test_accepted_upload_is_described_and_stored_under_a_random_name(name, build, kind, media):
    content = build()
    file = upload(name, content)

    checked = validate_upload(file, original_name=name)
    stored_name = store_upload(file, checked)

    assert checked == CheckedFile(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        safe_display_name=name,
    )
    assert STORED_NAME.fullmatch(stored_name)
    assert files_under(media) == [media / "evidence" / stored_name]
    with open_stored(stored_name) as handle:
        assert handle.read() == content


def test_upload_spooled_to_a_temporary_file_is_checked_like_one_in_memory(media):
    content = hostile.xlsx_bytes()
    file = TemporaryUploadedFile("自评估.xlsx", "application/octet-stream", len(content), None)
    file.write(content)

    checked = validate_upload(file, original_name="自评估.xlsx")

    assert (checked.kind, checked.size, file.tell()) == ("xlsx", len(content), 0)
    file.close()


@pytest.mark.parametrize(
    ("original_name", "display_name"),
    [
        ("C:\\Users\\张三\\报告.pdf", "报告.pdf"),
        ("../../etc/报告.pdf", "报告.pdf"),
        ("  .报告.pdf. ", "报告.pdf"),
        ("报\r\n告\x07.pdf", "报告.pdf"),
        ("re\u200bport\u202e.pdf", "report.pdf"),
        ("企业" * 100 + ".pdf", "企业" * 58 + ".pdf"),
    ],
)
def test_display_name_is_sanitised_for_display(original_name, display_name):
    checked = validate_upload(upload("x.pdf", hostile.pdf_bytes()), original_name=original_name)

    assert checked.safe_display_name == display_name
    assert len(checked.safe_display_name) <= uploads.DISPLAY_NAME_MAX


def test_store_refuses_a_file_changed_after_validation_and_leaves_nothing(media):
    file = upload("a.txt", b"checked text")
    checked = validate_upload(file, original_name="a.txt")
    file.file = io.BytesIO(b"swapped text")

    with pytest.raises(UploadRejected) as caught:
        store_upload(file, checked)

    assert caught.value.code == "changed"
    assert files_under(media) == []


def test_store_failure_while_renaming_leaves_no_partial_file(media, monkeypatch):
    file = upload("a.pdf", hostile.pdf_bytes())
    checked = validate_upload(file, original_name="a.pdf")

    def disk_failure(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(uploads.os, "replace", disk_failure)

    with pytest.raises(OSError, match="No space"):
        store_upload(file, checked)
    assert files_under(media) == []


def test_each_store_generates_a_new_name(media):
    file = upload("a.txt", b"same text")
    checked = validate_upload(file, original_name="a.txt")

    first, second = store_upload(file, checked), store_upload(file, checked)

    assert first != second
    assert files_under(media) == sorted([media / "evidence" / first, media / "evidence" / second])


BAD_STORED_NAMES = [
    "../" + "a" * 32,
    "/etc/passwd",
    "a" * 31,
    "A" * 32,
    "a" * 32 + "\n",
    "a" * 32 + ".pdf",
    "." + "a" * 32 + ".part",
    "",
]


@pytest.mark.parametrize("stored_name", BAD_STORED_NAMES)
def test_open_stored_refuses_names_that_were_not_generated(stored_name, media):
    with pytest.raises(ValueError, match="not a stored evidence name"):
        open_stored(stored_name)


@pytest.mark.parametrize("stored_name", BAD_STORED_NAMES)
def test_delete_stored_refuses_names_that_were_not_generated(stored_name, media):
    with pytest.raises(ValueError, match="not a stored evidence name"):
        delete_stored(stored_name)


def test_open_stored_of_a_missing_file_raises_file_not_found(media):
    with pytest.raises(FileNotFoundError):
        open_stored("0" * 32)


def test_delete_stored_removes_the_file_and_tolerates_a_second_call(media):
    file = upload("a.txt", b"to delete")
    stored_name = store_upload(file, validate_upload(file, original_name="a.txt"))

    delete_stored(stored_name)
    delete_stored(stored_name)

    assert files_under(media) == []


# --- Download -----------------------------------------------------------------------------------
def stored(content: bytes, name: str) -> str:
    file = upload(name, content)
    return store_upload(file, validate_upload(file, original_name=name))


@pytest.mark.parametrize(
    ("display_name", "ascii_fallback"),
    [
        ("评估报告（2024年）.pdf", "2024.pdf"),
        ("报告.pdf", "evidence.pdf"),
        ("Annual report 2024.pdf", "Annual_report_2024.pdf"),
    ],
)
def test_download_is_an_attachment_with_utf8_file_name_and_safe_headers(
    display_name, ascii_fallback, media
):
    content = hostile.pdf_bytes()
    stored_name = stored(content, "a.pdf")

    response = download_response(
        stored_name=stored_name, display_name=display_name, content_type="application/pdf"
    )

    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(display_name)}"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "application/pdf"
    assert response.getvalue() == content
    response.file_to_stream.close()  # not response.close(): that signals request_finished


def test_download_file_name_cannot_inject_headers_or_quotes(media):
    stored_name = stored(b"text", "a.txt")

    response = download_response(
        stored_name=stored_name,
        display_name='a"\r\nSet-Cookie: x=1;.txt',
        content_type="text/plain",
    )

    disposition = response["Content-Disposition"]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert disposition.startswith('attachment; filename="a_Set-Cookie_x_1.txt"; filename*=')
    response.file_to_stream.close()  # not response.close(): that signals request_finished


def test_download_of_an_unknown_content_type_is_served_as_octet_stream(media):
    stored_name = stored(b"text", "a.txt")

    response = download_response(
        stored_name=stored_name, display_name="a.html", content_type="text/html"
    )

    assert response["Content-Type"] == "application/octet-stream"
    response.file_to_stream.close()  # not response.close(): that signals request_finished


@pytest.mark.parametrize("stored_name", ["../../etc/passwd", "0" * 32])
def test_download_of_a_bad_or_missing_name_is_not_found(stored_name, media):
    with pytest.raises(Http404):
        download_response(stored_name=stored_name, display_name="a.pdf", content_type="x")


# --- Virus scan (a fake clamd on a Unix socket) -------------------------------------------------
class FakeClamd(socketserver.BaseRequestHandler):
    reply = None  # None: answer by content

    def handle(self) -> None:
        command = self._exactly(len(b"zINSTREAM\0"))
        data = b""
        while length := struct.unpack(">I", self._exactly(4))[0]:
            data += self._exactly(length)
        verdict = b"Eicar-Test-Signature FOUND" if hostile.EICAR in data else b"OK"
        answer = self.reply if self.reply is not None else b"stream: " + verdict
        self.request.sendall(answer + b"\0" if command == b"zINSTREAM\0" else b"")

    def _exactly(self, size: int) -> bytes:
        data = b""
        while len(data) < size and (piece := self.request.recv(size - len(data))):
            data += piece
        return data


@pytest.fixture
def clamd(settings) -> Iterator[type[FakeClamd]]:
    with tempfile.TemporaryDirectory() as directory:
        path = f"{directory}/clamd.sock"
        handler = type("Handler", (FakeClamd,), {})
        server = socketserver.ThreadingUnixStreamServer(path, handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        settings.EVIDENCE_CLAMD_SOCKET = path
        yield handler
        server.shutdown()
        server.server_close()


def test_eicar_test_file_is_rejected_by_the_virus_scan(clamd):
    assert rejection("eicar.txt", hostile.EICAR).code == "virus"


def test_clean_file_passes_the_virus_scan(clamd):
    checked = validate_upload(upload("a.pdf", hostile.pdf_bytes()), original_name="a.pdf")

    assert checked.kind == "pdf"


def test_scanner_error_reply_rejects_the_upload(clamd):
    clamd.reply = b"INSTREAM size limit exceeded. ERROR"

    assert rejection("a.txt", b"text").code == "scan_unavailable"


def test_unreachable_scanner_rejects_the_upload(settings, tmp_path):
    settings.EVIDENCE_CLAMD_SOCKET = str(tmp_path / "missing.sock")

    assert rejection("a.txt", b"text").code == "scan_unavailable"


def test_without_a_scanner_the_eicar_text_is_plain_text():
    checked = validate_upload(upload("eicar.txt", hostile.EICAR), original_name="eicar.txt")

    assert checked.kind == "txt"


# --- Fuzzing: malformed input ends in a refusal, never in another exception ----------------------
NAMES = ["a.pdf", "a.png", "a.jpg", "a.xlsx", "a.docx", "a.zip", "a.csv", "a.txt"]
BASES = {
    "a.pdf": hostile.pdf_bytes,
    "a.png": hostile.png_bytes,
    "a.jpg": hostile.jpeg_bytes,
    "a.xlsx": hostile.xlsx_bytes,
    "a.docx": hostile.docx_bytes,
    "a.zip": hostile.bundle_bytes,
}


def outcome(name: str, content: bytes) -> str:
    try:
        return validate_upload(upload(name, content), original_name=name).kind
    except UploadRejected as error:
        return error.code


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(NAMES), content=st.binary(min_size=1, max_size=4096))
def test_random_bytes_are_accepted_or_rejected_never_crash(name, content):
    assert outcome(name, content) in set(CONTENT_TYPES) | set(uploads.MESSAGES)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(BASES)), data=st.data())
def test_mutated_documents_are_accepted_or_rejected_never_crash(name, data):
    base = BASES[name]()
    patches = data.draw(
        st.dictionaries(st.integers(0, len(base) - 1), st.integers(0, 255), min_size=1, max_size=8)
    )
    content = bytes(patches.get(position, byte) for position, byte in enumerate(base))

    assert outcome(name, content) in set(CONTENT_TYPES) | set(uploads.MESSAGES)
