#!/usr/bin/env python3
"""pdfwords.py: how well the words that pdftotext finds in our PDF's text
layer match a vo-synth page's ground-truth words.

  pdfwords.py GT.json BBOX.html
      GT.json: vo-synth ground truth (word boxes in pixels at its dpi);
      BBOX.html: pdftotext -bbox output of our PDF (boxes in points).
      The two word sequences are aligned by text (difflib); prints
      "words GT_WORDS matched MATCHED good GOOD" where GOOD counts matched
      words whose boxes overlap with IoU >= 0.8.
"""
import difflib
import html
import json
import re
import sys
import unicodedata


def nfc(s):
    return unicodedata.normalize("NFC", s)


def gt_words(path):
    with open(path, encoding="utf-8") as f:
        gt = json.load(f)
    k = 72.0 / gt["dpi"]
    out = []
    for b in gt["blocks"]:
        for ln in b["lines"]:
            for w in ln["words"]:
                x0, y0, x1, y1 = w["box"]
                out.append((nfc(w["text"]), (x0 * k, y0 * k, x1 * k, y1 * k)))
    return out


WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" '
                  r'yMax="([-\d.]+)">(.*?)</word>')


def pdf_words(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [(nfc(html.unescape(m.group(5))), tuple(float(m.group(i)) for i in range(1, 5)))
            for m in WORD.finditer(text)]


def iou(a, b):
    ix = min(a[2], b[2]) - max(a[0], b[0])
    iy = min(a[3], b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0.0
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area if area > 0 else 0.0


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    ours, theirs = gt_words(sys.argv[1]), pdf_words(sys.argv[2])
    sm = difflib.SequenceMatcher(None, [w[0] for w in ours], [w[0] for w in theirs],
                                 autojunk=False)
    matched = good = 0
    worst = []
    for a, b, n in sm.get_matching_blocks():
        for i in range(n):
            matched += 1
            v = iou(ours[a + i][1], theirs[b + i][1])
            if v >= 0.8:
                good += 1
            elif len(worst) < 3:
                worst.append("%s IoU %.2f ours %s pdftotext %s" % (
                    ours[a + i][0], v, ["%.1f" % x for x in ours[a + i][1]],
                    ["%.1f" % x for x in theirs[b + i][1]]))
    print("words %d matched %d good %d" % (len(ours), matched, good))
    for w in worst:
        print("# " + w)


if __name__ == "__main__":
    main()
