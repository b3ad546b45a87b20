#ifndef SWIFT_CNI_ROUTE_REQUEST_H
#define SWIFT_CNI_ROUTE_REQUEST_H
/* Shared by the C helpers that talk rtnetlink themselves (not exported to Swift). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

/* Opens a NETLINK_ROUTE socket and sends `length` bytes of `request` to the kernel.
   Returns the socket, or -1 with errno of the failed call (the socket is then closed). */
static inline int cni_route_request(const void *request, size_t length) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) return -1;
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    if (sendto(fd, request, length, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
#endif
