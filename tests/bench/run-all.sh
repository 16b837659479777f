#!/bin/sh
# run-all.sh SCRIPT...: make bench. Each bench script in turn, its output
# shown as it comes; then, as the last line, one JSON object with every
# figure: the JSON lines the scripts printed, merged. A key that two lines
# give is kept as the first gave it and the other's is prefixed with its
# script's name ("bench-decode.threads"), so that nothing is lost.
set -u
: "${top_srcdir:?}"
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vo-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/json"
for s in "$@"; do
    echo "== $s"
    { sh "$top_srcdir/$s"; echo $? >"$tmp/rc"; } | tee "$tmp/out"
    rc=$(cat "$tmp/rc")
    [ "$rc" -eq 0 ] || { echo "run-all: $s failed (exit $rc)"; exit 1; }
    name=$(basename "$s" .sh)
    grep '^{' "$tmp/out" | sed "s|^|$name	|" >>"$tmp/json"
done
"$PY" - "$tmp/json" <<'PYEOF'
import json, sys
merged = {}
for line in open(sys.argv[1], encoding="utf-8"):
    name, _, text = line.rstrip("\n").partition("\t")
    try:
        obj = json.loads(text)
    except ValueError:
        print("run-all: %s printed a line that is not JSON: %.60s" % (name, text), file=sys.stderr)
        sys.exit(1)
    for k, v in obj.items():
        merged[k if k not in merged else name + "." + k] = v
print(json.dumps(merged, sort_keys=True))
PYEOF
