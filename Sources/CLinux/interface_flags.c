#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include "interface_flags.h"

static int fill_name(struct ifreq *request, const char *name) {
    size_t length = strlen(name);
    if (length == 0 || length >= IFNAMSIZ) {
        errno = length == 0 ? EINVAL : ENAMETOOLONG;
        return -1;
    }
    memset(request, 0, sizeof(*request));
    memcpy(request->ifr_name, name, length);
    return 0;
}

int cni_if_get_flags(int fd, const char *name, unsigned int *flags) {
    struct ifreq request;
    if (fill_name(&request, name) != 0) return -1;
    if (ioctl(fd, SIOCGIFFLAGS, &request) != 0) return -1;
    *flags = (unsigned short)request.ifr_flags;
    return 0;
}

int cni_if_set_flags(int fd, const char *name, unsigned int flags) {
    struct ifreq request;
    if (fill_name(&request, name) != 0) return -1;
    request.ifr_flags = (short)flags;
    return ioctl(fd, SIOCSIFFLAGS, &request);
}
