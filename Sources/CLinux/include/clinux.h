#ifndef SWIFT_CNI_CLINUX_H
#define SWIFT_CNI_CLINUX_H
/* Linux calls that glibc declares only under _GNU_SOURCE, or as macros Swift cannot import. */

/// setns(fd, CLONE_NEWNET); returns 0 or -1 with errno set.
int cni_setns_net(int fd);

/// The f_type of the file system holding fd (fstatfs); returns 0 or -1 with errno set.
int cni_fstatfs_type(int fd, long *type);

/// Whether the namespace file fd is a network namespace (ioctl NS_GET_NSTYPE): 1 if it is,
/// 0 if it is a namespace of another type, -1 with errno set when fd is not a namespace.
int cni_ns_is_network(int fd);
#endif
