#!/usr/bin/env python3
"""straighten_check.py: the checks of tests/source/straighten.sh.

  detect PROBE_OUT        lines of straighten-probe detect (pages named
                          LANG-SKEW-N.png): prints one "ok"/"not ok" line per
                          check, with figures, Korean and English apart
  raw RAW SOURCE SKEW ROT OUT   RAW (vo-synth's model output of a straight
                          page) made the raw page of SOURCE, a turned copy:
                          "skew" and "rotation" set (version 2)
  iou GOT.json GT.json Q W H   glyph boxes of our JSON output against the
                          ground truth's, the ground truth turned Q
                          clockwise quarter turns (W x H: its page): prints
                          the share of glyphs with IoU >= 0.8 and the least
"""
import json
import sys


def detect(path):
    rows = [l.split() for l in open(path) if l.strip()]
    by_lang = {}
    for name, q, turns, known, skew, found, conf, up, left, script, t in rows:
        base = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        lang, s, _ = base.split("_")
        s = float(s.replace("m", "-"))
        q, turns, known, skew, found = int(q), int(turns), int(known), float(skew), int(found)
        d = by_lang.setdefault(lang, {"right": 0, "unknown": 0, "wrong": 0, "skews": [],
                                      "scripts": {}})
        d["scripts"][script] = d["scripts"].get(script, 0) + 1
        if not known:
            d["unknown"] += 1
        elif turns == (4 - q) % 4:
            d["right"] += 1
        else:
            d["wrong"] += 1
        if q == 0:
            d["skews"].append((base, s, skew, found))
    for lang, d in sorted(by_lang.items()):
        n = d["right"] + d["unknown"] + d["wrong"]
        errs = [abs(skew + s) if (abs(s) >= 0.1) else abs(skew) for base, s, skew, found in d["skews"]]
        if lang != "scan":  # the scans' skew is not known
            worst = max(errs)
            print("%s skew %s: %d pages skewed -10..10 degrees, the largest error %.2f degrees"
                  % ("ok" if worst <= 0.3 else "not ok", lang, len(errs), worst))
        figures = "%d pages turned 0/90/180/270: %d right, %d not decided, %d wrong (lines: %s)" % (
            n, d["right"], d["unknown"], d["wrong"],
            ", ".join("%s %d" % kv for kv in sorted(d["scripts"].items())))
        print("%s orientation %s (right on at least 98 %%, none wrong): %s"
              % ("ok" if d["right"] >= 0.98 * n and not d["wrong"] else "not ok", lang, figures))


def make_raw(raw, source, skew, rot, out):
    r = json.load(open(raw))
    r["source"] = source
    r["version"] = 2
    if float(skew):
        r["skew"] = float(skew)
    if int(rot):
        r["rotation"] = int(rot)
    json.dump(r, open(out, "w"), ensure_ascii=False)


def glyphs(page, key):
    out = []
    for b in page["blocks"]:
        for l in (x for p in b["paragraphs"] for x in p["lines"]) if "paragraphs" in b else b["lines"]:
            for w in l["words"]:
                for g in w["glyphs"]:
                    out.append((g["text"], g[key]))
    return out


def iou(a, b):
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    i = max(0, x1 - x0) * max(0, y1 - y0)
    u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - i
    return i / u if u > 0 else 0


def turn_box(b, q, w, h):
    for _ in range(q):  # clockwise: (x, y) -> (h - y, x)
        b = [h - b[3], b[0], h - b[1], b[2]]
        w, h = h, w
    return b


def check_iou(got, gt, q, w, h):
    g = glyphs(json.load(open(got))["pages"][0], "bbox")
    t = glyphs(json.load(open(gt)), "box")
    if [x[0] for x in g] != [x[0] for x in t]:
        print("0 0 (the glyphs differ: %d against %d)" % (len(g), len(t)))
        return
    ious = [iou(a[1], turn_box(b[1], int(q), float(w), float(h))) for a, b in zip(g, t)]
    print("%.4f %.3f %d" % (sum(v >= 0.8 for v in ious) / len(ious), min(ious), len(ious)))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "detect":
        detect(sys.argv[2])
    elif cmd == "raw":
        make_raw(*sys.argv[2:7])
    elif cmd == "iou":
        check_iou(*sys.argv[2:7])
