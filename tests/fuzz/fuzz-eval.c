/* fuzz-eval.c: libFuzzer entry for an OCR file of any format read back by varco-ocr eval.
 * The body is fuzz_eval in targets.c, shared with the regression test. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_eval(data, size)) {
        fprintf(stderr, "broken promise: %s\n", fuzz_last_problem());
        abort();
    }
    return 0;
}
