#!/usr/bin/env bash
# Debian packages rectrack needs beyond Python, installed when missing (as root, or through sudo).
#   runtime: Pango and fonts for WeasyPrint's PDFs (DejaVu covers Latin, Cyrillic and Kazakh letters)
#   test:    runtime, plus Chromium (browser tests), LibreOffice Writer (DOCX page counts) and poppler (pdfinfo)
# Used by the Makefile (`make install`, `make install-test`), .ci/run and the Dockerfile.
set -euo pipefail

runtime=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
test=("${runtime[@]}" chromium libreoffice-writer-nogui poppler-utils)

case "${1:-runtime}" in
  runtime) wanted=("${runtime[@]}") ;;
  test) wanted=("${test[@]}") ;;
  *) echo "usage: $0 runtime|test" >&2; exit 2 ;;
esac

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1; then
  run=(sudo)
else
  echo "rectrack needs these Debian packages: ${missing[*]}" >&2
  echo "install them as root: apt-get install --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
