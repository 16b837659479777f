#!/usr/bin/env python3
"""textcmp.py: compare our outputs with an independent extractor (poppler).

  textcmp.py sim A.txt B.txt
      character similarity of two texts after whitespace normalization
      (1 - Levenshtein / max length), printed as a float.
  textcmp.py content A.txt B.txt
      the same over the de-hyphenated words of each text sorted (order-free).
  textcmp.py recall OURS.txt THEIRS.txt
      fraction of our words found in theirs (multiset).
  textcmp.py boxes OURS.json POPPLER.html
      our words (JSON output at --dpi 72, so pixels are points) matched,
      page by page, with pdftotext -bbox-layout words of the same text;
      prints "total matched good": good = words whose best IoU >= 0.9.
"""
import difflib
import json
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET


def norm(s):
    s = unicodedata.normalize("NFC", s)
    return re.sub(r"\s+", " ", s).strip()


def levenshtein(a, b):
    """Bit-parallel edit distance (Myers/Hyyrö) on Python big integers."""
    if len(a) < len(b):
        a, b = b, a
    m = len(b)
    if m == 0:
        return len(a)
    peq = {}
    for i, c in enumerate(b):
        peq[c] = peq.get(c, 0) | (1 << i)
    mask = (1 << m) - 1
    high = 1 << (m - 1)
    pv, mv, score = mask, 0, m
    for c in a:
        eq = peq.get(c, 0)
        xv = eq | mv
        xh = (((eq & pv) + pv) ^ pv) | eq
        ph = mv | (~(xh | pv) & mask)
        mh = pv & xh
        if ph & high:
            score += 1
        elif mh & high:
            score -= 1
        ph = ((ph << 1) | 1) & mask
        mh = (mh << 1) & mask
        pv = mh | (~(xv | ph) & mask)
        mv = ph & xv
    return score


def similarity(a, b):
    a, b = norm(a), norm(b)
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def dehyphenate(s):
    """Join words split at a line end ("adip-\niscing"), as pdftotext does."""
    return re.sub(r"([^\W\d_])-[ \t]*\n[ \t]*([^\W\d_])", r"\1\2",
                  unicodedata.normalize("NFC", s))


def words(s):
    return dehyphenate(s).split()


def content_similarity(a, b):
    """Character similarity of the same words in any order: both texts
    de-hyphenated, split into words, sorted and joined. Reading order is
    left out on purpose: the extractors order multi-column pages
    differently and neither is a reference for order."""
    return similarity(" ".join(sorted(words(a))), " ".join(sorted(words(b))))


def word_recall(ours, theirs):
    """Fraction of our words (as a multiset) found in theirs."""
    pool = {}
    for w in words(theirs):
        pool[w] = pool.get(w, 0) + 1
    mine = words(ours)
    found = 0
    for w in mine:
        if pool.get(w, 0) > 0:
            pool[w] -= 1
            found += 1
    return found / len(mine) if mine else 1.0


def iou(p, q):
    ix = min(p[2], q[2]) - max(p[0], q[0])
    iy = min(p[3], q[3]) - max(p[1], q[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    ua = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter
    return inter / ua if ua > 0 else 0.0


def our_pages(path):
    """{page number: [(word, bbox)]} from our JSON output."""
    doc = json.load(open(path, encoding="utf-8"))
    pages = {}
    for pg in doc["pages"]:
        out = pages.setdefault(pg["page"], [])
        for b in pg["blocks"]:
            for p in b["paragraphs"]:
                for l in p["lines"]:
                    for w in l["words"]:
                        out.append((norm(w["text"]), w["bbox"]))
    return pages


def poppler_pages(path):
    """[[(word, bbox)] per page] from pdftotext -bbox-layout."""
    text = open(path, encoding="utf-8").read()
    # pdftotext writes XHTML; drop the doctype so ElementTree needs no DTD
    text = re.sub(r"<!DOCTYPE[^>]*>", "", text)
    root = ET.fromstring(text)
    pages = []
    for el in root.iter():
        if el.tag.endswith("}page") or el.tag == "page":
            words = []
            for w in el.iter():
                if w.tag.endswith("word"):
                    box = [float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
                    words.append((norm(w.text or ""), box))
            pages.append(words)
    return pages


def match_boxes(ours, theirs):
    """Each of our words against poppler's words of the same text on the
    page, the best IoU counting: the extractors order multi-column pages
    differently, so matching in sequence would pair the wrong words."""
    by_text = {}
    for w, box in theirs:
        by_text.setdefault(w, []).append(box)
    matched = good = 0
    for w, box in ours:
        cands = by_text.get(w)
        if not cands:
            continue
        matched += 1
        if max(iou(box, c) for c in cands) >= 0.9:
            good += 1
    return matched, good


def main():
    if sys.argv[1] in ("sim", "content", "recall"):
        a = open(sys.argv[2], encoding="utf-8", errors="replace").read()
        b = open(sys.argv[3], encoding="utf-8", errors="replace").read()
        f = {"sim": similarity, "content": content_similarity, "recall": word_recall}[sys.argv[1]]
        print("%.4f" % f(a, b))
    elif sys.argv[1] == "boxes":
        ours = our_pages(sys.argv[2])
        theirs = poppler_pages(sys.argv[3])
        total = matched = good = 0
        for n, words in ours.items():
            if n - 1 < len(theirs):
                m, g = match_boxes(words, theirs[n - 1])
                matched += m
                good += g
            total += len(words)
        print(total, matched, good)
    else:
        sys.exit("usage: textcmp.py sim|boxes ...")


if __name__ == "__main__":
    main()
