#ifndef SWIFT_CNI_CLINUX_H
#define SWIFT_CNI_CLINUX_H
/* Linux calls that glibc declares only under _GNU_SOURCE, or as macros Swift cannot import. */

/// setns(fd, CLONE_NEWNET); returns 0 or -1 with errno set.
int cni_setns_net(int fd);

/// The f_type of the file system holding fd (fstatfs); returns 0 or -1 with errno set.
int cni_fstatfs_type(int fd, long *type);
#endif
