#ifndef SWIFT_CNI_INTERFACE_FLAGS_H
#define SWIFT_CNI_INTERFACE_FLAGS_H
/* Interface flags through SIOCGIFFLAGS / SIOCSIFFLAGS: `struct ifreq` is a union Swift cannot
 * fill without raw pointers. The ioctls act on the network namespace `fd` was created in. */

/// The flags (IFF_*) of interface `name`; returns 0 or -1 with errno set (ENODEV: no such
/// interface; ENAMETOOLONG: name of IFNAMSIZ bytes or more).
int cni_if_get_flags(int fd, const char *name, unsigned int *flags);

/// Sets the flags (IFF_*) of interface `name`; returns 0 or -1 with errno set.
int cni_if_set_flags(int fd, const char *name, unsigned int flags);
#endif
