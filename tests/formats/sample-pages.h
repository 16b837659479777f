/* sample-pages.h: the hand-built page models every formats test writes
 * (Korean + English, glyphs, unknown confidences, bad bytes, empty page). */
#ifndef VO_TEST_SAMPLE_PAGES_H
#define VO_TEST_SAMPLE_PAGES_H

#include "formats/writer.h"

enum { SAMPLE_N_PAGES = 3 };

/* Build the three sample pages into pages[0..2]. Returns VO_ERR_NOMEM
 * (pages dropped, all NULL) on failure. */
vo_status sample_pages(vo_page *pages[SAMPLE_N_PAGES]);
void sample_pages_drop(vo_page *pages[SAMPLE_N_PAGES]);

/* The document info the tests use (timestamp 2025-01-01T00:00:00Z). */
vo_doc_info sample_info(void);

#endif
