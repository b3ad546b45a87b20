#define _GNU_SOURCE
#include <sched.h>
#include <sys/vfs.h>
#include "clinux.h"

int cni_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int cni_fstatfs_type(int fd, long *type) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    *type = (long)fs.f_type;
    return 0;
}
