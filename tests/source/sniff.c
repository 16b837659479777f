/* sniff.c (test): formats by their first bytes; suffixes by name. */
#include "src/source/sniff.h"
#include "tests/tap.h"

#include <string.h>

static vo_doc_format sniff(const char *b, size_t n)
{
    return vo_sniff_format((const unsigned char *)b, n);
}

int main(void)
{
    static const struct {
        const char *bytes;
        size_t n;
        vo_doc_format want;
        const char *what;
    } cases[] = {
        {"%PDF-1.7\n", 9, VO_DOC_PDF, "a PDF header"},
        {"\xEF\xBB\xBFjunk\r\n%PDF-1.4\n", 18, VO_DOC_PDF, "a PDF header after junk"},
        {"%PDF", 4, VO_DOC_UNKNOWN, "a cut PDF header"},
        {"II*\0\x08\0\0\0", 8, VO_DOC_TIFF, "a little-endian TIFF"},
        {"MM\0*\0\0\0\x08", 8, VO_DOC_TIFF, "a big-endian TIFF"},
        {"II+\0\x08\0\0\0", 8, VO_DOC_TIFF, "a BigTIFF"},
        {"II*\x01", 4, VO_DOC_UNKNOWN, "a TIFF look-alike"},
        {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, VO_DOC_PNG, "a PNG signature"},
        {"\x89PNG\r\n", 6, VO_DOC_UNKNOWN, "a cut PNG signature"},
        {"\xFF\xD8\xFF\xE0\0\x10JFIF", 10, VO_DOC_JPEG, "a JPEG SOI"},
        {"\0\0\0\x0cjP  \r\n\x87\n", 12, VO_DOC_JPX, "a JP2 box"},
        {"\xFF\x4F\xFF\x51\0\x2f", 6, VO_DOC_JPX, "a J2K codestream"},
        {"GIF89a\x01\0\x01\0", 10, VO_DOC_GIF, "a GIF89a"},
        {"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0", 14, VO_DOC_BMP, "a BMP header"},
        {"BMW text", 8, VO_DOC_UNKNOWN, "text that starts with BM"},
        {"P4\n8 8\n", 7, VO_DOC_PNM, "a PBM header"},
        {"P6 # c\n", 7, VO_DOC_PNM, "a PPM header with a comment"},
        {"P4 text", 7, VO_DOC_PNM, "P4 and a space: PNM by its bytes"},
        {"P4x", 3, VO_DOC_UNKNOWN, "P4 without white space"},
        {"Hello, world", 12, VO_DOC_UNKNOWN, "plain text"},
        {"", 0, VO_DOC_UNKNOWN, "nothing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vo_doc_format got = sniff(cases[i].bytes, cases[i].n);
        ok(got == cases[i].want, "sniff 1.%zu: %s is %s (got %s)", i + 1, cases[i].what,
           vo_doc_format_name(cases[i].want), vo_doc_format_name(got));
    }
    /* a PDF header past the first kilobyte is not looked for */
    char late[2048];
    memset(late, ' ', sizeof late);
    memcpy(late + 1500, "%PDF-1.4", 8);
    ok(sniff(late, sizeof late) == VO_DOC_UNKNOWN, "sniff 2.1: a header at byte 1500 is not a PDF");
    memcpy(late + 1010, "%PDF-1.4", 8);
    ok(sniff(late, sizeof late) == VO_DOC_PDF, "sniff 2.2: a header at byte 1010 is");

    static const struct {
        const char *name;
        vo_doc_format want;
    } names[] = {
        {"a.pdf", VO_DOC_PDF},   {"dir.x/A.PDF", VO_DOC_PDF}, {"s.tiff", VO_DOC_TIFF},
        {"s.TIF", VO_DOC_TIFF},  {"p.jpeg", VO_DOC_JPEG},     {"p.pgm", VO_DOC_PNM},
        {"i.jp2", VO_DOC_JPX},   {"notes.txt", VO_DOC_UNKNOWN}, {"dir.pdf/x", VO_DOC_UNKNOWN},
        {"noext", VO_DOC_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ok(vo_format_of_name(names[i].name) == names[i].want, "sniff 3.%zu: the name %s says %s",
           i + 1, names[i].name, vo_doc_format_name(names[i].want));
    ok(strcmp(vo_doc_format_suffix(VO_DOC_TIFF), ".tif") == 0 &&
           vo_doc_format_suffix(VO_DOC_UNKNOWN) == NULL,
       "sniff 4.1: usual suffixes (.tif; none for unknown)");
    return done_testing();
}
