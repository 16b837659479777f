/* ocrd_mets.c: the OCR-D workspace's METS: the pages of a file group in
 * physical order, output files and their page pointers added, the agent
 * recorded, the file written back atomically. */

#include "config.h"
#include "src/ocrd/ocrd.h"
#include "src/util/alloc.h"
#include "src/util/output.h"
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>
#include <unistd.h>

#define NS_METS "http://www.loc.gov/METS/"
#define NS_XLINK "http://www.w3.org/1999/xlink"
#define NS_OCRD "https://ocr-d.de"
#define NS_PAGE_PREFIX "http://schema.primaresearch.org/PAGE/gts/pagecontent/"

struct ocrd_mets {
    char *path;
    xmlDocPtr doc;
};

static int is_mets(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, NS_METS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* The first child of n that is mets:name, or NULL. */
static xmlNodePtr mets_child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (is_mets(c, name))
            return c;
    return NULL;
}

/* The attribute's value (borrowed from a static buffer per call is not
 * safe: a new string), or NULL. */
static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *s = v ? vo_strdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static int attr_is(xmlNodePtr n, const char *name, const char *value)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    int same = v && strcmp((const char *)v, value) == 0;
    xmlFree(v);
    return same;
}

static xmlNodePtr root(ocrd_mets *m)
{
    xmlNodePtr r = xmlDocGetRootElement(m->doc);
    return is_mets(r, "mets") ? r : NULL;
}

vo_status ocrd_mets_open(vo_ctx *ctx, const char *path, ocrd_mets **out)
{
    *out = NULL;
    ocrd_mets *m = vo_calloc(1, sizeof *m);
    if (!m || !(m->path = vo_strdup(path))) {
        vo_free(m);
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    m->doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!m->doc) {
        const xmlError *e = xmlGetLastError();
        vo_status st = vo_fail(ctx, access(path, R_OK) ? VO_ERR_IO : VO_ERR_FORMAT,
                               "%s: cannot read the METS: %s", path,
                               e && e->message ? e->message : "not well-formed XML");
        ocrd_mets_close(m);
        return st;
    }
    if (!root(m)) {
        ocrd_mets_close(m);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a METS file (the root is not mets:mets "
                       "in the namespace %s)", path, NS_METS);
    }
    *out = m;
    return VO_OK;
}

void ocrd_mets_close(ocrd_mets *m)
{
    if (!m)
        return;
    xmlFreeDoc(m->doc);
    vo_free(m->path);
    vo_free(m);
}

static xmlNodePtr file_group(ocrd_mets *m, const char *grp)
{
    xmlNodePtr sec = mets_child(root(m), "fileSec");
    for (xmlNodePtr g = sec ? sec->children : NULL; g; g = g->next)
        if (is_mets(g, "fileGrp") && attr_is(g, "USE", grp))
            return g;
    return NULL;
}

static xmlNodePtr group_file(xmlNodePtr g, const char *id)
{
    for (xmlNodePtr f = g ? g->children : NULL; f; f = f->next)
        if (is_mets(f, "file") && attr_is(f, "ID", id))
            return f;
    return NULL;
}

/* The physical structMap's page divs under n, in document order, to
 * *pages; -1 when out of memory. */
static int page_divs(xmlNodePtr n, xmlNodePtr **pages, size_t *np, size_t *cap)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (!is_mets(c, "div"))
            continue;
        if (attr_is(c, "TYPE", "page")) {
            if (vo_grow((void **)pages, cap, *np + 1, sizeof **pages))
                return -1;
            (*pages)[(*np)++] = c;
        }
        if (page_divs(c, pages, np, cap))
            return -1;
    }
    return 0;
}

static xmlNodePtr physical_map(ocrd_mets *m)
{
    for (xmlNodePtr c = root(m)->children; c; c = c->next)
        if (is_mets(c, "structMap") && attr_is(c, "TYPE", "PHYSICAL"))
            return c;
    return NULL;
}

