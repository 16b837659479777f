/* model_dir.c: where the model folder is when none is named. */

#include "config.h"
#include "src/api/model_dir.h"
#include "src/util/alloc.h"
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int is_model_dir(const char *dir)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/config.json", dir) >= (int)sizeof path)
        return 0;
    return access(path, R_OK) == 0;
}

char *vo_find_model_dir(const char *option)
{
    if (option)
        return is_model_dir(option) ? vo_strdup(option) : NULL;
    const char *env = getenv("VARCO_OCR_MODEL");
    if (env && *env)
        return is_model_dir(env) ? vo_strdup(env) : NULL;
    char path[PATH_MAX];
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(path, sizeof path, "%s/varco-ocr/VARCO-VISION-2.0-1.7B-OCR", xdg);
    else if (home && *home)
        snprintf(path, sizeof path, "%s/.local/share/varco-ocr/VARCO-VISION-2.0-1.7B-OCR", home);
    else
        path[0] = 0;
    if (path[0] && is_model_dir(path))
        return vo_strdup(path);
    snprintf(path, sizeof path, "%s/VARCO-VISION-2.0-1.7B-OCR", VO_DATADIR);
    return is_model_dir(path) ? vo_strdup(path) : NULL;
}
