#!/bin/sh
# docs.sh: --help and the man page cannot drift apart: every option of
# --help is in varco-ocr(1), and every exit code is in both.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MAN="$top_srcdir/man/varco-ocr.1"
"$VO" --help >"$TMP/help"
# the man page with roff escapes of '-' removed
sed 's/\\-/-/g; s/\\f[BIR]//g' "$MAN" >"$TMP/man"

opts=$(grep -Eo -- '--[a-z][a-z-]+' "$TMP/help" | sort -u)
[ -n "$opts" ]; ok $? "docs 1.1: --help lists long options"
for o in $opts; do
    grep -q -- "$o" "$TMP/man"; ok $? "docs 1.2: $o of --help is in the man page"
done
for code in 0 1 2 3 5 7 8 9 11 15; do
    grep -Eq "^\.B $code\$" "$MAN"; ok $? "docs 2.1: exit code $code in the man page EXIT STATUS"
    grep -Eq "(^|[ ;])$code [a-z]" "$TMP/help"; ok $? "docs 2.2: exit code $code in --help"
done
awk 'length > 79 { bad = 1 } END { exit bad }' "$TMP/help"; ok $? "docs 3.1: --help lines fit in 79 columns"
if command -v mandoc >/dev/null 2>&1; then
    out=$(mandoc -Tlint "$MAN" 2>&1); [ -z "$out" ]; ok $? "docs 3.2: mandoc -Tlint is clean${out:+: $out}"
else
    diag "mandoc not installed (tests/deps.sh --test installs it)"; ok 1 "docs 3.2: mandoc available"
fi
done_testing
