#!/usr/bin/env python3
"""Writes a TIFF of N blank 8x8 bilevel pages that share one strip (little
endian, uncompressed), fast: for the linear-time open test. With --loop
the last page's next-IFD link points back at the first page (a looping
chain, which a reader must refuse). Usage: make-many-pages-tiff.py N OUT
[--loop]"""
import struct
import sys

def main(n, out, loop):
    strip = b'\xff' * 8          # 8 rows of 8 white pixels, 1 bit each
    entries = [  # tag, type, count, value
        (256, 3, 1, 8), (257, 3, 1, 8), (258, 3, 1, 1), (259, 3, 1, 1), (262, 3, 1, 0),
        (273, 4, 1, 8), (277, 3, 1, 1), (278, 3, 1, 8), (279, 4, 1, len(strip)),
    ]
    ifd_size = 2 + 12 * len(entries) + 4
    first = 8 + len(strip)
    buf = [struct.pack('<2sHI', b'II', 42, first), strip]
    for i in range(n):
        nxt = first + (i + 1) * ifd_size if i + 1 < n else (first if loop else 0)
        ifd = [struct.pack('<H', len(entries))]
        for tag, typ, count, value in entries:
            val = struct.pack('<HH', value, 0) if typ == 3 else struct.pack('<I', value)
            ifd.append(struct.pack('<HHI', tag, typ, count) + val)
        ifd.append(struct.pack('<I', nxt))
        buf.append(b''.join(ifd))
    with open(out, 'wb') as f:
        f.write(b''.join(buf))

if __name__ == '__main__':
    main(int(sys.argv[1]), sys.argv[2], '--loop' in sys.argv[3:])
