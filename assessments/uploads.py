"""Evidence files: what an enterprise may upload as evidence, how each file is checked, stored and
served back (OWASP ASVS 5.0 V5 "File handling"; security reference goal G5).

Allowed kinds, decided by the CONTENT, never by the name
    ``pdf`` (``%PDF-``), ``png``, ``jpeg``, ``xlsx`` and ``docx`` (OOXML zip packages), ``zip``
    (a plain archive of the kinds listed here) and ``csv`` / ``txt`` (plain text, UTF-8 or GBK).
    The kind is sniffed from the bytes; the extension of the user's file name must then name
    the same kind (``.jpg``/``.jpeg`` for jpeg). A ``.pdf`` holding a program, a web page or an
    SVG is refused, whatever its name says. Rejected outright: executables and scripts (PE, ELF,
    Mach-O, ``#!``), HTML, SVG and any other markup, legacy OLE Office files (``.doc``/``.xls``),
    macro-capable formats (``.xlsm``, ``.docm``, ``.xlsb`` …, or any package holding
    ``vbaProject.bin``, ActiveX or a macro-enabled content type) and names that hide a risky
    extension in the middle (``report.exe.pdf``). Extensions are compared case-insensitively
    on the sanitised display name.

Size
    ``EVIDENCE_MAX_BYTES`` (default 20 MiB) per file, counted while streaming the upload in
    64 KiB chunks; reading stops at the first chunk past the limit. Empty files are refused.
    Images may not exceed ``EVIDENCE_IMAGE_MAX_PIXELS`` (default 100 million), read from the
    PNG IHDR / JPEG SOF header without decoding the image.

Archives (xlsx, docx, zip)
    The central directory is checked before any member is decompressed: at most
    ``EVIDENCE_ZIP_MAX_ENTRIES`` entries (default 1000) and ``EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES``
    (default 256 MiB) of declared uncompressed data, both counted over the whole upload
    including the parts of an xlsx/docx inside a zip; a compression ratio of at most
    ``EVIDENCE_ZIP_MAX_RATIO`` (default 100) per entry and overall, checked once more than
    1 MiB is declared; only stored or deflated, unencrypted entries; no absolute, drive, ``..``,
    ``:`` or control-character paths (zip slip); no symbolic links; no duplicate names; the
    first entry at offset 0 and no overlapping entries (no prepended data, no overlap bombs).
    Python's zipfile never inflates a member beyond its declared size and checks its CRC, so a
    member that lies about its size is refused as damaged.
    OOXML (xlsx, docx) must hold ``[Content_Types].xml`` and its main part
    (``xl/workbook.xml`` or ``word/document.xml``) with the matching main content type. Every
    XML part's prolog (parts named ``.xml``/``.rels``/``.vml`` and any part starting with
    ``<?`` or ``<!``) is read (first 8 KiB, UTF-8 or UTF-16) and must reach the root element
    with no ``<!DOCTYPE`` or ``<!ENTITY`` (billion laughs, XXE); the content types and
    relationships are parsed with defusedxml. A relationship may point outside the package
    (``TargetMode="External"``) only for a hyperlink or for a document template on a local
    drive (``C:\\…``): remote or UNC templates, OLE links, external workbooks and linked images
    are refused (remote template injection, Follina, NTLM leaks).
    A plain zip may contain only the kinds above, each checked by its content under the same
    rules as a top-level file (member names included). One level of nesting: a zip may hold
    xlsx/docx documents but no further zip.

PDF and text
    A PDF must end with ``%%EOF`` (not truncated) and may not name ``/JavaScript``, ``/JS``,
    ``/Launch`` or ``/RichMedia`` (``#xx`` escapes decoded). This scan cannot see inside
    compressed object streams; it is a cheap first filter, not a substitute for the virus scan.
    Text must decode completely as UTF-8 (BOM allowed) or GBK and contain no NUL or other
    control characters besides tab, line feed, carriage return and form feed; text that starts
    like markup (``<html``, ``<svg``, ``<?xml`` …) is refused.

Virus scan
    When ``EVIDENCE_CLAMD_SOCKET`` names a clamd Unix socket, every accepted file is streamed to
    clamd (INSTREAM). A finding rejects the upload; an unreachable or failing scanner rejects it
    too (fail closed: the user is asked to try again later).

Storage and download
    Accepted files are written under ``MEDIA_ROOT/evidence/<32 hex characters>`` (a random name
    from ``secrets``, never the user's name): first to a temporary ``.<name>.part`` file that
    is flushed, fsynced and checked against the sha256 taken at validation, then renamed, so no
    partial file is left behind. Only names of exactly that form can be opened or deleted.
    Downloads are always attachments (``filename*=UTF-8''…`` per RFC 6266/5987 with an ASCII
    fallback) with ``X-Content-Type-Options: nosniff`` and ``Cache-Control: no-store``; the
    content type is one of the allowed kinds or ``application/octet-stream``.
    The user's file name is kept only for display: directories, control and bidirectional
    formatting characters are removed and it is cut to 120 characters, keeping the extension.

Every refusal raises ``UploadRejected`` (a ``ValidationError``) with a stable ``code`` and a
bilingual "中文 / English" message; malformed input of any kind ends in a refusal, never in an
unhandled exception.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import secrets
import shutil
import socket
import stat
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO
from urllib.parse import quote
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404

MiB = 1024 * 1024

# --- Limits (each can be overridden by the setting of the same name without DEFAULT_) ----------
DEFAULT_EVIDENCE_MAX_BYTES = 20 * MiB
DEFAULT_EVIDENCE_ZIP_MAX_ENTRIES = 1000
DEFAULT_EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES = 256 * MiB
DEFAULT_EVIDENCE_ZIP_MAX_RATIO = 100
DEFAULT_EVIDENCE_IMAGE_MAX_PIXELS = 100_000_000
RATIO_FLOOR = 1 * MiB  # compression ratios are checked only above this many declared bytes
CHUNK = 64 * 1024
HEAD = 8192  # bytes read to sniff a file or an archive member, and to scan an XML prolog
DISPLAY_NAME_MAX = 120
CLAMD_TIMEOUT = 60.0

# --- Kinds -------------------------------------------------------------------------------------
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
    "csv": "text/csv",
    "txt": "text/plain",
}
# extension -> (content family the sniffer must find, kind)
EXTENSIONS = {
    ".pdf": ("pdf", "pdf"),
    ".png": ("png", "png"),
    ".jpg": ("jpeg", "jpeg"),
    ".jpeg": ("jpeg", "jpeg"),
    ".xlsx": ("zip", "xlsx"),
    ".docx": ("zip", "docx"),
    ".zip": ("zip", "zip"),
    ".csv": ("text", "csv"),
    ".txt": ("text", "txt"),
}
_WORDS_MACRO = ".xlsm .xltm .xlam .xlsb .docm .dotm .pptm .potm .ppam .ppsm .sldm"
_WORDS_RISKY = (
    ".exe .com .bat .cmd .scr .pif .msi .msp .dll .cpl .sys .jar .js .jse .mjs .vbs .vbe .wsf "
    ".wsh .ps1 .psm1 .hta .lnk .url .reg .inf .sh .bash .py .pl .rb .php .phtml .asp .aspx "
    ".jsp .cgi .html .htm .xhtml .shtml .mht .mhtml .svg .svgz .xml .xsl .swf .chm .iso .img "
    ".vhd .vhdx .apk .app .dmg .deb .rpm .one"
)
MACRO_EXTENSIONS = frozenset(_WORDS_MACRO.split())
RISKY_EXTENSIONS = frozenset(_WORDS_RISKY.split())
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty archive: refused later as empty
)
_EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xca\xfe\xba\xbe",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\x00asm",
    b"dex\n",
)
_MARKUP = re.compile(rb"<[!?/A-Za-z]")
_TEXT_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_PDF_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]{1,127})")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_ACTIVE = frozenset({b"JavaScript", b"JS", b"Launch", b"RichMedia"})
_PNG_IHDR = b"\x00\x00\x00\rIHDR"
_PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_MAX_SEGMENTS = 256
_LOCAL_HEADER = 30  # fixed part of a zip local file header
_OOXML_MAIN = {
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
}
_MACRO_PARTS = frozenset({"vbaproject.bin", "vbadata.xml", "vbaprojectsignature.bin"})
_MACRO_CONTENT_TYPES = ("macroenabled", "vbaproject", "activex", "ms-office.vba")
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_LOCAL_DRIVE_PATH = re.compile(r"(file:///)?[A-Za-z]:[\\/]", re.IGNORECASE)
_XML_ENCODINGS = frozenset({"utf-8", "utf8", "utf-16", "utf16"})
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
_NAME_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})

# --- Messages (bilingual, shown to the uploader) -------------------------------------------------
MESSAGES = {
    "empty": "文件为空 / The file is empty",
    "too_large": "文件超过 {limit} 的上限 / The file is larger than the {limit} limit",
    "name": (
        "文件扩展名缺失或不受支持，请上传 PDF、PNG、JPEG、XLSX、DOCX、ZIP、CSV 或 TXT 文件 / "
        "Missing or unsupported file extension: upload PDF, PNG, JPEG, XLSX, DOCX, ZIP, CSV or TXT"
    ),
    "double_extension": (
        "文件名中隐藏了可执行或网页类扩展名 / "
        "The file name hides an executable or web page extension"
    ),
    "macro": (
        "不接受含宏的 Office 文件，请另存为 .xlsx 或 .docx / "
        "Office files with macros are not accepted: save as .xlsx or .docx"
    ),
    "executable": "不接受可执行程序或脚本 / Programs and scripts are not accepted",
    "markup": "不接受网页、SVG 或 XML 文件 / Web pages, SVG and XML files are not accepted",
    "type": "文件类型不受支持 / Unsupported file type",
    "mismatch": "文件内容与扩展名不符 / The file content does not match its extension",
    "corrupt": "文件已损坏或不完整 / The file is damaged or incomplete",
    "pdf_active": ("PDF 含有脚本或启动动作 / The PDF contains scripts or launch actions"),
    "image_too_large": "图片像素过多 / The image has too many pixels",
    "text_encoding": "文本文件须为 UTF-8 或 GBK 编码 / Text files must be UTF-8 or GBK encoded",
    "text_binary": (
        "文本文件含有空字符或控制字符 / The text file contains NUL or control characters"
    ),
    "zip_corrupt": "压缩文件已损坏或结构异常 / The archive is damaged or malformed",
    "zip_empty": "压缩文件中没有文件 / The archive contains no files",
    "zip_entries": (
        "压缩文件中的文件过多（上限 {limit} 个） / Too many files in the archive (limit {limit})"
    ),
    "zip_size": ("压缩文件解压后超过 {limit} / The archive expands to more than {limit}"),
    "zip_ratio": ("压缩比异常，疑似压缩炸弹 / Suspicious compression ratio (possible zip bomb)"),
    "zip_path": ("压缩文件含有绝对路径或“..”路径 / The archive contains absolute or “..” paths"),
    "zip_encrypted": "不接受加密的压缩文件 / Encrypted archives are not accepted",
    "zip_method": (
        "压缩文件使用了不支持的压缩方式 / The archive uses an unsupported compression method"
    ),
    "zip_duplicate": "压缩文件中有重名文件 / The archive contains duplicate names",
    "zip_link": "压缩文件含有符号链接 / The archive contains symbolic links",
    "nested_archive": ("压缩文件中不能再包含压缩文件 / Archives inside archives are not accepted"),
    "ooxml_missing_part": (
        "Office 文件缺少必需的部件 / The Office file is missing a required part"
    ),
    "ooxml_type": (
        "Office 文档类型与扩展名不符 / The Office document type does not match its extension"
    ),
    "xml_doctype": (
        "Office 文件含有 DOCTYPE 或实体声明 / "
        "The Office file contains DOCTYPE or entity declarations"
    ),
    "xml_prolog": (
        "Office 文件中的 XML 部件无法识别 / An XML part of the Office file cannot be read"
    ),
    "external_link": (
        "Office 文件引用了外部模板、对象或数据 / "
        "The Office file refers to external templates, objects or data"
    ),
    "virus": "文件未通过病毒扫描 / The file failed the virus scan",
    "scan_unavailable": (
        "病毒扫描暂不可用，请稍后再试 / The virus scan is unavailable: please try again later"
    ),
    "changed": "文件在检查后被改动 / The file changed after it was checked",
}

# Malformed input surfaces as one of these somewhere in the parsers; all mean "refuse".
_PARSE_ERRORS = (
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    ValueError,
    struct.error,
    ParseError,
    NotImplementedError,
    RuntimeError,
    IndexError,
    OSError,
)


class UploadRejected(ValidationError):
    """A refused upload: `code` is stable (tests, logs), `message` is for the user."""

    code: str
    message: str

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    """What `validate_upload` found out about an accepted file."""

    kind: str
    content_type: str
    size: int
    sha256: str
    safe_display_name: str


@dataclass
class _Budget:
    """Entries and declared uncompressed bytes still allowed for the whole upload."""

    entries: int
    uncompressed: int

    @classmethod
    def from_settings(cls) -> _Budget:
        return cls(_entries_limit(), _uncompressed_limit())

    def reserve(self, infos: list[zipfile.ZipInfo]) -> None:
        declared = sum(info.file_size for info in infos)
        if len(infos) > self.entries:
            raise _reject("zip_entries", limit=str(_entries_limit()))
        if declared > self.uncompressed:
            raise _reject("zip_size", limit=_human(_uncompressed_limit()))
        self.entries -= len(infos)
        self.uncompressed -= declared


# --- Public API --------------------------------------------------------------------------------
def validate_upload(file: IO[bytes], *, original_name: str) -> CheckedFile:
    """Check one uploaded file (a Django UploadedFile or any seekable binary file) against the
    policy in the module docstring. Returns what was found; raises UploadRejected. Writes
    nothing under MEDIA_ROOT; leaves the file positioned at 0."""
    display_name = _display_name(original_name)
    size, sha256 = _measure(file, limit=_max_bytes())
    kind = _check_upload_content(file, display_name)
    _antivirus_scan(file)
    file.seek(0)
    return CheckedFile(
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        size=size,
        sha256=sha256,
        safe_display_name=display_name,
    )


def store_upload(file: IO[bytes], checked: CheckedFile) -> str:
    """Write a validated file to MEDIA_ROOT/evidence/<random name> and return that name. The
    bytes go to a temporary file first and are renamed only when they match `checked`; on any
    failure nothing is left in the directory (UploadRejected "changed" or the OSError)."""
    directory = _evidence_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    partial = directory / f".{stored_name}.part"
    try:
        _write_verified(file, partial, checked)
        os.replace(partial, directory / stored_name)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_directory(directory)
    return stored_name


def open_stored(stored_name: str) -> BinaryIO:
    """Open a stored evidence file for reading. ValueError for a name that is not exactly a
    generated one (no paths, no traversal), FileNotFoundError when it is gone."""
    return _stored_path(stored_name).open("rb")


def delete_stored(stored_name: str) -> None:
    """Delete a stored evidence file; a file already gone is not an error. ValueError for a
    name that is not exactly a generated one."""
    _stored_path(stored_name).unlink(missing_ok=True)


def download_response(*, stored_name: str, display_name: str, content_type: str) -> FileResponse:
    """Serve a stored file as an attachment under the user's (sanitised) name. Http404 when the
    name is malformed or the file is missing."""
    try:
        handle = open_stored(stored_name)
    except (ValueError, FileNotFoundError) as exc:
        raise Http404 from exc
    if content_type not in CONTENT_TYPES.values():
        content_type = "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = _content_disposition(display_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- Settings, names, streaming ----------------------------------------------------------------
def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _max_bytes() -> int:
    return _setting("EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES)


def _entries_limit() -> int:
    return _setting("EVIDENCE_ZIP_MAX_ENTRIES", DEFAULT_EVIDENCE_ZIP_MAX_ENTRIES)


def _uncompressed_limit() -> int:
    return _setting(
        "EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES", DEFAULT_EVIDENCE_ZIP_MAX_UNCOMPRESSED_BYTES
    )


def _ratio_limit() -> int:
    return _setting("EVIDENCE_ZIP_MAX_RATIO", DEFAULT_EVIDENCE_ZIP_MAX_RATIO)


def _pixels_limit() -> int:
    return _setting("EVIDENCE_IMAGE_MAX_PIXELS", DEFAULT_EVIDENCE_IMAGE_MAX_PIXELS)


def _human(size: int) -> str:
    return f"{round(size / MiB, 1):g} MB" if size >= MiB else f"{size} B"


def _reject(code: str, **params: str) -> UploadRejected:
    return UploadRejected(code, MESSAGES[code].format(**params))


def _display_name(original_name: str) -> str:
    """The last path component, without control/format characters, at most 120 characters
    with the extension kept."""
    name = unicodedata.normalize("NFC", str(original_name)).replace("\\", "/")
    name = "".join(
        char
        for char in name.rsplit("/", 1)[-1]
        if unicodedata.category(char) not in _NAME_DROPPED_CATEGORIES
    )
    name = " ".join(name.split()).strip(". ")
    stem, dot, extension = name.rpartition(".")
    if not dot or len(extension) > 10 or len(name) <= DISPLAY_NAME_MAX:
        return name[:DISPLAY_NAME_MAX]
    return stem[: DISPLAY_NAME_MAX - len(extension) - 1].rstrip(". ") + "." + extension


def _check_name(name: str) -> tuple[str, str]:
    """(content family, kind) that the extension of `name` promises."""
    parts = name.lower().split(".")
    extension = "." + parts[-1].strip() if len(parts) > 1 else ""
    if extension in MACRO_EXTENSIONS:
        raise _reject("macro")
    if extension not in EXTENSIONS:
        raise _reject("name")
    inner = {"." + part.strip() for part in parts[1:-1]}
    if inner & (RISKY_EXTENSIONS | MACRO_EXTENSIONS):
        raise _reject("double_extension")
    return EXTENSIONS[extension]


def _chunks(file: IO[bytes], start: int = 0) -> Iterator[bytes]:
    file.seek(start)
    while chunk := file.read(CHUNK):
        yield chunk


def _measure(file: IO[bytes], *, limit: int) -> tuple[int, str]:
    """Size and sha256, streaming; stops at the first chunk past `limit`."""
    digest = hashlib.sha256()
    size = 0
    for chunk in _chunks(file):
        size += len(chunk)
        if size > limit:
            raise _reject("too_large", limit=_human(limit))
        digest.update(chunk)
    if size == 0:
        raise _reject("empty")
    return size, digest.hexdigest()


def _head(file: IO[bytes]) -> bytes:
    file.seek(0)
    return file.read(HEAD)


def _read_exact(file: IO[bytes], size: int) -> bytes:
    data = file.read(size)
    if len(data) != size:
        raise _reject("corrupt")
    return data


def _size_of(file: IO[bytes]) -> int:
    return file.seek(0, os.SEEK_END)


# --- Content ---------------------------------------------------------------------------------
def _check_upload_content(file: IO[bytes], name: str) -> str:
    try:
        return _check_content(file, name, budget=_Budget.from_settings(), depth=0)
    except zipfile.BadZipFile as exc:
        raise _reject("zip_corrupt") from exc
    except _PARSE_ERRORS as exc:
        raise _reject("corrupt") from exc


def _check_content(file: IO[bytes], name: str, *, budget: _Budget, depth: int) -> str:
    """Check the name, sniff the content, run the kind's checker; return the kind."""
    family, kind = _check_name(name)
    if _sniff(_head(file)) != family:
        raise _reject("mismatch")
    _CHECKERS[kind](file, budget=budget, depth=depth)
    return kind


