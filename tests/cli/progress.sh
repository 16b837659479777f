#!/bin/sh
# progress.sh: --progress=json writes one JSON object a line for every
# event (run, page start and done, stages, tokens, files, messages), and
# nothing else; --progress=always into a file writes plain lines.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/cli/common.sh"
MODEL="$top_srcdir/tests/data/fixtures/tiny-varco"
# check.py EVENTS PAGES_EXPECTED: every line is an object; the run starts
# and ends; every page of PAGES_EXPECTED ("input:page ...") starts once and
# is done once, after it starts; every file is done once
cat >"$TMP/check.py" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
assert lines[-1] == '', 'the last line ends'
ev = [json.loads(l) for l in lines[:-1]]
assert all(isinstance(e, dict) and 'event' in e and 't' in e for e in ev)
assert ev[0]['event'] == 'run-start' and ev[-1]['event'] == 'run-done', (ev[0], ev[-1])
want = set(sys.argv[2].split())
starts = [(e['input'].split('/')[-1] + ':' + str(e['page'])) for e in ev if e['event'] == 'page-start']
dones = [(e['input'].split('/')[-1] + ':' + str(e['page'])) for e in ev if e['event'] == 'page-done']
assert sorted(starts) == sorted(want) and sorted(dones) == sorted(want), (starts, dones)
for k in want:
    i = next(n for n, e in enumerate(ev) if e['event'] == 'page-start' and
             e['input'].split('/')[-1] + ':' + str(e['page']) == k)
    j = next(n for n, e in enumerate(ev) if e['event'] == 'page-done' and
             e['input'].split('/')[-1] + ':' + str(e['page']) == k)
    assert i < j, k
files = [e['input'].split('/')[-1] for e in ev if e['event'] == 'file-done']
assert len(files) == len(set(files)), files
print(json.dumps(ev))
EOF
ev() { "$PY" -c "import json,sys; ev=json.load(open(sys.argv[1])); print($1)" "$TMP/ev.json"; }

cp "$SAMPLES/four-pages.pdf" "$TMP/a.pdf"
run_vo --progress=json --text-layer only -O "$TMP/o" "$TMP/a.pdf" "$SAMPLES/hello.png" "$TMP/missing.pdf"
"$PY" "$TMP/check.py" "$TMP/err" "a.pdf:1 a.pdf:2 a.pdf:3 a.pdf:4 hello.png:1" >"$TMP/ev.json"
r=$?
[ $rc -eq 11 ] && [ $r -eq 0 ] && ! grep -q "$(printf '\033')" "$TMP/err" &&
    [ "$(ev "sorted((e['input'].split('/')[-1], e['status']) for e in ev if e['event'] == 'file-done')")" = \
      "[('a.pdf', 'done'), ('hello.png', 'done'), ('missing.pdf', 'failed')]" ] &&
    [ "$(ev "[e['level'] for e in ev if e['event'] == 'message' and 'missing.pdf' in e['text']]")" = "['error']" ] &&
    [ "$(ev "[(e['pages_done'], e['inputs_failed']) for e in ev if e['event'] == 'run-done']")" = "[(5, 1)]" ] &&
    [ "$(ev "sorted(set(e['source'] for e in ev if e['event'] == 'page-done'))")" = "['empty', 'text-layer']" ]
ok $? "progress 1.1: json: one object a line, every page started and done, every file done, errors as events (rc=$rc)"

run_vo --progress=json --text-layer only -O "$TMP/o" "$TMP/a.pdf"
"$PY" "$TMP/check.py" "$TMP/err" "" >"$TMP/ev.json"
r=$?
[ $rc -eq 0 ] && [ $r -eq 0 ] &&
    [ "$(ev "[e['status'] for e in ev if e['event'] == 'file-done']")" = "['already-done']" ]
ok $? "progress 1.2: json: a document done before is one file-done event, already-done (rc=$rc)"

if [ -f "$MODEL/config.json" ]; then
    run_vo --progress=json --model "$MODEL" --max-tokens 120 --no-band -o "$TMP/h.txt" "$SAMPLES/hello.png"
    "$PY" "$TMP/check.py" "$TMP/err" "hello.png:1" >"$TMP/ev.json"
    r=$?
    [ $rc -eq 0 ] && [ $r -eq 0 ] &&
        [ "$(ev "[e['stage'] for e in ev if e['event'] == 'stage']")" = "['render', 'recognise']" ] &&
        [ "$(ev "ev[[e['event'] for e in ev].index('tokens') - 1]['stage']")" = "recognise" ] &&
        [ "$(ev "min(e['tokens'] for e in ev if e['event'] == 'tokens')")" = 1 ] &&
        [ "$(ev "[e['event'] for e in ev].index('tokens') < [e['event'] for e in ev].index('page-done')")" = True ]
    ok $? "progress 2.1: json: a recognised page has its stages and token progress from the first token (rc=$rc)"
    # page-done's stage seconds: each there, none negative, the model's
    # stages timed, all of them within the page's own seconds
    "$PY" - "$TMP/err" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8') if l.strip()]
d = [e for e in ev if e['event'] == 'page-done'][0]
g = d['stages']
names = ['render', 'wait', 'preprocess', 'vision', 'prefill', 'decode', 'layout', 'write']
sys.exit(0 if sorted(g) == sorted(names) and all(g[k] >= 0 for k in names)
         and g['vision'] > 0 and g['prefill'] > 0 and g['decode'] > 0
         and sum(g.values()) <= d['seconds'] + 1e-3
         and d['tokens'] > 0 and d['passes'] > 0 else 1)
PYEOF
    ok $? "progress 2.2: json: page-done gives the seconds of each stage (render to write), tokens and passes"
else
    diag "tiny fixture model missing: token progress is not checked"
    ok 1 "progress 2.0: tests/data/fixtures/tiny-varco present"
fi

run_vo --progress=always --text-layer only -O "$TMP/p" "$TMP/a.pdf"
[ $rc -eq 0 ] && ! grep -q "$(printf '\033')" "$TMP/err" && ! grep -q "$(printf '\r')" "$TMP/err" &&
    grep -q '^varco-ocr: progress: 4/4 pages, [0-9.]* pages/s, ETA 0:00, a.pdf$' "$TMP/err"
ok $? "progress 3.1: always into a file: plain lines, no terminal codes, the last says 4/4 (rc=$rc)"

run_vo --progress=sometimes "$TMP/a.pdf"
[ $rc -eq 1 ] && grep -q "progress takes auto, always, never or json, not 'sometimes'" "$TMP/err"
ok $? "progress 4.1: an unknown --progress value is a usage error (rc=$rc)"
done_testing
