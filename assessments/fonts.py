"""The CJK font of the PDF report: found once per process, embedded so the file renders anywhere.

Discovery order: settings.REPORT_FONT (env ZHIGAI_REPORT_FONT, a .ttf/.ttc path, subfont 0),
well-known system paths (WenQuanYi, Droid, AR PL, Noto CJK collections), then `fc-match
"sans:lang=zh"`. A candidate counts only when reportlab can load it (TrueType outlines: CFF-based
.otf and most Noto CJK files cannot be embedded) and it has a glyph for 中. When none is usable
the report uses reportlab's built-in CID font STSong-Light: readable in viewers that ship the Adobe
Chinese fonts, but not embedded; a warning is logged. `scripts/ensure-cjk-font.sh` installs one.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)

FALLBACK_FONT = "STSong-Light"
NO_CJK_FONT = (
    "No embeddable CJK TrueType font found (set ZHIGAI_REPORT_FONT or run "
    "scripts/ensure-cjk-font.sh); PDF reports use the non-embedded %s"
)
CONFIGURED_FONT_UNUSABLE = "ZHIGAI_REPORT_FONT=%s is not a usable CJK TrueType font; ignored"

SYSTEM_FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/wqy-zenhei/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
)
_TEST_CHAR = ord("中")


@dataclass(frozen=True)
class FontChoice:
    """The font the PDF uses: a registered reportlab name, its file (None for the CID
    fallback) and whether the PDF carries its glyphs."""

    name: str
    path: str | None
    embedded: bool


def report_font() -> FontChoice:
    """The first usable CJK font, registered with reportlab; STSong-Light when there is none."""
    for path, index in font_candidates():
        name = _register(path, index)
        if name:
            return FontChoice(name=name, path=path, embedded=True)
    logger.warning(NO_CJK_FONT, FALLBACK_FONT)
    if FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FontChoice(name=FALLBACK_FONT, path=None, embedded=False)


def font_candidates() -> list[tuple[str, int]]:
    """(path, subfont index) to try, in order."""
    configured = str(getattr(settings, "REPORT_FONT", "") or "")
    if configured and _register(configured, 0) is None:
        logger.warning(CONFIGURED_FONT_UNUSABLE, configured)
    head = [(configured, 0)] if configured else []
    return [*head, *SYSTEM_FONTS, *_fc_match()]


def _fc_match() -> list[tuple[str, int]]:
    """fontconfig's best sans font for Chinese, when fc-match exists."""
    command = shutil.which("fc-match")
    if command is None:
        return []
    try:
        done = subprocess.run(
            [command, "-f", "%{file}\n%{index}", "sans:lang=zh"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines or not lines[0]:
        return []
    index = lines[1] if len(lines) > 1 and lines[1].isdigit() else "0"
    return [(lines[0], int(index))]


def _register(path: str, index: int) -> str | None:
    """Register the TrueType font at `path` under a stable name; None when it is missing, not
    TrueType, unloadable or without Chinese glyphs."""
    file = Path(path)
    if file.suffix.lower() not in (".ttf", ".ttc") or not file.is_file():
        return None
    name = f"ZhigaiCJK-{file.stem}-{index}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = TTFont(name, str(file), subfontIndex=index)
    except Exception as exc:  # reportlab raises TTFError, OSError, struct.error, KeyError…
        logger.info("Cannot use %s#%s for reports: %s", path, index, exc)
        return None
    if _TEST_CHAR not in font.face.charToGlyph:
        return None
    pdfmetrics.registerFont(font)
    return name
