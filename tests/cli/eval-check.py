"""eval-check.py: the independent side of tests/cli/eval.sh.

make LINES_JSONL... OUT: from the corpus's text lines (exact per-character
  boxes) writes, per line NNNN: NNNN.gt.txt (the text), NNNN.raw.json (the
  model's grammar of it, as --from-raw reads it) and NNNN.bad.raw.json (the
  same output deliberately corrupted: characters substituted, dropped and
  added, a few boxes moved), with a fixed seed.
text GT_DIR PRED_DIR JSON: the CER, jamo CER, WER and bag-of-words error of
  every NNNN.gt.txt against PRED_DIR/NNNN.txt, computed here with Debian's
  python3-levenshtein, against varco-ocr eval's JSON; exit 1 on a
  difference over 1e-9.
boxes GT_ALTO PRED_ALTO JSON: word boxes of two ALTO files matched one to
  one at IoU >= 0.5 (best first), computed here, against the JSON.
"""
import collections
import json
import os
import random
import sys
import unicodedata
import xml.etree.ElementTree as ET

import Levenshtein


def norm_text(s):
    """eval's page text: non-empty lines, words joined by one space"""
    lines = [" ".join(l.split()) for l in s.replace("\f", "\n").split("\n")]
    return "\n".join(l for l in lines if l)


def grammar(chars, w, h):
    out = []
    for c in chars:
        if c["text"].isspace():
            continue
        out.append("<char>%s</char><bbox>%.3f, %.3f, %.3f, %.3f</bbox>" % (
            c["text"], c["x0"] / w, c["y0"] / h, c["x1"] / w, c["y1"] / h))
    return "".join(out)


def make(args):
    *sources, out = args
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261204)
    n = 0
    for src in sources:
        for line in open(src, encoding="utf-8"):
            rec = json.loads(line)
            name = "%04d" % n
            n += 1
            w, h = rec["width"], rec["height"]
            with open(os.path.join(out, name + ".gt.txt"), "w", encoding="utf-8") as f:
                f.write(rec["text"] + "\n")
            bad = []
            for c in rec["chars"]:
                c = dict(c)
                r = rng.random()
                if not c["text"].isspace():
                    if r < 0.04:
                        continue                      # dropped
                    if r < 0.08:
                        c["text"] = rng.choice("가나다라마바사abcdefgh0123")
                    elif r < 0.10:                     # a box moved by its width
                        dx = c["x1"] - c["x0"]
                        c["x0"] += dx
                        c["x1"] += dx
                bad.append(c)
                if r > 0.985 and not c["text"].isspace():   # one added after it
                    e = dict(c)
                    e["text"] = rng.choice("의은는xyz")
                    bad.append(e)
            for suffix, chars in ((".raw.json", rec["chars"]), (".bad.raw.json", bad)):
                raw = {"format": "varco-ocr-raw", "version": 1, "source": name + ".png",
                       "page": 1, "width": w, "height": h, "dpi": 300.0,
                       "text": grammar(chars, w, h)}
                with open(os.path.join(out, name + suffix), "w", encoding="utf-8") as f:
                    json.dump(raw, f, ensure_ascii=False)
    print(n)


def word_distance(a, b):
    """edit distance over words: each distinct word one character"""
    ids = {}
    enc = lambda ws: "".join(chr(0x10000 + ids.setdefault(x, len(ids))) for x in ws)
    return Levenshtein.distance(enc(a), enc(b))


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9


def text(args):
    gt_dir, pred_dir, js = args
    got = {p["file"]: p for p in json.load(open(js, encoding="utf-8"))["pages"]}
    bad = 0
    n = 0
    tot = collections.Counter()
    for name in sorted(os.listdir(gt_dir)):
        if not name.endswith(".gt.txt"):
            continue
        stem = name[:-len(".gt.txt")]
        g = unicodedata.normalize("NFC", norm_text(open(os.path.join(gt_dir, name), encoding="utf-8").read()))
        p = unicodedata.normalize("NFC", norm_text(open(os.path.join(pred_dir, stem + ".txt"), encoding="utf-8").read()))
        gd, pd = unicodedata.normalize("NFD", g), unicodedata.normalize("NFD", p)
        gw, pw = g.split(), p.split()
        cg, cp = collections.Counter(gw), collections.Counter(pw)
        missing, extra = sum((cg - cp).values()), sum((cp - cg).values())
        want = {"cer": Levenshtein.distance(g, p) / len(g),
                "jamo_cer": Levenshtein.distance(gd, pd) / len(gd),
                "wer": word_distance(gw, pw) / len(gw),
                "bow_error": max(missing, extra) / len(gw)}
        tot.update(chars=len(g), ce=Levenshtein.distance(g, p), words=len(gw),
                   we=word_distance(gw, pw))
        e = got.get(stem)
        n += 1
        if e is None:
            print("%s: not in eval's output" % stem)
            bad += 1
            continue
        for k, v in want.items():
            if not close(e[k], v):
                print("%s: %s: eval %r, here %r" % (stem, k, e[k], v))
                bad += 1
    total = json.load(open(js, encoding="utf-8"))["total"]
    if not close(total["cer"], tot["ce"] / tot["chars"]) or not close(total["wer"], tot["we"] / tot["words"]):
        print("total: eval cer %r wer %r, here %r %r" % (total["cer"], total["wer"],
              tot["ce"] / tot["chars"], tot["we"] / tot["words"]))
        bad += 1
    print("%d lines, %d differences; total CER %.4f WER %.4f" % (n, bad, tot["ce"] / tot["chars"], tot["we"] / tot["words"]))
    sys.exit(1 if bad or n == 0 else 0)


def alto_boxes(path):
    out = []
    for el in ET.parse(path).iter():
        if el.tag.rsplit("}", 1)[-1] == "String":
            x, y = float(el.get("HPOS")), float(el.get("VPOS"))
            out.append((x, y, x + float(el.get("WIDTH")), y + float(el.get("HEIGHT"))))
    return out


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def boxes(args):
    gt, pred, js = args
    g, p = alto_boxes(gt), alto_boxes(pred)
    pairs = sorted(((iou(a, b), i, j) for i, a in enumerate(g) for j, b in enumerate(p)
                    if iou(a, b) >= 0.5), key=lambda t: (-t[0], t[1], t[2]))
    ug, up, m, s = set(), set(), 0, 0.0
    for v, i, j in pairs:
        if i in ug or j in up:
            continue
        ug.add(i)
        up.add(j)
        m += 1
        s += v
    prec, rec = m / len(p), m / len(g)
    want = {"matched": m, "precision": prec, "recall": rec,
            "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0, "mean_iou": s / m if m else 0.0}
    got = json.load(open(js, encoding="utf-8"))["total"]["boxes"]
    bad = [k for k in want if got is None or abs(got[k] - want[k]) > 1e-6]
    print("boxes: %d of %d ground-truth words matched, F1 %.4f, mean IoU %.4f; eval: %s" % (
        m, len(g), want["f1"], want["mean_iou"], got))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    {"make": make, "text": text, "boxes": boxes}[sys.argv[1]](sys.argv[2:])
