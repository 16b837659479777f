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

# watchdog PID SECONDS: kills PID after SECONDS (a hang is killed, never
# waited on); unwatch stops it. Our SIGTERM goes to varco-ocr itself, as a
# user's kill does. Not through timeout(1): it passes a TERM on and then
# sends SIGCONT to the group, and a SIGCONT that lands while LeakSanitizer's
# exit-time scan attaches with ptrace discards the SIGSTOP that the attach
# queued, so the scan waits for ever (a known race, e.g. oven-sh/bun#41321;
# CI's ASan run hung this way once in input-kinds.sh 4.1).
watchdog() {
    (
        sleep "$2" &
        s=$!
        trap 'kill $s 2>/dev/null; exit 0' TERM
        wait $s
        kill -KILL "$1" 2>/dev/null
    ) >/dev/null 2>&1 &
    dog=$!
}
unwatch() { kill -TERM $dog 2>/dev/null; wait $dog 2>/dev/null; }
