# common.sh: shared setup of the command-line tests (sourced after tap.sh).
VO="$top_builddir/varco-ocr"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vo-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Debian's python3 has the ocrmypdf module; another python3 may be first in PATH
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
TEXTCMP="$top_srcdir/tests/cli/textcmp.py"
SAMPLES="$top_srcdir/samples"
# no model folder may leak in from the environment of whoever runs the tests
unset VARCO_OCR_MODEL
export XDG_DATA_HOME="$TMP/xdg-data"
export SOURCE_DATE_EPOCH=1700000000

# run_vo ARGS...: runs varco-ocr, sets $rc, stdout in $TMP/out, stderr in $TMP/err
run_vo() {
    "$VO" "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
}
