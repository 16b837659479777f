/* png.h: decode a PNG into packed 8-bit RGB for tests (through MuPDF). */
#ifndef VO_TEST_PNG_H
#define VO_TEST_PNG_H

#include <mupdf/fitz.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* malloc'd packed RGB, or NULL; *w, *h set. */
__attribute__((unused)) static uint8_t *test_load_png(const char *path, int *w, int *h)
{
    fz_context *fz = fz_new_context(NULL, NULL, FZ_STORE_UNLIMITED);
    if (!fz)
        return NULL;
    uint8_t *out = NULL;
    fz_image *img = NULL;
    fz_pixmap *pix = NULL;
    fz_var(img);
    fz_var(pix);
    fz_var(out);
    fz_try(fz) {
        img = fz_new_image_from_file(fz, path);
        pix = fz_get_pixmap_from_image(fz, img, NULL, NULL, NULL, NULL);
        int n = fz_pixmap_components(fz, pix), pw = fz_pixmap_width(fz, pix);
        int ph = fz_pixmap_height(fz, pix);
        unsigned char *s = fz_pixmap_samples(fz, pix);
        ptrdiff_t stride = fz_pixmap_stride(fz, pix);
        if (n >= 3 && (out = malloc((size_t)pw * ph * 3))) {
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                    memcpy(out + ((size_t)y * pw + x) * 3, s + y * stride + (size_t)x * n, 3);
            *w = pw;
            *h = ph;
        }
    }
    fz_always(fz) {
        fz_drop_pixmap(fz, pix);
        fz_drop_image(fz, img);
    }
    fz_catch(fz) {
        free(out);
        out = NULL;
    }
    fz_drop_context(fz);
    return out;
}

#endif
