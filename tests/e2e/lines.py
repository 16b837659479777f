#!/usr/bin/env python3
"""lines.py: the corpus text lines (tests/data/ocr/*-lines.jsonl) as saved
model output, and the checks of what varco-ocr --from-raw made of them.

  lines.py gen JSONL... OUTDIR ENC
      one raw file per line, OUTDIR/NAME.p0001.raw.json, the line's ground
      truth in the model grammar, coordinates normalized to the line image;
      ENC: word (one span per word), char (one span per character, spaces
      as spans of their own), nospace (one span per character, no spaces).
  lines.py check JSONL... OUTDIR ENC
      reads OUTDIR/NAME.txt, NAME.hocr, NAME.json, NAME.p0001.alto.xml and
      prints one "key value" line per figure (see main).
"""
import json
import os
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET


def norm(s):
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def load(paths):
    lines = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for row in f:
                if row.strip():
                    lines.append(json.loads(row))
    return lines


def name_of(line):
    return os.path.splitext(line["image"])[0]


def span(text, box, w, h):
    x0, y0, x1, y1 = box
    return "<char>%s</char><bbox>%.4f, %.4f, %.4f, %.4f</bbox>" % (
        text, x0 / w, y0 / h, x1 / w, y1 / h)


def union(boxes):
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def encode(line, enc):
    w, h = line["width"], line["height"]
    out, word = [], []

    def flush():
        if word:
            out.append(span("".join(c["text"] for c in word),
                            union([(c["x0"], c["y0"], c["x1"], c["y1"]) for c in word]), w, h))
            word.clear()

    for c in line["chars"]:
        box = (c["x0"], c["y0"], c["x1"], c["y1"])
        is_space = c["text"].isspace()
        if enc == "word":
            if is_space:
                flush()
            else:
                word.append(c)
        elif enc == "char" or not is_space:
            out.append(span(c["text"], box, w, h))
    flush()
    return "".join(out)


def gen(lines, outdir, enc):
    os.makedirs(outdir, exist_ok=True)
    for line in lines:
        raw = {"format": "varco-ocr-raw", "version": 1, "source": line["image"],
               "page": 1, "width": line["width"], "height": line["height"], "dpi": 300,
               "text": encode(line, enc)}
        path = os.path.join(outdir, name_of(line) + ".p0001.raw.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(raw, f, ensure_ascii=False)


HOCR_NS = "{http://www.w3.org/1999/xhtml}"


def title_boxes(title):
    """bbox and x_bboxes (lists of 4-tuples) of an hOCR title."""
    out = {}
    for part in title.split(";"):
        part = part.strip().split()
        if part and part[0] in ("bbox", "x_bboxes"):
            v = [int(float(x)) for x in part[1:]]
            out[part[0]] = [tuple(v[i:i + 4]) for i in range(0, len(v) - 3, 4)]
    return out


def one_visual_line(line):
    """False when two characters of at least half the tallest one's height
    do not overlap vertically at all: the image holds two lines of text
    (a few corpus images do), which no layout may join."""
    big = [c for c in line["chars"] if not c["text"].isspace()]
    tall = max((c["y1"] - c["y0"] for c in big), default=0)
    big = [c for c in big if c["y1"] - c["y0"] >= 0.5 * tall]
    return all(min(p["y1"], c["y1"]) > max(p["y0"], c["y0"]) for p in big for c in big)


def check(lines, outdir, enc):
    """Prints "FIGURE GOT OF": how many lines passed a check of how many
    that the encoding decides. Text must come back exactly where the spans
    fix the words (word encoding; char encoding on lines with a space);
    lines without any space and the nospace encoding depend on gaps."""
    fig = {k: [0, 0] for k in ("files", "text_exact", "text_gaps", "text_gaps_kor",
                               "text_gaps_eng", "one_line", "hocr_word_boxes",
                               "json_word_boxes", "alto_glyphs")}
    misses = []

    def count(key, good, name=None):
        fig[key][1] += 1
        fig[key][0] += bool(good)
        if not good and name and len(misses) < 5:
            misses.append("%s: %s" % (key, name))

    for line in lines:
        name = name_of(line)
        base = os.path.join(outdir, name)
        want = norm(line["text"])
        visual = one_visual_line(line)
        try:
            with open(base + ".txt", encoding="utf-8") as f:
                got = norm(f.read())
            with open(base + ".json", encoding="utf-8") as f:
                doc = json.load(f)
            hocr = ET.parse(base + ".hocr").getroot()
            alto = ET.parse(base + ".p0001.alto.xml").getroot()
            count("files", True)
        except (OSError, ValueError, ET.ParseError):
            count("files", False, name)
            continue
        if visual:
            decided = enc == "word" or (enc == "char" and " " in want)
            key = "text_exact" if decided else "text_gaps"
            count(key, got == want, "%s: want %r got %r" % (name, want, got))
            if key == "text_gaps" and name[:4] in ("kor_", "eng_"):
                count("text_gaps_" + name[:3], got == want)
            lines_found = sum(1 for e in hocr.iter()
                              if "ocr_line" in e.get("class", "").split())
            count("one_line", lines_found == 1, "%s: %d lines" % (name, lines_found))
        # hOCR: a word's bbox is the union of its characters' x_bboxes
        good, words = True, 0
        for e in hocr.iter():
            if "ocrx_word" not in e.get("class", "").split():
                continue
            words += 1
            wb = title_boxes(e.get("title", "")).get("bbox")
            gb = [b for c in e.iter() if "ocrx_cinfo" in c.get("class", "").split()
                  for b in title_boxes(c.get("title", "")).get("x_bboxes", [])]
            if not wb or not gb or union(gb) != wb[0]:
                good = False
        count("hocr_word_boxes", good and words > 0, name)
        # JSON: the same, on the unrounded boxes
        good, words = True, 0
        for w in iter_words(doc):
            words += 1
            gl = w.get("glyphs") or []
            if not gl or list(union([g["bbox"] for g in gl])) != list(w["bbox"]):
                good = False
        count("json_word_boxes", good and words > 0, name)
        # ALTO: one Glyph per character (spaces are SP elements, not glyphs)
        glyphs = sum(1 for e in alto.iter() if e.tag.endswith("}Glyph"))
        count("alto_glyphs", glyphs == len(want.replace(" ", "")),
              "%s: %d glyphs" % (name, glyphs))
    for k, (good, of) in fig.items():
        print("%s %d %d" % (k, good, of))
    print("not_one_visual_line %d" % sum(1 for ln in lines if not one_visual_line(ln)))
    for m in misses:
        print("# " + m)


def iter_words(doc):
    """Every word object of our JSON output, whatever its nesting."""
    if isinstance(doc, dict):
        if "glyphs" in doc and "bbox" in doc:
            yield doc
            return
        for v in doc.values():
            yield from iter_words(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from iter_words(v)


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("gen", "check"):
        sys.exit(__doc__)
    lines = load(sys.argv[2:-2])
    outdir, enc = sys.argv[-2], sys.argv[-1]
    if enc not in ("word", "char", "nospace"):
        sys.exit("lines.py: unknown encoding " + enc)
    (gen if sys.argv[1] == "gen" else check)(lines, outdir, enc)


if __name__ == "__main__":
    main()
