#!/usr/bin/env python3
"""png_tool.py: PNG files for tests/pdf/png-pass.sh, and what they hold.

  make KIND OUT.png   KIND: gray8 (a gradient with text-like strokes),
                      rgb8, pal4 (16 colours), bilevel8 (8-bit gray, black
                      and white only), rgba8 (an alpha channel that shows),
                      rgba8opaque (an alpha channel of 255 everywhere)
  idat FILE.png       the concatenated IDAT bytes, as hex
  pixels FILE.png     the decoded samples as RGB triples, hashed (sha256);
                      gray and palette expanded, 1-bit too
No PIL: Debian's python3 has none; zlib and the PNG filters are enough."""
import hashlib
import struct
import sys
import zlib


def chunk(t, body):
    return struct.pack(">I", len(body)) + t + body + struct.pack(">I", zlib.crc32(t + body) & 0xffffffff)


def write(path, w, h, depth, color, rows, palette=None, interlace=0):
    raw = b"".join(b"\x01" + bytes(sub_filter(r, depth, color)) for r in rows)  # Sub filter
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace))
    if palette:
        data += chunk(b"PLTE", bytes(palette))
    comp = zlib.compress(raw, 9)
    half = len(comp) // 2  # two IDAT chunks, as writers split them
    data += chunk(b"IDAT", comp[:half]) + chunk(b"IDAT", comp[half:]) + chunk(b"IEND", b"")
    open(path, "wb").write(data)


def bpp(depth, color):
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    return max(1, ch * depth // 8)


def sub_filter(row, depth, color):
    b = bpp(depth, color)
    return [(row[i] - (row[i - b] if i >= b else 0)) & 255 for i in range(len(row))]


def make(kind, out):
    w, h = 240, 160
    if kind in ("gray8", "bilevel8"):
        rows = []
        for y in range(h):
            r = []
            for x in range(w):
                v = (x + 2 * y) % 256
                if 40 <= y < 60 and (x // 7) % 2:
                    v = 20
                if kind == "bilevel8":
                    v = 0 if v < 128 else 255
                r.append(v)
            rows.append(r)
        write(out, w, h, 8, 0, rows)
    elif kind in ("rgb8", "rgba8", "rgba8opaque"):
        n = 4 if kind.startswith("rgba8") else 3
        opaque = kind == "rgba8opaque"
        rows = []
        for y in range(h):
            r = []
            for x in range(w):
                px = [x % 256, y % 256, (x * y) % 256, 255 if opaque or (x + y) % 5 else 128][:n]
                r.extend(px)
            rows.append(r)
        write(out, w, h, 8, 6 if n == 4 else 2, rows)
    elif kind == "pal4":
        pal = []
        for i in range(16):
            pal += [i * 16, 255 - i * 16, (i * 40) % 256]
        rows = []
        for y in range(h):
            idx = [((x // 10) + (y // 10)) % 16 for x in range(w)]
            rows.append([idx[i] << 4 | idx[i + 1] for i in range(0, w, 2)])
        write(out, w, h, 4, 3, rows, palette=pal)
    else:
        sys.exit("unknown kind " + kind)


def read(path):
    d = open(path, "rb").read()
    at, idat, pal = 8, b"", None
    while at < len(d):
        n = struct.unpack(">I", d[at:at + 4])[0]
        t, body = d[at + 4:at + 8], d[at + 8:at + 8 + n]
        if t == b"IHDR":
            w, h, depth, color, _, _, il = struct.unpack(">IIBBBBB", body)
        elif t == b"PLTE":
            pal = body
        elif t == b"IDAT":
            idat += body
        at += n + 12
    return w, h, depth, color, il, pal, idat


def pixels(path):
    w, h, depth, color, il, pal, idat = read(path)
    if il:
        sys.exit("interlaced: not decoded here")
    ch = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[color]
    stride = (w * ch * depth + 7) // 8
    b = bpp(depth, color)
    raw = zlib.decompress(idat)
    prev = bytearray(stride)
    out = hashlib.sha256()
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - b] if i >= b else 0
            up = prev[i]
            c = prev[i - b] if i >= b else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + up) & 255
            elif f == 3:
                line[i] = (line[i] + (a + up) // 2) & 255
            elif f == 4:
                p = a + up - c
                pa, pb, pc = abs(p - a), abs(p - up), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else up if pb <= pc else c)) & 255
        prev = line
        row = []
        for x in range(w):
            if depth == 8:
                s = line[x * ch:(x + 1) * ch]
            else:
                bit = x * depth
                s = [(line[bit // 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1)]
            if color == 3:
                row += pal[3 * s[0]:3 * s[0] + 3]
            elif color == 0:
                v = s[0] * 255 // ((1 << depth) - 1)
                row += [v, v, v]
            else:
                row += list(s[:3])
        out.update(bytes(row))
    print(out.hexdigest())


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "idat":
        print(read(sys.argv[2])[6].hex())
    elif sys.argv[1] == "pixels":
        pixels(sys.argv[2])
