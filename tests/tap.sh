# tap.sh: TAP helpers for shell tests. Source it; call ok/not_ok, then done_testing.
tap_n=0
tap_failed=0
ok() { # ok CONDITION-EXIT-CODE "description"
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_failed=$((tap_failed + 1)); fi
}
diag() { echo "# $*"; }
skip() { # skip "description" "why": a case that cannot run here, counted and said
    tap_n=$((tap_n + 1))
    echo "ok $tap_n - $1 # SKIP $2"
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }
# Path of the shared folder (fixtures, corpus) or empty when absent.
shared_dir() {
    for d in "${VO_SHARED:-}" "$top_srcdir/../shared" "$top_srcdir/../../shared"; do
        [ -n "$d" ] && [ -d "$d/fixtures" ] && { echo "$d"; return 0; }
    done
    return 1
}
