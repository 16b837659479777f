#!/bin/sh
# inflight-isa.sh: pages in flight and drafted decoding keep every page's
# tokens bit for bit on the other kernel paths too (test-vlm-inflight with
# VO_CPU_ISA=avx2 and scalar; the default path runs in make check itself).
. "$top_srcdir/tests/tap.sh"
T="$top_builddir/tests/vlm/test-vlm-inflight"
[ -x "$T" ] || skip_all "$T not built"
for isa in avx2 scalar; do
    VO_CPU_ISA=$isa "$T" >"${TMPDIR:-/tmp}/vo-inflight-$isa.$$" 2>&1
    rc=$?
    n=$(grep -c '^ok ' "${TMPDIR:-/tmp}/vo-inflight-$isa.$$")
    bad=$(grep -c '^not ok ' "${TMPDIR:-/tmp}/vo-inflight-$isa.$$")
    if grep -q 'SKIP' "${TMPDIR:-/tmp}/vo-inflight-$isa.$$"; then
        diag "VO_CPU_ISA=$isa: $(grep SKIP "${TMPDIR:-/tmp}/vo-inflight-$isa.$$")"
    fi
    [ $rc -eq 0 ] && [ "$bad" -eq 0 ] && [ "$n" -ge 14 ]
    ok $? "inflight-isa: VO_CPU_ISA=$isa: pages in flight equal their runs alone ($n ok, $bad not ok)"
    rm -f "${TMPDIR:-/tmp}/vo-inflight-$isa.$$"
done
done_testing
