/* fuzz-cli.c: libFuzzer entry for --pages ranges and the whole command line (argv split at NUL bytes).
 * The body is fuzz_cli in targets.c, shared with the regression test. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_cli(data, size)) {
        fprintf(stderr, "broken promise: %s\n", fuzz_last_problem());
        abort();
    }
    return 0;
}
