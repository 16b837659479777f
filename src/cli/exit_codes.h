/* exit_codes.h: the exit status table every program of the project uses
 * (CLI-CONVENTIONS.md §4: OCRmyPDF's numbers where the meaning is the same,
 * two of our own), and the code of each status class. */
#ifndef VO_EXIT_CODES_H
#define VO_EXIT_CODES_H

#include "src/util/status.h"

enum {
    VO_EXIT_OK = 0,
    VO_EXIT_BAD_ARGS = 1,
    VO_EXIT_INPUT = 2,
    VO_EXIT_MISSING = 3,
    VO_EXIT_INVALID_OUTPUT = 4,
    VO_EXIT_FILE_ACCESS = 5,
    VO_EXIT_ENGINE = 7,
    VO_EXIT_ENCRYPTED = 8,
    VO_EXIT_CONFIG = 9,
    VO_EXIT_PARTIAL = 11,
    VO_EXIT_OTHER = 15,
    /* 130, after a signal: VO_EXIT_INTERRUPTED (src/cli/signals.h) */
};

/* The code of a failure of class st (VO_OK: 0). */
int vo_exit_code_of(vo_status st);

#endif