static xmlNodePtr page_div(ocrd_mets *m, const char *page_id)
{
    xmlNodePtr map = physical_map(m), *pages = NULL;
    size_t n = 0, cap = 0;
    xmlNodePtr found = NULL;
    if (map && !page_divs(map, &pages, &n, &cap))
        for (size_t i = 0; i < n && !found; i++)
            if (attr_is(pages[i], "ID", page_id))
                found = pages[i];
    vo_free(pages);
    return found;
}

/* 1 when `id` is one of the comma-separated `list` */
static int in_list(const char *list, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && memcmp(p, id, n) == 0)
            return 1;
        p += len + (e != NULL);
    }
    return 0;
}

/* The file of group g that page div d points to, or NULL. */
static xmlNodePtr div_file(xmlNodePtr d, xmlNodePtr g)
{
    for (xmlNodePtr f = d->children; f; f = f->next) {
        if (!is_mets(f, "fptr"))
            continue;
        char *id = attr(f, "FILEID");
        xmlNodePtr file = id ? group_file(g, id) : NULL;
        vo_free(id);
        if (file)
            return file;
    }
    return NULL;
}

void ocrd_free_inputs(ocrd_input *in, int n)
{
    for (int i = 0; in && i < n; i++) {
        vo_free(in[i].page_id);
        vo_free(in[i].file_id);
        vo_free(in[i].href);
        vo_free(in[i].mimetype);
    }
    vo_free(in);
}

vo_status ocrd_mets_inputs(vo_ctx *ctx, ocrd_mets *m, const char *grp, const char *page_ids,
                           ocrd_input **in, int *n)
{
    *in = NULL;
    *n = 0;
    xmlNodePtr g = file_group(m, grp), map = physical_map(m);
    if (!g)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: there is no file group '%s' (-I): give one "
                       "of its mets:fileGrp USE names", m->path, grp);
    if (!map)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: no physical structMap: the pages of its files "
                       "are not known", m->path);
    xmlNodePtr *pages = NULL;
    size_t np = 0, cap = 0, cap_in = 0;
    vo_status st = page_divs(map, &pages, &np, &cap) ? vo_fail(ctx, VO_ERR_NOMEM, "out of memory")
                                                     : VO_OK;
    ocrd_input *list = NULL;
    int count = 0, wanted = 0;
    for (size_t i = 0; !st && i < np; i++) {
        char *pid = attr(pages[i], "ID");
        if (!pid || (page_ids && !in_list(page_ids, pid))) {
            vo_free(pid);
            continue;
        }
        wanted++;
        xmlNodePtr f = div_file(pages[i], g);
        if (!f) {
            vo_warn(ctx, "%s: page %s has no file in group %s: it is left out", m->path, pid, grp);
            vo_free(pid);
            continue;
        }
        xmlNodePtr loc = mets_child(f, "FLocat");
        xmlChar *href = loc ? xmlGetNsProp(loc, (const xmlChar *)"href",
                                           (const xmlChar *)NS_XLINK) : NULL;
        if (!href) {
            st = vo_fail(ctx, VO_ERR_FORMAT, "%s: the file of page %s in group %s has no "
                         "mets:FLocat with an xlink:href", m->path, pid, grp);
            vo_free(pid);
            break;
        }
        if (vo_grow((void **)&list, &cap_in, (size_t)count + 1, sizeof *list)) {
            xmlFree(href);
            vo_free(pid);
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
            break;
        }
        ocrd_input *it = &list[count++];
        char *mime = attr(f, "MIMETYPE");
        *it = (ocrd_input){pid, attr(f, "ID"), vo_strdup((const char *)href),
                           mime ? mime : vo_strdup("")};
        xmlFree(href);
        if (!it->file_id || !it->href || !it->mimetype)
            st = vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    vo_free(pages);
    /* every page named with -g must be a page of the METS */
    for (const char *p = page_ids; !st && p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char id[256];
        snprintf(id, sizeof id, "%.*s", (int)(len < 255 ? len : 255), p);
        if (len && !page_div(m, id))
            st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s: there is no page '%s' (-g): give IDs of "
                         "the physical structMap's pages", m->path, id);
        p += len + (e != NULL);
    }
    if (!st && !count)
        st = vo_fail(ctx, VO_ERR_ARGUMENT, "%s: group %s has no file on %s", m->path, grp,
                     wanted ? "the pages asked for" : "any page");
    if (st) {
        ocrd_free_inputs(list, count);
        return st;
    }
    *in = list;
    *n = count;
    return VO_OK;
}

