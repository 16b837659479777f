#!/usr/bin/env python3
"""pdfkeep.py: what a PDF has that a searchable copy must keep, read with
qpdf --json (an independent reader):
  pdfkeep.py summary FILE [PASSWORD]   prints it as JSON
  pdfkeep.py compare IN OUT [PASSWORD] prints each difference, one a line;
                                       exit 1 when there is one
Kept: the Info keys and values (Producer and ModDate may change), XMP
metadata present and its PDF/A identification, OutputIntents, per page the
annotations, links and the pages their destinations point at, the
outlines with their pages, the page labels."""
import json
import re
import subprocess
import sys

UPDATED = {"/Producer", "/ModDate"}


def qpdf(args, path, password):
    cmd = ["qpdf"] + (["--password=" + password] if password else []) + args + [path]
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode not in (0, 3):  # 3: warnings
        raise SystemExit("qpdf %s %s: %s" % (" ".join(args), path, r.stderr.decode(errors="replace")))
    return r.stdout


def summary(path, password=None):
    j = json.loads(qpdf(["--json"], path, password).decode("utf-8", "replace"))
    objs = j["qpdf"][1]

    def get(v):  # an indirect reference resolved, a direct value as it is
        while isinstance(v, str) and re.fullmatch(r"\d+ \d+ R", v):
            o = objs.get("obj:" + v)
            if o is None:
                return None
            v = o.get("value", o.get("stream", {}).get("dict"))
        return v

    page_of = {p["object"]: p["pageposfrom1"] for p in j["pages"]}

    def dest_page(d):
        d = get(d)
        if isinstance(d, dict):
            d = get(d.get("/D"))
        if isinstance(d, list) and d:
            return page_of.get(d[0], "not a page" if isinstance(d[0], str) and d[0].endswith(" R") else d[0])
        return None if d is None else "named"

    trailer = objs["trailer"]["value"]
    info = get(trailer.get("/Info")) or {}
    root = get(trailer.get("/Root")) or {}
    meta_ref = root.get("/Metadata")
    xmp = None
    if isinstance(meta_ref, str) and meta_ref.endswith(" R"):
        num = meta_ref.split()[0]
        xmp = qpdf(["--show-object=" + num, "--filtered-stream-data"], path, password).decode("utf-8", "replace")
    pdfaid = {}
    if xmp:
        for k in ("part", "conformance"):
            m = re.search(r"pdfaid:%s(?:>|=\")\s*([^<\"]*)" % k, xmp)
            if m:
                pdfaid[k] = m.group(1).strip()
    intents = get(root.get("/OutputIntents")) or []
    pages = []
    for p in j["pages"]:
        pd = get(p["object"]) or {}
        annots = get(pd.get("/Annots")) or []
        links = []
        n_annots = 0
        for a in annots:
            a = get(a) or {}
            n_annots += 1
            if a.get("/Subtype") == "/Link":
                links.append(dest_page(a.get("/Dest")) if "/Dest" in a else
                             dest_page(get(a.get("/A")) or {}) if (get(a.get("/A")) or {}).get("/S") == "/GoTo" else
                             "action")
        pages.append({"annots": n_annots, "links": links})

    def outline_pages(items):
        out = []
        for o in items:
            out.append(o.get("destpageposfrom1"))
            out += outline_pages(o.get("kids", []))
        return out

    return {
        "info": {k: get(v) for k, v in info.items()},
        "xmp": xmp is not None,
        "pdfaid": pdfaid,
        "output_intents": len(intents),
        "pages": pages,
        "outlines": outline_pages(j["outlines"]),
        "pagelabels": [[l["index"], get(l["label"])] for l in j["pagelabels"]],
    }


def compare(a, b):
    diffs = []
    for k, v in a["info"].items():
        if k not in b["info"]:
            diffs.append("Info %s dropped" % k)
        elif k not in UPDATED and b["info"][k] != v:
            diffs.append("Info %s changed: %r -> %r" % (k, v, b["info"][k]))
    for k in b["info"]:
        if k not in a["info"] and k not in UPDATED:
            diffs.append("Info %s added" % k)
    for k in ("xmp", "pdfaid", "output_intents", "outlines", "pagelabels"):
        if a[k] != b[k]:
            diffs.append("%s: %r -> %r" % (k, a[k], b[k]))
    if len(a["pages"]) != len(b["pages"]):
        diffs.append("pages: %d -> %d" % (len(a["pages"]), len(b["pages"])))
    for i, (pa, pb) in enumerate(zip(a["pages"], b["pages"])):
        if pa != pb:
            diffs.append("page %d: %r -> %r" % (i + 1, pa, pb))
    return diffs


if __name__ == "__main__":
    if len(sys.argv) in (3, 4) and sys.argv[1] == "summary":
        print(json.dumps(summary(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)))
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "compare":
        pw = sys.argv[4] if len(sys.argv) > 4 else None
        d = compare(summary(sys.argv[2], pw), summary(sys.argv[3]))
        for line in d:
            print(line)
        sys.exit(1 if d else 0)
    else:
        sys.exit(__doc__)
