/* exit_codes.c: the code of each status class. */
#include "src/cli/exit_codes.h"

int vo_exit_code_of(vo_status st)
{
    switch (st) {
    case VO_OK: return VO_EXIT_OK;
    case VO_ERR_ARGUMENT: return VO_EXIT_BAD_ARGS;
    case VO_ERR_FORMAT:
    case VO_ERR_UNSUPPORTED:
    case VO_ERR_LIMIT:
    case VO_ERR_LIBRARY: return VO_EXIT_INPUT;
    case VO_ERR_IO: return VO_EXIT_FILE_ACCESS;
    case VO_ERR_MISSING: return VO_EXIT_MISSING;
    case VO_ERR_PASSWORD: return VO_EXIT_ENCRYPTED;
    case VO_ERR_DEVICE: return VO_EXIT_ENGINE;
    default: return VO_EXIT_OTHER;
    }
}
