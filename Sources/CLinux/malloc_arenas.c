#include "malloc_arenas.h"

#include <malloc.h>

int swcni_single_malloc_arena(void) { return mallopt(M_ARENA_MAX, 1); }