const char *ocrd_mets_page_file(ocrd_mets *m, const char *grp, const char *page_id)
{
    xmlNodePtr d = page_div(m, page_id), g = file_group(m, grp);
    xmlNodePtr f = d && g ? div_file(d, g) : NULL;
    xmlAttrPtr a = f ? xmlHasProp(f, (const xmlChar *)"ID") : NULL;
    return a && a->children ? (const char *)a->children->content : NULL;
}

void ocrd_mets_remove_file(ocrd_mets *m, const char *file_id)
{
    xmlNodePtr sec = mets_child(root(m), "fileSec");
    for (xmlNodePtr g = sec ? sec->children : NULL; g; g = g->next) {
        xmlNodePtr f = is_mets(g, "fileGrp") ? group_file(g, file_id) : NULL;
        if (f) {
            xmlUnlinkNode(f);
            xmlFreeNode(f);
        }
    }
    xmlNodePtr map = physical_map(m), *pages = NULL;
    size_t n = 0, cap = 0;
    if (map && !page_divs(map, &pages, &n, &cap)) {
        for (size_t i = 0; i < n; i++) {
            for (xmlNodePtr c = pages[i]->children, next; c; c = next) {
                next = c->next;
                if (is_mets(c, "fptr") && attr_is(c, "FILEID", file_id)) {
                    xmlUnlinkNode(c);
                    xmlFreeNode(c);
                }
            }
        }
    }
    vo_free(pages);
}

static xmlNsPtr mets_ns(ocrd_mets *m)
{
    return root(m)->ns;
}

vo_status ocrd_mets_add_file(vo_ctx *ctx, ocrd_mets *m, const char *grp, const char *file_id,
                             const char *page_id, const char *href, const char *mimetype)
{
    xmlNodePtr r = root(m), sec = mets_child(r, "fileSec"), g = file_group(m, grp);
    xmlNodePtr d = page_div(m, page_id);
    xmlNsPtr ns = mets_ns(m);
    if (!d)
        return vo_fail(ctx, VO_ERR_ARGUMENT, "%s: no page %s", m->path, page_id);
    if (!sec && !(sec = xmlNewChild(r, ns, (const xmlChar *)"fileSec", NULL)))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    if (!g) {
        g = xmlNewChild(sec, ns, (const xmlChar *)"fileGrp", NULL);
        if (!g || !xmlNewProp(g, (const xmlChar *)"USE", (const xmlChar *)grp))
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    }
    xmlNsPtr xlink = xmlSearchNsByHref(m->doc, r, (const xmlChar *)NS_XLINK);
    if (!xlink)
        xlink = xmlNewNs(r, (const xmlChar *)NS_XLINK, (const xmlChar *)"xlink");
    xmlNodePtr f = xmlNewChild(g, ns, (const xmlChar *)"file", NULL);
    xmlNodePtr loc = f ? xmlNewChild(f, ns, (const xmlChar *)"FLocat", NULL) : NULL;
    xmlNodePtr ptr = xmlNewChild(d, ns, (const xmlChar *)"fptr", NULL);
    if (!xlink || !loc || !ptr || !xmlNewProp(f, (const xmlChar *)"ID", (const xmlChar *)file_id) ||
        !xmlNewProp(f, (const xmlChar *)"MIMETYPE", (const xmlChar *)mimetype) ||
        !xmlNewProp(loc, (const xmlChar *)"LOCTYPE", (const xmlChar *)"OTHER") ||
        !xmlNewProp(loc, (const xmlChar *)"OTHERLOCTYPE", (const xmlChar *)"FILE") ||
        !xmlNewNsProp(loc, xlink, (const xmlChar *)"href", (const xmlChar *)href) ||
        !xmlNewProp(ptr, (const xmlChar *)"FILEID", (const xmlChar *)file_id))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    return VO_OK;
}

