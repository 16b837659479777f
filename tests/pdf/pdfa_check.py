#!/usr/bin/env python3
"""pdfa_check.py FILE [NAME]: the PDF/A-2b (ISO 19005-2, level B) requirements
that varco-ocr's searchable PDF of page images must meet, checked one by one
on FILE through qpdf's JSON (no validator such as veraPDF is packaged for
Debian). Prints one TAP-like line per requirement, "ok - ..." or
"not ok - ...", each named by its clause; exit 1 when any fails.
With --plain, checks instead that FILE claims no PDF/A conformance."""
import base64
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "dc": "http://purl.org/dc/elements/1.1/",
}

failed = 0


def check(cond, what):
    global failed
    print(("ok" if cond else "not ok") + " - " + what)
    if not cond:
        failed += 1


def load(path):
    out = subprocess.run(["qpdf", "--json=2", "--json-stream-data=inline", path],
                         check=True, capture_output=True).stdout
    objs = json.loads(out)["qpdf"][1]
    return objs


def deref(objs, v):
    if isinstance(v, str) and re.fullmatch(r"\d+ \d+ R", v):
        return objs.get("obj:" + v, {})
    return {"value": v}


def val(objs, v):
    o = deref(objs, v)
    return o["value"] if "value" in o else o.get("stream", {}).get("dict")


def text(s):
    return s[2:] if isinstance(s, str) and s[:2] in ("u:", "b:") else s


def stream_data(objs, ref):
    s = deref(objs, ref).get("stream")
    return base64.b64decode(s["data"]) if s and "data" in s else None


def xmp_of(objs, catalog):
    meta = catalog.get("/Metadata")
    data = stream_data(objs, meta) if meta else None
    if not data:
        return None, None
    try:
        return ET.fromstring(data.split(b"?>", 1)[1].rsplit(b"<?xpacket", 1)[0]), meta
    except ET.ParseError:
        return None, meta


def xmp_value(root, path):
    el = root.find(".//" + path, NS)
    if el is None:
        return None
    li = el.find(".//rdf:li", NS)
    return (li.text if li is not None else el.text) or ""


def pdf_date_to_xmp(d):
    m = re.fullmatch(r"D:(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z", d or "")
    return "%s-%s-%sT%s:%s:%sZ" % m.groups() if m else None


