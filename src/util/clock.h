/* clock.h: the one monotonic clock of the tree (timings, deadlines). */
#ifndef VO_CLOCK_H
#define VO_CLOCK_H

/* CLOCK_MONOTONIC in seconds. */
double vo_monotonic_seconds(void);

#endif
