/* sniff.c: what a file is by its first bytes (see sniff.h). */
#include "src/source/sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const struct format_info {
    vo_doc_format format;
    const char *name;
    const char *suffixes[4]; /* the first is the usual one */
} formats[] = {
    {VO_DOC_PDF, "PDF", {".pdf"}},
    {VO_DOC_TIFF, "TIFF", {".tif", ".tiff"}},
    {VO_DOC_PNG, "PNG image", {".png"}},
    {VO_DOC_JPEG, "JPEG image", {".jpg", ".jpeg", ".jfif"}},
    {VO_DOC_JPX, "JPEG 2000 image", {".jp2", ".jpx", ".j2k"}},
    {VO_DOC_PNM, "PNM image", {".pnm", ".pbm", ".pgm", ".ppm"}},
    {VO_DOC_GIF, "GIF image", {".gif"}},
    {VO_DOC_BMP, "BMP image", {".bmp"}},
};
enum { N_FORMATS = sizeof formats / sizeof formats[0] };

static const struct format_info *
sniff_info(vo_doc_format f)
{
    for (int i = 0; i < N_FORMATS; i++)
        if (formats[i].format == f)
            return &formats[i];
    return NULL;
}

static int
sniff_is_pdf(const unsigned char *b, size_t n)
{
    /* "%PDF-" in the first kilobyte, as Acrobat accepts it */
    size_t end = n < VO_SNIFF_BYTES ? n : VO_SNIFF_BYTES;
    for (size_t i = 0; i + 5 <= end; i++)
        if (b[i] == '%' && memcmp(b + i, "%PDF-", 5) == 0)
            return 1;
    return 0;
}

static int
sniff_is_pnm(const unsigned char *b, size_t n)
{
    /* P1..P7 and then white space (a "P4" text file is not an image) */
    return n >= 3 && b[0] == 'P' && b[1] >= '1' && b[1] <= '7' &&
           (b[2] == ' ' || b[2] == '\t' || b[2] == '\n' || b[2] == '\r' || b[2] == '#');
}

vo_doc_format
vo_sniff_format(const unsigned char *b, size_t n)
{
    if (n >= 4 && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && b[3] == 0) ||
                   (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && (b[3] == 42 || b[3] == 43))))
        return VO_DOC_TIFF;
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return VO_DOC_PNG;
    if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return VO_DOC_JPEG;
    if ((n >= 12 && memcmp(b, "\0\0\0\x0cjP  \r\n\x87\n", 12) == 0) ||
        (n >= 4 && memcmp(b, "\xFF\x4F\xFF\x51", 4) == 0))
        return VO_DOC_JPX;
    if (n >= 6 && (memcmp(b, "GIF87a", 6) == 0 || memcmp(b, "GIF89a", 6) == 0))
        return VO_DOC_GIF;
    if (n >= 14 && b[0] == 'B' && b[1] == 'M' && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0)
        return VO_DOC_BMP;
    if (sniff_is_pnm(b, n))
        return VO_DOC_PNM;
    if (sniff_is_pdf(b, n))
        return VO_DOC_PDF;
    return VO_DOC_UNKNOWN;
}

vo_doc_format
vo_sniff_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return VO_DOC_UNKNOWN;
    unsigned char b[VO_SNIFF_BYTES];
    size_t n = 0;
    while (n < sizeof b) {
        ssize_t got = read(fd, b + n, sizeof b - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    return vo_sniff_format(b, n);
}

vo_doc_format
vo_format_of_name(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash + 1 : name, '.');
    if (!dot)
        return VO_DOC_UNKNOWN;
    for (int i = 0; i < N_FORMATS; i++)
        for (int k = 0; k < 4 && formats[i].suffixes[k]; k++)
            if (strcasecmp(dot, formats[i].suffixes[k]) == 0)
                return formats[i].format;
    return VO_DOC_UNKNOWN;
}

const char *
vo_doc_format_name(vo_doc_format f)
{
    const struct format_info *fi = sniff_info(f);
    return fi ? fi->name : "unknown file";
}

const char *
vo_doc_format_suffix(vo_doc_format f)
{
    const struct format_info *fi = sniff_info(f);
    return fi ? fi->suffixes[0] : NULL;
}
