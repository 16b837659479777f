#!/bin/sh
# readme-flow.sh: a newcomer's first minutes. In a fresh clone of this tree,
# run README's two set-up commands, as written there, in that order and in
# the same folder: the first builds in place and runs the samples, the
# second (README's test command) must then install, build and pass the
# suite and make distcheck too.
#   sh tests/readme-flow.sh          in a fresh clone of this tree
#   sh tests/readme-flow.sh --here   in this tree, which must be a clean
#                                    clone (CI's: .ci/run runs it so)
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
here=""
[ "${1:-}" = "--here" ] && here=yes
work=$(mktemp -d "${TMPDIR:-/tmp}/vo-readme-XXXXXX")
trap 'rm -rf "$work"' EXIT
# readable by all, as a clone in a home or /work is: the suite runs some
# checks as an unprivileged user (tests/batch/link-safety.sh)
chmod 755 "$work"

# The commands exactly as README.md has them: the first code line that starts
# with tests/deps.sh, and the one that runs tests/run-tests.sh.
cmd1=$(grep -m1 '^sh tests/deps.sh && ' README.md || true)
cmd2=$(grep -m1 '^sh tests/run-tests.sh$' README.md || true)
if [ -z "$cmd1" ] || [ -z "$cmd2" ]; then
    echo "readme-flow: README.md no longer has its two set-up commands as lines of their own"
    exit 1
fi

if [ -n "$here" ]; then
    # a newcomer's clone has built nothing yet
    for f in config.status configure sample-out build; do
        [ ! -e "$f" ] || { echo "readme-flow: --here wants a clean clone, and $top/$f is there"; exit 1; }
    done
else
    git clone -q "$top" "$work/varco-ocr"
    # the fixtures and corpus beside the clone, as beside this tree
    if [ -d "$top/../shared" ]; then ln -s "$(cd "$top/../shared" && pwd)" "$work/shared"; fi
    cd "$work/varco-ocr"
fi

# run_cmd N CMD: command N's output into $work/cmdN.log, and with --here
# into this script's output too (CI's log keeps the suite's lines)
run_cmd() {
    if [ -n "$here" ]; then
        { sh -c "$2" 2>&1; echo $? >"$work/cmd$1.rc"; } | tee "$work/cmd$1.log"
        return "$(cat "$work/cmd$1.rc")"
    fi
    sh -c "$2" >"$work/cmd$1.log" 2>&1
}

echo "readme-flow: command 1: $cmd1"
run_cmd 1 "$cmd1" || {
    echo "readme-flow: command 1 failed:"; tail -40 "$work/cmd1.log"; exit 1; }
for f in ko-en-2col.txt ko-en-2col.p0001.alto.xml ko-en-2col.hocr ko-en-2col.pdf \
         ko-en-2col.p0001.overlay.png; do
    [ -s "sample-out/$f" ] || { echo "readme-flow: command 1 did not write sample-out/$f"; exit 1; }
done
grep -q '대한민국헌법' sample-out/ko-en-2col.txt || {
    echo "readme-flow: sample-out/ko-en-2col.txt lacks the page's first line"; exit 1; }
echo "readme-flow: command 1 passed (samples written to sample-out/)"

echo "readme-flow: command 2 in the same folder: $cmd2"
run_cmd 2 "$cmd2" || {
    echo "readme-flow: command 2 failed after command 1:"; tail -60 "$work/cmd2.log"; exit 1; }
grep -E '^# (TOTAL|PASS|FAIL|ERROR)' "$work/cmd2.log" | head -10
echo "readme-flow: command 2 passed after command 1"
