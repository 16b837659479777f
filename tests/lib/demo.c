/* demo.c: a page through libvarco-ocr as JSON: [VO_DEMO_MAX_TOKENS=N] demo MODEL|- FILE PAGE */
#include <stdio.h>
#include <stdlib.h>
#include <varco-ocr.h>

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: demo MODEL_DIR|- FILE PAGE\n"), 2;
    const char *max = getenv("VO_DEMO_MAX_TOKENS");
    vo_model_opts opts = {.threads = 1, .max_tokens = max ? atoi(max) : 0};
    vo_ctx *ctx = vo_new_ctx();
    vo_model *model = NULL;
    vo_page *page = NULL;
    char *json = NULL;
    vo_status st = argv[1][0] == '-' ? VO_OK : vo_model_open(ctx, argv[1], &opts, &model);
    if (!st && !(st = vo_recognize_file(ctx, model, argv[2], NULL, atoi(argv[3]), 0,
                                        VO_TEXT_LAYER_AUTO, &page)))
        st = vo_page_to_json(ctx, page, &json, NULL);
    if (st)
        fprintf(stderr, "demo: %s (%s)\n", vo_last_error(ctx), vo_status_name(st));
    else
        printf("%s", json);
    vo_free_string(json);
    vo_drop_page(page);
    vo_model_close(model);
    vo_drop_ctx(ctx);
    return st ? 1 : 0;
}
