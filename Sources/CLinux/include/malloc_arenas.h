#ifndef SWCNI_MALLOC_ARENAS_H
#define SWCNI_MALLOC_ARENAS_H

/// mallopt(M_ARENA_MAX, 1): every thread allocates from the main arena (a plugin's threads
/// are few and short-lived; a new arena per thread costs mmap/munmap and page faults).
/// Returns mallopt's result (1 on success).
int swcni_single_malloc_arena(void);

#endif