def _sniff(head: bytes) -> str:
    """The content family of a file from its first bytes, or a refusal for what is never
    allowed (programs, markup, other binary formats)."""
    for magic, family in _MAGIC:
        if head.startswith(magic):
            return family
    if b"\x00" in head:
        raise _reject("executable" if head.startswith(_EXECUTABLE_MAGIC) else "type")
    if head.startswith(b"#!"):
        raise _reject("executable")
    if _MARKUP.match(head.removeprefix(codecs.BOM_UTF8).lstrip()):
        raise _reject("markup")
    return "text"


def _check_pdf(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    size = _size_of(file)
    file.seek(max(0, size - 1024))
    if b"%%EOF" not in file.read():
        raise _reject("corrupt")
    tail = b""
    for chunk in _chunks(file):
        window = tail + chunk
        for match in _PDF_NAME.finditer(window):
            name = _PDF_HEX.sub(lambda hexa: bytes([int(hexa.group(1), 16)]), match.group(1))
            if name in _PDF_ACTIVE:
                raise _reject("pdf_active")
        tail = window[-256:]


def _check_pixels(width: int, height: int) -> None:
    if width == 0 or height == 0:
        raise _reject("corrupt")
    if width * height > _pixels_limit():
        raise _reject("image_too_large")


def _check_png(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    head = _head(file)
    if len(head) < 33 or head[8:16] != _PNG_IHDR:
        raise _reject("corrupt")
    _check_pixels(*struct.unpack(">II", head[16:24]))
    file.seek(-len(_PNG_IEND), os.SEEK_END)
    if file.read() != _PNG_IEND:
        raise _reject("corrupt")


def _check_jpeg(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    """Walk the marker segments up to the frame header (SOF) and check the image size."""
    file.seek(2)
    for _segment in range(_JPEG_MAX_SEGMENTS):
        marker = _jpeg_marker(file)
        if marker in _JPEG_STANDALONE:
            continue
        (length,) = struct.unpack(">H", _read_exact(file, 2))
        if marker in _JPEG_SOF:
            _precision, height, width = struct.unpack(">BHH", _read_exact(file, 5))
            _check_pixels(width, height)
            return
        if marker in (0xD8, 0xD9, 0xDA) or length < 2:
            break
        file.seek(length - 2, os.SEEK_CUR)
    raise _reject("corrupt")


def _jpeg_marker(file: IO[bytes]) -> int:
    byte = _read_exact(file, 1)
    if byte != b"\xff":
        raise _reject("corrupt")
    for _fill in range(64):
        byte = _read_exact(file, 1)
        if byte != b"\xff":
            return byte[0]
    raise _reject("corrupt")


def _check_text(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            _decode_all(file, encoding)
        except UnicodeDecodeError:
            continue
        return
    raise _reject("text_encoding")


def _decode_all(file: IO[bytes], encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    for chunk in _chunks(file):
        if _TEXT_FORBIDDEN.search(decoder.decode(chunk)):
            raise _reject("text_binary")
    if _TEXT_FORBIDDEN.search(decoder.decode(b"", final=True)):
        raise _reject("text_binary")


# --- Archives ----------------------------------------------------------------------------------
@contextmanager
def _zip_open(
    file: IO[bytes], budget: _Budget
) -> Iterator[tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]]:
    """Open an archive and check its central directory; nothing is decompressed here."""
    with zipfile.ZipFile(file) as archive:
        infos = archive.infolist()
        _check_directory(infos, _size_of(file), budget)
        yield archive, infos


def _check_directory(infos: list[zipfile.ZipInfo], archive_size: int, budget: _Budget) -> None:
    if not any(not info.is_dir() for info in infos):
        raise _reject("zip_empty")
    budget.reserve(infos)
    ratio = _ratio_limit()
    for info in infos:
        _check_entry(info, ratio)
    _check_ratio(sum(i.file_size for i in infos), sum(i.compress_size for i in infos), ratio)
    _check_layout(infos, archive_size)
    names = [info.filename.replace("\\", "/").casefold() for info in infos]
    if len(set(names)) != len(names):
        raise _reject("zip_duplicate")


def _check_entry(info: zipfile.ZipInfo, ratio: int) -> None:
    if info.flag_bits & 0x41:  # 0x01 encrypted, 0x40 strong encryption
        raise _reject("zip_encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _reject("zip_method")
    if stat.S_ISLNK(info.external_attr >> 16):
        raise _reject("zip_link")
    if not _safe_member_path(info.filename):
        raise _reject("zip_path")
    if info.is_dir() and info.file_size:
        raise _reject("zip_corrupt")
    _check_ratio(info.file_size, info.compress_size, ratio)


def _check_ratio(uncompressed: int, compressed: int, ratio: int) -> None:
    if uncompressed > RATIO_FLOOR and uncompressed > ratio * max(compressed, 1):
        raise _reject("zip_ratio")


def _safe_member_path(name: str) -> bool:
    path = name.replace("\\", "/")
    return (
        bool(path)
        and not path.startswith("/")
        and ":" not in path
        and ".." not in path.split("/")
        and not any(unicodedata.category(char) == "Cc" for char in path)
    )


def _check_layout(infos: list[zipfile.ZipInfo], archive_size: int) -> None:
    """Entries start at offset 0, in order, without overlapping one another (overlap bombs) or
    running past the end of the file."""
    ordered = sorted(infos, key=lambda info: info.header_offset)
    if ordered[0].header_offset != 0:
        raise _reject("zip_corrupt")
    starts = [info.header_offset for info in ordered[1:]] + [archive_size]
    for info, next_start in zip(ordered, starts, strict=True):
        if info.header_offset + _LOCAL_HEADER + info.compress_size > next_start:
            raise _reject("zip_corrupt")


def _check_zip(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    if depth > 0:
        raise _reject("nested_archive")
    with _zip_open(file, budget) as (archive, infos):
        for info in infos:
            if not info.is_dir():
                _check_member(archive, info, budget=budget, depth=depth + 1)


def _check_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, budget: _Budget, depth: int
) -> None:
    """A member of a plain zip is checked like an upload of its own (name and content). Its
    bytes are copied out (at most its declared size; zipfile checks the CRC)."""
    with tempfile.SpooledTemporaryFile(max_size=MiB) as copy:
        with archive.open(info) as member:
            shutil.copyfileobj(member, copy, CHUNK)
        if copy.tell() == 0:
            raise _reject("empty")
        _check_content(copy, _display_name(info.filename), budget=budget, depth=depth)


def _check_xlsx(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    _check_ooxml(file, kind="xlsx", budget=budget)


def _check_docx(file: IO[bytes], *, budget: _Budget, depth: int) -> None:
    _check_ooxml(file, kind="docx", budget=budget)


def _check_ooxml(file: IO[bytes], *, kind: str, budget: _Budget) -> None:
    main_part, main_type = _OOXML_MAIN[kind]
    with _zip_open(file, budget) as (archive, infos):
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names or main_part not in names:
            raise _reject("ooxml_missing_part")
        for info in infos:
            _check_ooxml_part(archive, info)
        if _content_types(archive).get("/" + main_part) != main_type:
            raise _reject("ooxml_type")


def _check_ooxml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    lowered = info.filename.lower()
    if PurePosixPath(lowered).name in _MACRO_PARTS or "activex" in lowered:
        raise _reject("macro")
    if info.is_dir():
        return
    with archive.open(info) as part:
        head = part.read(HEAD)
    if lowered.endswith(_XML_SUFFIXES) or _may_declare_doctype(head):
        _check_xml_prolog(head)
    if lowered.endswith(".rels"):
        _check_relationships(archive, info)


def _content_types(archive: zipfile.ZipFile) -> dict[str, str]:
    """PartName -> ContentType overrides (part names lower-cased); refuses macro types."""
    overrides = {}
    with archive.open("[Content_Types].xml") as source:
        for element in _xml_elements(source):
            content_type = element.get("ContentType", "")
            if any(marker in content_type.lower() for marker in _MACRO_CONTENT_TYPES):
                raise _reject("macro")
            if part_name := element.get("PartName"):
                overrides[part_name.lower()] = content_type
    return overrides


def _check_relationships(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    with archive.open(info) as source:
        for element in _xml_elements(source):
            external = element.get("TargetMode", "").lower() == "external"
            if external and not _external_target_allowed(element):
                raise _reject("external_link")


def _external_target_allowed(relationship: Element) -> bool:
    """Hyperlinks, and a template on a local drive (Word records the one a document was made
    from); never a remote or UNC template, OLE object, linked workbook or image."""
    kind = relationship.get("Type", "")
    if kind.endswith("/hyperlink"):
        return True
    target = relationship.get("Target", "")
    return kind.endswith("/attachedTemplate") and bool(_LOCAL_DRIVE_PATH.match(target))


def _xml_elements(source: IO[bytes]) -> Iterator[Element]:
    """Elements of an XML part, streamed by defusedxml (no DTD, no entities)."""
    try:
        for _event, element in iterparse(source, events=("end",), forbid_dtd=True):
            yield element
            element.clear()
    except DefusedXmlException as exc:
        raise _reject("xml_doctype") from exc
    except ParseError as exc:
        raise _reject("xml_prolog") from exc


def _may_declare_doctype(head: bytes) -> bool:
    """Whether a part could hold a DOCTYPE whatever its name: a DOCTYPE may be preceded only by
    the XML declaration, comments and processing instructions, so such a part starts with "<?"
    or "<!" (after a BOM and white space; NULs dropped for UTF-16). Binary parts (images, fonts,
    printer settings) almost never do, so they are not mistaken for XML."""
    sample = head[:64].replace(b"\x00", b"")
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        sample = sample.removeprefix(bom)
    return sample.lstrip().startswith((b"<?", b"<!"))


def _xml_text(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    if head.startswith((b"<\x00", b"\x00<")):
        return head.decode("utf-16-le" if head[0] == 0x3C else "utf-16-be", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


def _check_xml_prolog(head: bytes) -> None:
    """Walk the prolog (declaration, comments, processing instructions) up to the root element;
    any <!DOCTYPE / <!ENTITY is refused, and so is a prolog that does not end in the window."""
    text = _xml_text(head)
    position = 0
    while True:
        while text[position : position + 1] in (" ", "\t", "\r", "\n"):
            position += 1
        if text.startswith("<!--", position):
            terminator = "-->"
        elif text.startswith("<!", position):
            raise _reject("xml_doctype")
        elif text.startswith("<?", position):
            terminator = "?>"
        elif _is_root_start(text, position):
            return
        else:
            raise _reject("xml_prolog")
        end = text.find(terminator, position + 2)
        if end < 0 or not _xml_declaration_ok(text[position:end]):
            raise _reject("xml_prolog")
        position = end + len(terminator)


def _is_root_start(text: str, position: int) -> bool:
    char = text[position + 1 : position + 2]
    return text.startswith("<", position) and (char.isalpha() or char in ("_", ":"))


def _xml_declaration_ok(instruction: str) -> bool:
    if not re.match(r"<\?xml\s", instruction):
        return True
    encoding = re.search(r"encoding\s*=\s*[\"']([^\"']*)", instruction)
    return encoding is None or encoding.group(1).lower() in _XML_ENCODINGS


_CHECKERS: dict[str, Callable[..., None]] = {
    "pdf": _check_pdf,
    "png": _check_png,
    "jpeg": _check_jpeg,
    "xlsx": _check_xlsx,
    "docx": _check_docx,
    "zip": _check_zip,
    "csv": _check_text,
    "txt": _check_text,
}


# --- Virus scan ----------------------------------------------------------------------------------
def _antivirus_scan(file: IO[bytes]) -> None:
    """Stream the file to clamd when EVIDENCE_CLAMD_SOCKET is set; fail closed."""
    socket_path = str(getattr(settings, "EVIDENCE_CLAMD_SOCKET", "") or "")
    if not socket_path:
        return
    try:
        reply = _clamd_instream(socket_path, file)
    except OSError as exc:
        raise _reject("scan_unavailable") from exc
    if reply.endswith(b"FOUND"):
        raise _reject("virus")
    if not reply.endswith(b"OK"):
        raise _reject("scan_unavailable")


def _clamd_instream(socket_path: str, file: IO[bytes]) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(CLAMD_TIMEOUT)
        connection.connect(socket_path)
        connection.sendall(b"zINSTREAM\0")
        for chunk in _chunks(file):
            connection.sendall(struct.pack(">I", len(chunk)) + chunk)
        connection.sendall(struct.pack(">I", 0))
        reply = b""
        while b"\0" not in reply and (piece := connection.recv(4096)):
            reply += piece
    return reply.split(b"\0", 1)[0].strip()


# --- Storage -----------------------------------------------------------------------------------
def _evidence_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "evidence"


def _stored_path(stored_name: str) -> Path:
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError("not a stored evidence name")
    return _evidence_dir() / stored_name


def _write_verified(file: IO[bytes], path: Path, checked: CheckedFile) -> None:
    digest = hashlib.sha256()
    size = 0
    with path.open("xb") as target:
        for chunk in _chunks(file):
            size += len(chunk)
            if size > checked.size:
                break
            digest.update(chunk)
            target.write(chunk)
        target.flush()
        os.fsync(target.fileno())
    if size != checked.size or digest.hexdigest() != checked.sha256:
        raise _reject("changed")


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable (best effort: not every platform can open a directory)."""
    with suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# --- Download ------------------------------------------------------------------------------------
def _content_disposition(display_name: str) -> str:
    """RFC 6266: an ASCII `filename` fallback and the UTF-8 `filename*` (RFC 5987)."""
    name = _display_name(display_name) or "evidence"
    return (
        f"attachment; filename=\"{_ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"
    )


def _ascii_fallback(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", ascii_stem).strip("._")
    ascii_extension = re.sub(r"[^A-Za-z0-9]+", "", extension)
    return (ascii_stem or "evidence") + (f".{ascii_extension}" if ascii_extension else "")
