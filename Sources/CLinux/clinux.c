#define _GNU_SOURCE
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <linux/nsfs.h>
#include "clinux.h"

int cni_setns_net(int fd) { return setns(fd, CLONE_NEWNET); }

int cni_fstatfs_type(int fd, long *type) {
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return -1;
    *type = (long)fs.f_type;
    return 0;
}

int cni_ns_is_network(int fd) {
    int type = ioctl(fd, NS_GET_NSTYPE);
    if (type < 0) return -1;
    return type == CLONE_NEWNET ? 1 : 0;
}