static vo_status agent_note(vo_ctx *ctx, xmlNodePtr agent, xmlNsPtr ns, xmlNsPtr ocrd,
                            const char *option, const char *value)
{
    xmlNodePtr note = xmlNewTextChild(agent, ns, (const xmlChar *)"note", (const xmlChar *)value);
    if (!note || !xmlNewNsProp(note, ocrd, (const xmlChar *)"option", (const xmlChar *)option))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    return VO_OK;
}

vo_status ocrd_mets_add_agent(vo_ctx *ctx, ocrd_mets *m, const char *in_grp,
                              const char *out_grp, const char *params_json)
{
    xmlNodePtr r = root(m), hdr = mets_child(r, "metsHdr");
    xmlNsPtr ns = mets_ns(m);
    if (!hdr) {
        hdr = xmlNewNode(ns, (const xmlChar *)"metsHdr");
        if (!hdr)
            return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
        if (r->children)
            xmlAddPrevSibling(r->children, hdr);
        else
            xmlAddChild(r, hdr);
    }
    xmlNsPtr ocrd = xmlSearchNsByHref(m->doc, r, (const xmlChar *)NS_OCRD);
    if (!ocrd)
        ocrd = xmlNewNs(r, (const xmlChar *)NS_OCRD, (const xmlChar *)"ocrd");
    xmlNodePtr agent = xmlNewChild(hdr, ns, (const xmlChar *)"agent", NULL);
    if (!ocrd || !agent || !xmlNewProp(agent, (const xmlChar *)"TYPE", (const xmlChar *)"OTHER") ||
        !xmlNewProp(agent, (const xmlChar *)"OTHERTYPE", (const xmlChar *)"SOFTWARE") ||
        !xmlNewProp(agent, (const xmlChar *)"ROLE", (const xmlChar *)"OTHER") ||
        !xmlNewProp(agent, (const xmlChar *)"OTHERROLE",
                    (const xmlChar *)"recognition/text-recognition") ||
        !xmlNewTextChild(agent, ns, (const xmlChar *)"name",
                         (const xmlChar *)"ocrd-varco-ocr v" PACKAGE_VERSION))
        return vo_fail(ctx, VO_ERR_NOMEM, "out of memory");
    vo_status st = agent_note(ctx, agent, ns, ocrd, "input-file-grp", in_grp);
    if (!st)
        st = agent_note(ctx, agent, ns, ocrd, "output-file-grp", out_grp);
    if (!st)
        st = agent_note(ctx, agent, ns, ocrd, "parameter", params_json);
    return st;
}

vo_status ocrd_mets_save(vo_ctx *ctx, ocrd_mets *m)
{
    xmlChar *data = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(m->doc, &data, &len, "UTF-8");
    if (!data)
        return vo_fail(ctx, VO_ERR_NOMEM, "%s: out of memory writing the METS", m->path);
    vo_output *out = NULL;
    vo_status st = vo_output_open_file(ctx, m->path, &out);
    if (!st)
        st = vo_output_write(ctx, out, data, (size_t)len);
    if (!st)
        st = vo_output_close(ctx, out);
    vo_output_drop(out);
    xmlFree(data);
    return st;
}

vo_status ocrd_page_image(vo_ctx *ctx, const char *path, char **image)
{
    *image = NULL;
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING);
    if (!doc)
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: cannot read the PAGE-XML file", path);
    xmlNodePtr r = xmlDocGetRootElement(doc), page = NULL;
    int is_page = r && r->ns && r->ns->href && strcmp((const char *)r->name, "PcGts") == 0 &&
                  strncmp((const char *)r->ns->href, NS_PAGE_PREFIX,
                          strlen(NS_PAGE_PREFIX)) == 0;
    for (xmlNodePtr c = is_page ? r->children : NULL; c && !page; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "Page") == 0)
            page = c;
    char *name = page ? attr(page, "imageFilename") : NULL;
    xmlFreeDoc(doc);
    if (!name || !*name) {
        vo_free(name);
        return vo_fail(ctx, VO_ERR_FORMAT, "%s: not a PAGE-XML file with a Page imageFilename",
                       path);
    }
    *image = name;
    return VO_OK;
}
