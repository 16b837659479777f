/* fixture.h: helpers for the golden-fixture tests of src/vlm: locate a
 * fixture folder, read its manifest and raw .bin files, compare arrays. */
#ifndef VO_TEST_FIXTURE_H
#define VO_TEST_FIXTURE_H

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char fx_path_[4096];

/* tiny-varco / tiny-varco-alt live in tests/data/fixtures (from top_srcdir);
 * the others only in $VO_SHARED/fixtures. NULL when absent. */
__attribute__((unused)) static const char *fx_dir(const char *name)
{
    struct stat st;
    const char *top = getenv("top_srcdir");
    if (!strcmp(name, "tiny-varco") || !strcmp(name, "tiny-varco-alt")) {
        snprintf(fx_path_, sizeof fx_path_, "%s/tests/data/fixtures/%s", top ? top : "..", name);
        if (stat(fx_path_, &st) == 0 && S_ISDIR(st.st_mode))
            return fx_path_;
    }
    const char *sh = getenv("VO_SHARED");
    if (!sh)
        return NULL;
    snprintf(fx_path_, sizeof fx_path_, "%s/fixtures/%s", sh, name);
    return stat(fx_path_, &st) == 0 && S_ISDIR(st.st_mode) ? fx_path_ : NULL;
}

__attribute__((unused)) static json_t *fx_manifest(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/golden/manifest.json", dir);
    return json_load_file(p, 0, NULL);
}

/* Read golden/<case>/<file>; *n gets the byte count. NULL if absent. */
__attribute__((unused)) static void *fx_read(const char *dir, const char *cas, const char *file,
                                             size_t *n)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/golden/%s/%s", dir, cas, file);
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc(len > 0 ? (size_t)len : 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (n)
        *n = (size_t)len;
    return b;
}

/* Read the manifest file of key `key` of a case (NULL if the case lacks it). */
__attribute__((unused)) static void *fx_read_key(const char *dir, json_t *cas_obj,
                                                 const char *cas, const char *key, size_t *n)
{
    json_t *f = json_object_get(json_object_get(cas_obj, "files"), key);
    if (!f)
        return NULL;
    return fx_read(dir, cas, json_string_value(json_object_get(f, "file")), n);
}

/* The RGB image of a case (image_rgb_u8, [h, w, 3]); *w and *h get its
 * size. NULL if the case has none. */
__attribute__((unused)) static uint8_t *fx_case_image(const char *dir, json_t *manifest,
                                                      const char *cas, int *w, int *h)
{
    json_t *c = json_object_get(json_object_get(manifest, "cases"), cas);
    json_t *shape = json_object_get(json_object_get(json_object_get(c, "files"),
                                                    "image_rgb_u8"), "shape");
    *h = (int)json_integer_value(json_array_get(shape, 0));
    *w = (int)json_integer_value(json_array_get(shape, 1));
    return fx_read_key(dir, c, cas, "image_rgb_u8", NULL);
}

/* Tolerance of a key in the case ("atol"/"rtol"), defaults when absent. */
__attribute__((unused)) static void fx_tol(json_t *cas_obj, const char *key, double *atol,
                                           double *rtol)
{
    json_t *t = json_object_get(json_object_get(cas_obj, "tolerances"), key);
    json_t *a = json_object_get(t, "atol"), *r = json_object_get(t, "rtol");
    *atol = a ? json_number_value(a) : 1e-4;
    *rtol = r ? json_number_value(r) : 1e-3;
}

/* |got − gold| ≤ atol + rtol·|gold| everywhere; *maxerr = max |got − gold|. */
__attribute__((unused)) static int fx_close(const float *got, const float *gold, size_t n,
                                            double atol, double rtol, double *maxerr)
{
    int good = 1;
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - gold[i]);
        if (!(d <= atol + rtol * fabs(gold[i])))
            good = 0;
        if (d > m || isnan(d))
            m = isnan(d) ? INFINITY : d;
    }
    *maxerr = m;
    return good;
}

#endif
