#!/usr/bin/env bash
# Make sure a CJK TrueType font is installed: the PDF reports embed it (assessments/fonts.py).
# Does nothing when fontconfig already lists WenQuanYi or Noto CJK; otherwise installs
# fonts-wqy-microhei when running as root with apt-get, else prints the command to run.
# Never fails the caller: without the font, reports fall back to the non-embedded STSong-Light.
set -u

if command -v fc-list >/dev/null 2>&1 \
  && fc-list 2>/dev/null | grep -qiE 'wenquanyi|wqy|noto (sans|serif) cjk'; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-cjk-font: installing fonts-wqy-microhei for the PDF reports"
  export DEBIAN_FRONTEND=noninteractive
  if { apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 \
      && apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1; }; }; then
    exit 0
  fi
  echo "ensure-cjk-font: WARNING: apt-get could not install fonts-wqy-microhei" >&2
fi

cat >&2 <<'MSG'
ensure-cjk-font: WARNING: no CJK TrueType font found; PDF reports will use the non-embedded
  STSong-Light font and may show blank Chinese text in some viewers. Install one with
    sudo apt-get install fonts-wqy-microhei        (Debian/Ubuntu)
    sudo dnf install wqy-microhei-fonts             (Fedora/RHEL)
  or set ZHIGAI_REPORT_FONT=/path/to/a-cjk-font.ttf (TrueType .ttf/.ttc, not CFF .otf).
MSG
exit 0
