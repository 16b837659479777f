/* ocr-lines.h: realistic OCR model output for tests and benches. Text
 * lines with exact character boxes (lines.jsonl of the corpus's tesseract
 * kor and eng test lines: {width, height, chars: [{text, x0, y0, x1, y1}]})
 * stacked into a page and written as the model writes a page: one
 * `<char>c</char><bbox>x1, y1, x2, y2</bbox>` item per character (spaces
 * left out), coordinates normalized to the page, 3 decimals. */
#ifndef VO_TEST_OCR_LINES_H
#define VO_TEST_OCR_LINES_H

#include <jansson.h>
#include <string.h>

#include "src/util/buf.h"

#define LINES_PER_PAGE 20

/* Append the page of lines[0..n) to out; returns its characters. */
__attribute__((unused)) static int ocr_lines_page(json_t **lines, int n, vo_buf *out)
{
    double W = 0, H = 0;
    for (int i = 0; i < n; i++) {
        double w = json_number_value(json_object_get(lines[i], "width"));
        W = w > W ? w : W;
        H += json_number_value(json_object_get(lines[i], "height"));
    }
    int chars = 0;
    double yoff = 0;
    for (int i = 0; i < n; i++) {
        json_t *cs = json_object_get(lines[i], "chars"), *c;
        size_t k;
        json_array_foreach(cs, k, c) {
            const char *t = json_string_value(json_object_get(c, "text"));
            if (!t || !*t || !strcmp(t, " "))
                continue;
            double x0 = json_number_value(json_object_get(c, "x0")) / W;
            double y0 = (json_number_value(json_object_get(c, "y0")) + yoff) / H;
            double x1 = json_number_value(json_object_get(c, "x1")) / W;
            double y1 = (json_number_value(json_object_get(c, "y1")) + yoff) / H;
            vo_buf_printf(out, "<char>%s</char><bbox>%.3f, %.3f, %.3f, %.3f</bbox>", t, x0, y0,
                          x1, y1);
            chars++;
        }
        yoff += json_number_value(json_object_get(lines[i], "height"));
    }
    return chars;
}

/* The first page (LINES_PER_PAGE lines) of a lines.jsonl file, appended to
 * out; returns its characters (0 when the file cannot be read). */
__attribute__((unused)) static int ocr_lines_first_page(const char *path, vo_buf *out)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1 << 16];
    json_t *page[LINES_PER_PAGE];
    int n = 0;
    while (n < LINES_PER_PAGE && fgets(line, sizeof line, f))
        if ((page[n] = json_loads(line, 0, NULL)))
            n++;
    fclose(f);
    int chars = ocr_lines_page(page, n, out);
    for (int i = 0; i < n; i++)
        json_decref(page[i]);
    return chars;
}

#endif
