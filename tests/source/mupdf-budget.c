/* mupdf-budget.c: a MuPDF context past its memory budget fails cleanly
 * (a thrown error, no crash) and gives every byte back when dropped. */
#include "src/source/mupdf_alloc.h"
#include "tests/tap.h"

int main(void)
{
    mupdf_budget b;
    mupdf_budget_init(&b, (size_t)32 << 20); /* 32 MiB */
    fz_context *fz = fz_new_context(&b.alloc, NULL, FZ_STORE_DEFAULT);
    ok(fz != NULL, "budget 1.1: a context within the budget");
    if (!fz)
        return done_testing();
    size_t base = b.used;
    ok(base > 0 && base < ((size_t)32 << 20), "budget 1.2: the context's own memory is counted (%zu bytes)", base);

    fz_pixmap *small = NULL, *big = NULL;
    int small_ok = 0, big_failed = 0;
    fz_try(fz) {
        small = fz_new_pixmap(fz, fz_device_rgb(fz), 1000, 1000, NULL, 0); /* 3 MB */
        small_ok = 1;
    }
    fz_catch(fz) small_ok = 0;
    ok(small_ok, "budget 2.1: a 3 MB pixmap fits");
    fz_try(fz) {
        big = fz_new_pixmap(fz, fz_device_rgb(fz), 5000, 5000, NULL, 0); /* 75 MB */
    }
    fz_catch(fz) big_failed = 1;
    ok(big_failed && big == NULL && b.refused > 0,
       "budget 2.2: a 75 MB pixmap past the 32 MiB budget is refused (%d refusals)", b.refused);
    fz_drop_pixmap(fz, small);
    fz_try(fz) {
        small = fz_new_pixmap(fz, fz_device_rgb(fz), 1000, 1000, NULL, 0);
    }
    fz_catch(fz) small = NULL;
    ok(small != NULL, "budget 2.3: the context still works after a refusal");
    fz_drop_pixmap(fz, small);
    ok(b.used == base, "budget 2.4: freed pixmaps are given back (%zu vs %zu)", b.used, base);
    fz_drop_context(fz);
    ok(b.used == 0, "budget 3.1: nothing left counted after the context is dropped (%zu)", b.used);
    return done_testing();
}
