/* fuzz-ground.c: libFuzzer entry for grounded model output through the parser, layout and every text writer.
 * The body is fuzz_ground in targets.c, shared with the regression test. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_ground(data, size)) {
        fprintf(stderr, "broken promise: %s\n", fuzz_last_problem());
        abort();
    }
    return 0;
}
