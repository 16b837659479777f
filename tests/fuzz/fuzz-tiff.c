/* fuzz-tiff.c: libFuzzer entry for TIFF input through libtiff: open, count, render page 1 at 36 dpi.
 * The body is fuzz_tiff in targets.c, shared with the regression test. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_tiff(data, size)) {
        fprintf(stderr, "broken promise: %s\n", fuzz_last_problem());
        abort();
    }
    return 0;
}
