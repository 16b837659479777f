"""same-page.py A B [--no-words]: the two `-f json` documents have the same
pages (the page model, every field), else the first difference is printed.
The pages must hold words, unless --no-words (the tiny fixture model writes
no grounded items: its pages are compared by size, origin and blocks)."""
import json
import sys


def first_diff(a, b, where="pages"):
    if type(a) is not type(b):
        return "%s: %r against %r" % (where, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (where, k, "A" if k in a else "B")
            d = first_diff(a[k], b[k], where + "." + k)
            if d:
                return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items against %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (where, i))
            if d:
                return d
    elif a != b:
        return "%s: %r against %r" % (where, a, b)
    return None


docs = [json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3]]
pages = [d["pages"] for d in docs]
words = sum(len(l["words"]) for p in pages[0] for b in p["blocks"] for q in b["paragraphs"]
            for l in q["lines"])
if not words and "--no-words" not in sys.argv[3:]:
    sys.exit("%s: no words on its pages: nothing to compare" % sys.argv[1])
d = first_diff(pages[0], pages[1])
if d:
    sys.exit(d)
print("same: %d page(s), %d words" % (len(pages[0]), words))
