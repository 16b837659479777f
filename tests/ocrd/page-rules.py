"""page-rules.py WORKSPACE IN OUT [PAGE_ID,...]: the output group of an OCR-D processor
run checked against OCR-D's rules, written from the OCR-D specification
(https://ocr-d.de/en/spec/page and /mets), independently of our writer:

METS: the group OUT exists; every page (of those named) that has a file in IN has exactly
one in OUT, of MIMETYPE application/vnd.prima.page+xml, whose FLocat names
an existing file, and the page's div points to it; IN is unchanged in size.

PAGE (each file of OUT): PAGE 2019 namespace; Page/@imageFilename is the
href of the page's IN file (of its image when that is a PAGE file); imageWidth/Height given; text consistency:
  a Word's glyphs' texts concatenated are the Word's text,
  a TextLine's words' texts joined by one space are the line's text,
  a TextRegion's lines' texts joined by a newline are the region's text;
every conf in [0, 1]; every Coords polygon inside the page, and every
Glyph inside its Word, Word inside its TextLine, TextLine inside its
TextRegion (as bounding boxes, with a pixel of slack); ids unique.

Prints a summary line; exits 1 with every violation listed."""
import os
import sys
import xml.etree.ElementTree as ET

METS = "{http://www.loc.gov/METS/}"
XLINK = "{http://www.w3.org/1999/xlink}"
PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
P = "{%s}" % PAGE_NS

ws, in_grp, out_grp = sys.argv[1:4]
only = set(sys.argv[4].split(",")) if len(sys.argv) > 4 else None
errors = []
mets = ET.parse(os.path.join(ws, "mets.xml")).getroot()


def group(use):
    for g in mets.iter(METS + "fileGrp"):
        if g.get("USE") == use:
            return {f.get("ID"): f for f in g.findall(METS + "file")}
    return None


ins, outs = group(in_grp), group(out_grp)
if outs is None:
    sys.exit("no file group %s in the METS" % out_grp)
pages = [d for d in mets.iter(METS + "div") if d.get("TYPE") == "page"]
checked = words = glyphs = 0


def text_of(el):
    te = el.find(P + "TextEquiv")
    u = te.find(P + "Unicode") if te is not None else None
    return None if u is None else (u.text or "")


def bbox(el):
    pts = [tuple(map(int, p.split(","))) for p in el.find(P + "Coords").get("points").split()]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    return min(xs), min(ys), max(xs), max(ys)


def inside(a, b):
    return a[0] >= b[0] - 1 and a[1] >= b[1] - 1 and a[2] <= b[2] + 1 and a[3] <= b[3] + 1


def check_page(path, image_href, where):
    global words, glyphs
    root = ET.parse(path).getroot()
    if root.tag != P + "PcGts":
        errors.append("%s: root is %s, not PAGE 2019's PcGts" % (where, root.tag))
        return
    page = root.find(P + "Page")
    if page.get("imageFilename") != image_href:
        errors.append("%s: imageFilename %r is not the METS image %r"
                      % (where, page.get("imageFilename"), image_href))
    w, h = int(page.get("imageWidth", "0")), int(page.get("imageHeight", "0"))
    if w <= 0 or h <= 0:
        errors.append("%s: no imageWidth/imageHeight" % where)
    ids = [el.get("id") for el in root.iter() if el.get("id") is not None]
    if len(ids) != len(set(ids)):
        errors.append("%s: ids are not unique" % where)
    for te in root.iter(P + "TextEquiv"):
        c = te.get("conf")
        if c is not None and not 0 <= float(c) <= 1:
            errors.append("%s: conf %s outside [0, 1]" % (where, c))
    for el in root.iter():
        if el.find(P + "Coords") is not None and not inside(bbox(el), (0, 0, w, h)):
            errors.append("%s: %s %s outside the page" % (where, el.tag[len(P):], el.get("id")))
    for region in root.iter(P + "TextRegion"):
        lines = region.findall(P + "TextLine")
        rt = text_of(region)
        if rt is not None and lines and rt != "\n".join(text_of(l) or "" for l in lines):
            errors.append("%s: region %s: its text is not its lines' joined by newlines"
                          % (where, region.get("id")))
        for line in lines:
            if not inside(bbox(line), bbox(region)):
                errors.append("%s: line %s outside its region" % (where, line.get("id")))
            ws_ = line.findall(P + "Word")
            lt = text_of(line)
            if lt is not None and ws_ and lt != " ".join(text_of(x) or "" for x in ws_):
                errors.append("%s: line %s: %r is not its words %r joined by spaces"
                              % (where, line.get("id"), lt, [text_of(x) for x in ws_]))
            for word in ws_:
                words += 1
                if not inside(bbox(word), bbox(line)):
                    errors.append("%s: word %s outside its line" % (where, word.get("id")))
                gs = word.findall(P + "Glyph")
                glyphs += len(gs)
                if gs and text_of(word) != "".join(text_of(g) or "" for g in gs):
                    errors.append("%s: word %s: %r is not its glyphs %r"
                                  % (where, word.get("id"), text_of(word),
                                     [text_of(g) for g in gs]))
                for g in gs:
                    if not inside(bbox(g), bbox(word)):
                        errors.append("%s: glyph %s outside its word" % (where, g.get("id")))


for div in pages:
    ptrs = [p.get("FILEID") for p in div.findall(METS + "fptr")]
    in_files = [ins[i] for i in ptrs if i in ins]
    out_files = [outs[i] for i in ptrs if i in outs]
    if not in_files or (only is not None and div.get("ID") not in only):
        continue
    where = "page " + div.get("ID")
    if len(out_files) != 1:
        errors.append("%s: %d files in %s, not one" % (where, len(out_files), out_grp))
        continue
    f = out_files[0]
    if f.get("MIMETYPE") != "application/vnd.prima.page+xml":
        errors.append("%s: MIMETYPE %s" % (where, f.get("MIMETYPE")))
    href = f.find(METS + "FLocat").get(XLINK + "href")
    path = os.path.join(ws, href)
    if not os.path.isfile(path):
        errors.append("%s: %s does not exist" % (where, href))
        continue
    image = in_files[0].find(METS + "FLocat").get(XLINK + "href")
    if in_files[0].get("MIMETYPE") == "application/vnd.prima.page+xml":  # its image
        image = ET.parse(os.path.join(ws, image)).getroot().find(P + "Page").get("imageFilename")
    check_page(path, image, where + " " + href)
    checked += 1

if errors:
    print("\n".join(errors[:40]))
    sys.exit(1)
print("%d pages, %d words, %d glyphs: consistent" % (checked, words, glyphs))
