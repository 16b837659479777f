/* tempfile.c: exclusive temporary files and the list a signal handler
 * empties (see tempfile.h). */
#include "src/util/tempfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { TEMP_SLOTS = 256, TEMP_TRIES = 100, TEMP_RANDOM = 6 };

/* A slot's state: free, being filled, or listing a live file. */
enum { SLOT_FREE, SLOT_FILLING, SLOT_LIVE };

typedef struct temp_slot {
    atomic_int state;
    int dirfd;
    char name[NAME_MAX + 1];
} temp_slot;

static temp_slot slots[TEMP_SLOTS];
static atomic_uint name_counter;

static void random_chars(char *out)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[TEMP_RANDOM];
    if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
        /* no entropy yet: time, pid and a counter (O_EXCL keeps it safe) */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned long long x = (unsigned long long)ts.tv_nsec * 2654435761ULL ^
                               (unsigned long long)getpid() << 20 ^
                               atomic_fetch_add(&name_counter, 1) * 40503ULL;
        for (int i = 0; i < TEMP_RANDOM; i++, x >>= 7)
            r[i] = (unsigned char)x;
    }
    for (int i = 0; i < TEMP_RANDOM; i++)
        out[i] = set[r[i] % (sizeof set - 1)];
}

int vo_temp_create(int dirfd, const char *prefix, const char *suffix, char *name, size_t cap)
{
    size_t p = strlen(prefix), s = strlen(suffix);
    if (p + TEMP_RANDOM + s + 1 > cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (int tries = 0; tries < TEMP_TRIES; tries++) {
        memcpy(name, prefix, p);
        random_chars(name + p);
        memcpy(name + p + TEMP_RANDOM, suffix, s + 1);
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            (void)fchmod(fd, 0644); /* outputs are ordinary files, whatever the umask */
            return fd;
        }
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

int vo_temp_track(int dirfd, const char *name)
{
    size_t n = strlen(name);
    if (n > NAME_MAX)
        return -1;
    for (int i = 0; i < TEMP_SLOTS; i++) {
        int expect = SLOT_FREE;
        if (atomic_compare_exchange_strong(&slots[i].state, &expect, SLOT_FILLING)) {
            slots[i].dirfd = dirfd;
            memcpy(slots[i].name, name, n + 1);
            atomic_store(&slots[i].state, SLOT_LIVE);
            return i;
        }
    }
    return -1;
}

void vo_temp_untrack(int slot)
{
    if (slot >= 0 && slot < TEMP_SLOTS)
        atomic_store(&slots[slot].state, SLOT_FREE);
}

void vo_temp_remove_tracked(void)
{
    int saved = errno;
    for (int i = 0; i < TEMP_SLOTS; i++)
        if (atomic_load(&slots[i].state) == SLOT_LIVE)
            (void)unlinkat(slots[i].dirfd, slots[i].name, 0);
    errno = saved;
}
