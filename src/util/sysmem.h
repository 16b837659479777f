/* sysmem.h: what the system says of its memory. */
#ifndef VO_SYSMEM_H
#define VO_SYSMEM_H

#include <stdint.h>

/* Bytes of memory available to a new program without swapping (Linux's
 * MemAvailable; else the free physical pages); 0 when unknown. */
uint64_t vo_mem_available(void);

#endif
