#!/bin/sh
# shard-parallel.sh: --shard 1/3, 2/3, 3/3 run through GNU parallel (local)
# write together exactly the tree of one run, each with its own report,
# every document in exactly one shard.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
. "$top_srcdir/tests/batch/common.sh"
command -v parallel >/dev/null 2>&1 || skip_all "GNU parallel is not installed (Debian package parallel)"
make_corpus "$TMP/in"
ARGS="--text-layer only -j 1 -f txt,alto,hocr"

"$VO" -q $ARGS -j 2 -O "$TMP/one" --report "$TMP/one.json" "$TMP/in"
rc=$?
ok $rc "shard 1.1: one run exits 0 (rc=$rc)"
t0=$(date +%s%N)
parallel --will-cite -j 3 "$VO" -q $ARGS -O "$TMP/sharded" --shard {}/3 --report "$TMP/r{}.json" \
    "$TMP/in" ::: 1 2 3
rc=$?
t1=$(date +%s%N)
diag "3 shards through parallel: $(( (t1 - t0) / 1000000 )) ms"
ok $rc "shard 1.2: parallel with three shards exits 0 (rc=$rc)"
same_tree "$TMP/one" "$TMP/sharded"
ok $? "shard 1.3: the shards' union is byte-identical to one run (file lists and bytes)"
"$PY" -c "
import json,sys
one=json.load(open(sys.argv[1]))
seen={}
for i in (1,2,3):
    r=json.load(open(sys.argv[1+i]))
    assert r['shard']==[i,3], r['shard']
    for f in r['files']:
        if f['status']=='done':
            assert f['input'] not in seen, f['input']
            seen[f['input']]=i
        else:
            assert f['status']=='other-shard', f
want={f['input'] for f in one['files']}
assert set(seen)==want, (len(seen), len(want))
counts=[list(seen.values()).count(i) for i in (1,2,3)]
assert min(counts)>0, counts
print('# documents per shard:', counts)
" "$TMP/one.json" "$TMP/r1.json" "$TMP/r2.json" "$TMP/r3.json"
ok $? "shard 1.4: each report has its shard; every document done by exactly one shard"
# a rerun of one shard skips its finished documents and touches nothing else
"$VO" -q $ARGS -O "$TMP/sharded" --shard 2/3 --report "$TMP/again.json" "$TMP/in"
"$PY" -c "
import json,sys
r=json.load(open(sys.argv[1]))
st={f['status'] for f in r['files']}
sys.exit(0 if st=={'already-done','other-shard'} else 1)" "$TMP/again.json"
ok $? "shard 2.1: rerunning shard 2/3 finds its documents already done"
"$VO" -q $ARGS -O "$TMP/bad" --shard 4/3 "$TMP/in" 2>"$TMP/err"
rc=$?
[ $rc -eq 1 ] && grep -q -- '--shard' "$TMP/err"; ok $? "shard 2.2: --shard 4/3 is a usage error (rc=$rc)"
done_testing
