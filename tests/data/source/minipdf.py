"""minipdf.py: the PDF writing the test-data scripts share (make-*-pdf.py):
a stream object, and a file of numbered objects with its cross-reference
table. Imported from the scripts' own folder."""


def stream(extra, data):
    """A stream object: the dictionary entries extra (bytes), then data."""
    return b"<< %s /Length %d >>\nstream\n" % (extra, len(data)) + data + b"\nendstream"


def write(out, objs, root=1, header=b"%PDF-1.4\n"):
    """Objects 1..n (bytes each, in order) into the file out, with the
    catalog at object root."""
    data = bytearray(header)
    offsets = []
    for n, o in enumerate(objs, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % n + o + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    data += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    data += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1, root, xref)
    open(out, "wb").write(bytes(data))
