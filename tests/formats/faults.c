/* faults.c: every writer run with the Nth allocation, then the Nth output
 * write failing, for N = 1, 2, … until a run sees no fault: each fault
 * must give VO_ERR_NOMEM / VO_ERR_IO, never a crash or a leak. */
#include "formats/writer.h"
#include "src/util/alloc.h"
#include "tests/formats/sample-pages.h"
#include "tests/tap.h"

static const vo_format formats[] = {VO_FORMAT_TXT, VO_FORMAT_HOCR, VO_FORMAT_ALTO,
                                    VO_FORMAT_PAGE, VO_FORMAT_TSV, VO_FORMAT_JSON};

/* One writer run over the sample pages (PAGE: the first page only). */
static vo_status write_once(vo_ctx *ctx, vo_format fmt, vo_page **pages, vo_output *out)
{
    vo_doc_info info = sample_info();
    int n = fmt == VO_FORMAT_PAGE ? 1 : SAMPLE_N_PAGES;
    return vo_write_document(ctx, fmt, out, NULL, &info, pages, n);
}

static void alloc_faults(vo_ctx *ctx, vo_format fmt, vo_page **pages, int part)
{
    int bad = 0, runs = 0;
    for (long k = 1; k < 100000; k++, runs++) {
        vo_output *out = NULL;
        if (vo_output_open_buffer(ctx, &out))
            break;
        vo_alloc_fail_after(k);
        vo_status st = write_once(ctx, fmt, pages, out);
        int fired = vo_alloc_fault_fired();
        vo_alloc_fail_after(0);
        vo_output_drop(out);
        if (fired ? st != VO_ERR_NOMEM : st != VO_OK) {
            diag("%s: fault %ld gave %s (%s)", vo_format_name(fmt), k, vo_status_name(st),
                 vo_last_error(ctx));
            bad++;
        }
        if (!fired)
            break;
    }
    ok(bad == 0 && runs > 1, "faults %d.1: %s: each of %d allocation faults gives NOMEM", part,
       vo_format_name(fmt), runs);
}

static void output_faults(vo_ctx *ctx, vo_format fmt, vo_page **pages, int part)
{
    int bad = 0, runs = 0, ended_ok = 0;
    for (long k = 1; k < 100000; k++, runs++) {
        vo_output *out = NULL;
        if (vo_output_open_buffer(ctx, &out))
            break;
        vo_output_fail_after(k);
        vo_status st = write_once(ctx, fmt, pages, out);
        vo_output_fail_after(0);
        vo_output_drop(out);
        if (st == VO_OK) { /* no write left to fail: the loop is done */
            ended_ok = 1;
            break;
        }
        if (st != VO_ERR_IO) {
            diag("%s: write fault %ld gave %s (%s)", vo_format_name(fmt), k,
                 vo_status_name(st), vo_last_error(ctx));
            bad++;
        }
    }
    ok(bad == 0 && ended_ok && runs >= 1, "faults %d.2: %s: each of %d write faults gives IO",
       part, vo_format_name(fmt), runs);
}

int main(void)
{
    vo_ctx *ctx = vo_new_ctx();
    vo_set_verbosity(ctx, 0);
    vo_page *pages[SAMPLE_N_PAGES];
    if (sample_pages(pages))
        skip_all("out of memory building the sample pages");
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        alloc_faults(ctx, formats[i], pages, (int)i + 1);
        output_faults(ctx, formats[i], pages, (int)i + 1);
    }
    sample_pages_drop(pages);
    vo_drop_ctx(ctx);
    return done_testing();
}
