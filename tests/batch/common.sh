# common.sh: shared setup of the batch tests (sourced after tests/tap.sh and
# tests/cli/common.sh): a corpus of at least 200 pages, tree comparison.

# make_corpus DIR: fill DIR with documents of 200 pages or more; prints the
# number of pages. From the shared corpus when it is there (the 55-page
# book, the other PDFs, every TIFF kind, copied again under other names),
# else from samples/ repeated under different names.
make_corpus() {
    mkdir -p "$1"
    if SH=$(shared_dir); then
        mkdir -p "$1/a" "$1/b" "$1/c/tiff"
        for f in "$SH"/corpus/pdf/*.pdf "$SH"/corpus/tiff/*; do
            case $f in *encrypted*) continue ;; esac
            cp "$f" "$1/a/"
            case $f in *pdkids*) ;; *) cp "$f" "$1/b/again-$(basename "$f")" ;; esac
        done
        cp "$SH"/corpus/tiff/* "$1/c/tiff/"
    else
        mkdir -p "$1/s"
        i=0
        while [ $i -lt 50 ]; do
            cp "$SAMPLES/four-pages.pdf" "$1/s/four-$i.pdf"
            i=$((i + 1))
        done
        cp "$SAMPLES/multicolumn.pdf" "$SAMPLES/korean-interview.pdf" "$SAMPLES/hello.png" "$1/s/"
    fi
}

# pages_in_report FILE: pages done + resumed in a --report file
pages_in_report() {
    "$PY" -c "
import json,sys
s=json.load(open(sys.argv[1]))['summary']
print(s['pages_done'])" "$1"
}

# same_tree A B: 0 when both trees hold the same files with the same bytes
# (the run locks in .varco-ocr are left out: they name each run's process
# and each shard has its own)
same_tree() {
    (cd "$1" && find . -type f ! -path './.varco-ocr/run*.lock' | sort) >"$TMP/list-a"
    (cd "$2" && find . -type f ! -path './.varco-ocr/run*.lock' | sort) >"$TMP/list-b"
    cmp -s "$TMP/list-a" "$TMP/list-b" && diff -r -x 'run*.lock' "$1" "$2" >/dev/null
}
