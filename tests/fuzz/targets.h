/* targets.h: the body of every fuzz target, shared by the libFuzzer mains
 * (tests/fuzz/fuzz-*.c, clang) and the regression driver (regress.c, gcc). */
#ifndef VO_FUZZ_TARGETS_H
#define VO_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* Each returns 0, or -1 when a property the code promises is broken (an
 * error without a message, outputs that are not well-formed, parses that
 * depend on how the text is cut); crashes, leaks and hangs are for the
 * sanitizers and the fuzzer to see. Not thread-safe (one temp folder). */
int fuzz_safetensors(const uint8_t *data, size_t size);
int fuzz_config(const uint8_t *data, size_t size);
int fuzz_tokenizer(const uint8_t *data, size_t size);
/* Load the tiny-varco tokenizer that fuzz_tokenizer encodes with (once); the
 * libFuzzer entry calls it before fuzzing, outside the per-input time limit. */
void fuzz_tokenizer_prepare(void);
int fuzz_ground(const uint8_t *data, size_t size);
int fuzz_pdf(const uint8_t *data, size_t size);
int fuzz_tiff(const uint8_t *data, size_t size);
int fuzz_cli(const uint8_t *data, size_t size);
int fuzz_eval(const uint8_t *data, size_t size);    /* varco-ocr eval's readers */

/* `page` through the txt, hOCR, ALTO, PAGE, TSV and JSON writers (writer
 * options picked by `variant`), checking each output as fuzz_ground does:
 * 0, or -1 with fuzz_last_problem() saying what broke. */
struct vo_ctx;
struct vo_page;
int fuzz_write_page(struct vo_ctx *ctx, struct vo_page *page, unsigned variant);

/* The targets by name ("safetensors" … "eval"), NULL-terminated. */
typedef struct fuzz_target {
    const char *name;
    int (*run)(const uint8_t *data, size_t size);
} fuzz_target;
extern const fuzz_target fuzz_targets[];

/* Why the last -1 was returned ("" when none). */
const char *fuzz_last_problem(void);

/* Remove the temp folder and drop what was loaded once (the real
 * tokenizer); called by atexit too. */
void fuzz_cleanup(void);

#endif