def main():
    plain = "--plain" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--plain"]
    path = args[0]
    name = args[1] if len(args) > 1 else path
    raw = open(path, "rb").read()
    objs = load(path)
    trailer = objs["trailer"]["value"]
    catalog = val(objs, trailer["/Root"])
    root, meta = xmp_of(objs, catalog)
    if plain:
        claims = root is not None and root.find(".//pdfaid:part", NS) is not None
        check(not claims and "/OutputIntents" not in catalog,
              "%s: --no-pdfa: no pdfaid in the XMP, no OutputIntents" % name)
        return
    # 6.1.2 file header: %PDF-1.n, then a comment of 4 bytes above 127
    lines = raw.split(b"\n", 2)
    check(lines[0].startswith(b"%PDF-1.") and lines[1][:1] == b"%" and
          sum(b > 127 for b in lines[1][1:5]) == 4,
          "%s: 6.1.2 header %%PDF-1.n and a binary comment line" % name)
    # 6.1.3 trailer: an ID of two strings, no encryption
    ident = trailer.get("/ID")
    check(isinstance(ident, list) and len(ident) == 2, "%s: 6.1.3 the trailer has an ID" % name)
    check("/Encrypt" not in trailer, "%s: 6.1.3 not encrypted" % name)
    # 6.6.2 XMP metadata with the PDF/A identification
    md = val(objs, meta) if meta else {}
    check(root is not None and md.get("/Type") == "/Metadata" and md.get("/Subtype") == "/XML",
          "%s: 6.6.2.1 the catalog's Metadata is an XMP stream (Type Metadata, Subtype XML)" % name)
    part = xmp_value(root, "pdfaid:part") if root is not None else None
    conf = xmp_value(root, "pdfaid:conformance") if root is not None else None
    check(part == "2" and conf == "B",
          "%s: 6.6.4 pdfaid:part 2, pdfaid:conformance B (%s, %s)" % (name, part, conf))
    # 6.6.2.3 Info entries have their XMP equivalents, with the same values
    info = val(objs, trailer["/Info"]) if "/Info" in trailer else {}
    same = True
    pairs = [("/Producer", "pdf:Producer", None), ("/Title", "dc:title", None),
             ("/CreationDate", "xmp:CreateDate", pdf_date_to_xmp)]
    for key, path_, conv in pairs:
        if key in info:
            want = text(info[key])
            want = conv(want) if conv else want
            got = xmp_value(root, path_) if root is not None else None
            same &= got == want
    check(same and root is not None,
          "%s: 6.6.2.3 Info's Producer, Title and CreationDate equal their XMP entries" % name)
    # 6.2.3 an OutputIntent GTS_PDFA1 with an RGB ICC profile (N 3)
    intents = catalog.get("/OutputIntents", [])
    intents = val(objs, intents) if isinstance(intents, str) else intents
    good = False
    for it in intents:
        it = val(objs, it)
        prof = it.get("/DestOutputProfile")
        data = stream_data(objs, prof) if prof else None
        pdict = val(objs, prof) if prof else {}
        good |= (it.get("/S") == "/GTS_PDFA1" and data is not None and len(data) > 128 and
                 data[36:40] == b"acsp" and data[16:20] == b"RGB " and pdict.get("/N") == 3)
    check(good, "%s: 6.2.3 an OutputIntent GTS_PDFA1 whose profile is an RGB ICC (N 3)" % name)
    # the objects: fonts embedded, no forbidden keys or filters
    fonts_ok, n_fonts, cid_ok, forbidden, device_cmyk = True, 0, True, [], False
    for key, o in objs.items():
        if not key.startswith("obj:"):
            continue
        d = o.get("value") if "value" in o else o.get("stream", {}).get("dict", {})
        if not isinstance(d, dict):
            continue
        if d.get("/Type") == "/FontDescriptor":
            n_fonts += 1
            fonts_ok &= any(k in d for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if d.get("/Subtype") == "/CIDFontType2":
            cid_ok &= "/CIDToGIDMap" in d
        for k in ("/JS", "/JavaScript", "/AA", "/F", "/FFilter", "/FDecodeParms", "/OPI",
                  "/Alternates", "/TR"):
            if k in d and not (k == "/F" and d.get("/Type") in ("/Filespec", "/Annot")):
                forbidden.append(k)
        filt = d.get("/Filter")
        filts = filt if isinstance(filt, list) else [filt]
        if "/LZWDecode" in filts:
            forbidden.append("/LZWDecode")
        if d.get("/Interpolate") is True:
            forbidden.append("/Interpolate true")
        if d.get("/ColorSpace") == "/DeviceCMYK":
            device_cmyk = True
    check(fonts_ok, "%s: 6.2.11.4 every font is embedded (%d fonts)" % (name, n_fonts))
    check(cid_ok, "%s: 6.2.11.3.2 a CIDFontType2 has its CIDToGIDMap" % name)
    check(not forbidden, "%s: 6.1.7/6.2.8/6.6.1 no JavaScript, actions, external streams, LZW, "
          "OPI, alternates, interpolation or transfer functions (%s)" % (name, forbidden or "none"))
    check(not device_cmyk, "%s: 6.2.4.3 no DeviceCMYK without a CMYK intent" % name)
    # the text layer's glyphs: no character maps to glyph 0 (.notdef)
    ok_map = True
    for key, o in objs.items():
        d = o.get("value") if "value" in o else None
        if isinstance(d, dict) and d.get("/Subtype") == "/CIDFontType2":
            m = d.get("/CIDToGIDMap")
            data = stream_data(objs, m) if isinstance(m, str) and m != "/Identity" else None
            if data is not None:
                gids = [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
                used = [g for g in gids[1:] if g]
                ok_map &= len(used) > 0
    check(ok_map, "%s: 6.2.11.8 the text font's characters map to real glyphs, not .notdef" % name)


main()
sys.exit(1 if failed else 0)
