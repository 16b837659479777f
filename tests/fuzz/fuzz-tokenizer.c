/* fuzz-tokenizer.c: libFuzzer entry for tokenizer.json loading, and encode/decode with the tiny-varco tokenizer.
 * The body is fuzz_tokenizer in targets.c, shared with the regression test. */
#include <stdio.h>
#include <stdlib.h>
#include "tests/fuzz/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The 5 MB tokenizer loads before fuzzing: under ASan on a busy machine it
 * can take longer than one input may. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_tokenizer_prepare();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_tokenizer(data, size)) {
        fprintf(stderr, "broken promise: %s\n", fuzz_last_problem());
        abort();
    }
    return 0;
}
