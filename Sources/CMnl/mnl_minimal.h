#ifndef SWIFT_CNI_MNL_MINIMAL_H
#define SWIFT_CNI_MNL_MINIMAL_H
/*
 * The few libmnl calls the Netlink module uses, with libmnl's names, signatures and
 * semantics (socket open/bind/options/send/receive, message header, attributes and nests,
 * message iteration), written here as static inline functions so that no binary needs
 * libmnl.so at run time: with it gone a plugin loads one shared library less (libmnl has no
 * static archive on Debian). Bounds rules are libmnl's: mnl_nlmsg_ok, mnl_attr_put_check.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <linux/netlink.h>

#define MNL_ALIGNTO 4
#define MNL_ALIGN(len) (((len) + MNL_ALIGNTO - 1) & ~(MNL_ALIGNTO - 1))
#define MNL_NLMSG_HDRLEN MNL_ALIGN(sizeof(struct nlmsghdr))
#define MNL_ATTR_HDRLEN MNL_ALIGN(sizeof(struct nlattr))
#define MNL_SOCKET_AUTOPID 0
#define MNL_SOCKET_BUFFER_SIZE (sysconf(_SC_PAGESIZE) < 8192L ? sysconf(_SC_PAGESIZE) : 8192L)

/* Opaque to Swift (an OpaquePointer), as libmnl's. */
struct mnl_socket;

struct cni_mnl_socket_state {
    int fd;
    struct sockaddr_nl addr;
};

static inline struct cni_mnl_socket_state *cni_mnl_state(const struct mnl_socket *nl) {
    return (struct cni_mnl_socket_state *)nl;
}

static inline struct mnl_socket *mnl_socket_open2(int bus, int flags) {
    struct cni_mnl_socket_state *state = calloc(1, sizeof(*state));
    if (state == NULL) return NULL;
    state->fd = socket(AF_NETLINK, SOCK_RAW | flags, bus);
    if (state->fd < 0) {
        int saved = errno;
        free(state);
        errno = saved;
        return NULL;
    }
    return (struct mnl_socket *)state;
}

static inline int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid) {
    struct cni_mnl_socket_state *state = cni_mnl_state(nl);
    socklen_t length;
    state->addr.nl_family = AF_NETLINK;
    state->addr.nl_groups = groups;
    state->addr.nl_pid = (__u32)pid;
    if (bind(state->fd, (struct sockaddr *)&state->addr, sizeof(state->addr)) < 0) return -1;
    length = sizeof(state->addr);
    if (getsockname(state->fd, (struct sockaddr *)&state->addr, &length) < 0) return -1;
    if (length != sizeof(state->addr) || state->addr.nl_family != AF_NETLINK) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}

static inline unsigned int mnl_socket_get_portid(const struct mnl_socket *nl) { return cni_mnl_state(nl)->addr.nl_pid; }

static inline int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf, socklen_t len) {
    return setsockopt(cni_mnl_state(nl)->fd, SOL_NETLINK, type, buf, len);
}

static inline ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf, size_t len) {
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    return sendto(cni_mnl_state(nl)->fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel));
}

/* One datagram; a truncated one is ENOSPC, a sender address of the wrong size EINVAL. */
static inline ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf, size_t bufsiz) {
    struct sockaddr_nl sender;
    struct iovec iov;
    struct msghdr message;
    ssize_t received;
    iov.iov_base = buf;
    iov.iov_len = bufsiz;
    memset(&message, 0, sizeof(message));
    message.msg_name = &sender;
    message.msg_namelen = sizeof(sender);
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    received = recvmsg(cni_mnl_state(nl)->fd, &message, 0);
    if (received == -1) return received;
    if (message.msg_flags & MSG_TRUNC) {
        errno = ENOSPC;
        return -1;
    }
    if (message.msg_namelen != sizeof(struct sockaddr_nl)) {
        errno = EINVAL;
        return -1;
    }
    return received;
}

static inline int mnl_socket_close(struct mnl_socket *nl) {
    struct cni_mnl_socket_state *state = cni_mnl_state(nl);
    int result = close(state->fd);
    free(state);
    return result;
}

static inline struct nlmsghdr *mnl_nlmsg_put_header(void *buf) {
    struct nlmsghdr *header = (struct nlmsghdr *)buf;
    memset(buf, 0, MNL_NLMSG_HDRLEN);
    header->nlmsg_len = MNL_NLMSG_HDRLEN;
    return header;
}

static inline void *mnl_nlmsg_put_extra_header(struct nlmsghdr *nlh, size_t size) {
    char *tail = (char *)nlh + nlh->nlmsg_len;
    size_t length = MNL_ALIGN(size);
    nlh->nlmsg_len += length;
    memset(tail, 0, length);
    return tail;
}

static inline bool mnl_nlmsg_ok(const struct nlmsghdr *nlh, int len) {
    return len >= (int)sizeof(struct nlmsghdr) && nlh->nlmsg_len >= sizeof(struct nlmsghdr) &&
           (int)nlh->nlmsg_len <= len;
}

static inline struct nlmsghdr *mnl_nlmsg_next(const struct nlmsghdr *nlh, int *len) {
    *len -= MNL_ALIGN(nlh->nlmsg_len);
    return (struct nlmsghdr *)((char *)nlh + MNL_ALIGN(nlh->nlmsg_len));
}

static inline bool mnl_nlmsg_seq_ok(const struct nlmsghdr *nlh, unsigned int seq) {
    return nlh->nlmsg_seq && seq ? nlh->nlmsg_seq == seq : true;
}

static inline bool mnl_nlmsg_portid_ok(const struct nlmsghdr *nlh, unsigned int portid) {
    return nlh->nlmsg_pid && portid ? nlh->nlmsg_pid == portid : true;
}

static inline void *cni_mnl_nlmsg_tail(const struct nlmsghdr *nlh) { return (char *)nlh + MNL_ALIGN(nlh->nlmsg_len); }

static inline bool mnl_attr_put_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type, size_t len, const void *data) {
    struct nlattr *attr;
    size_t attributeLength = MNL_ATTR_HDRLEN + len;
    if (nlh->nlmsg_len + MNL_ATTR_HDRLEN + MNL_ALIGN(len) > buflen) return false;
    attr = (struct nlattr *)cni_mnl_nlmsg_tail(nlh);
    attr->nla_type = type;
    attr->nla_len = (uint16_t)attributeLength;
    if (len > 0) memcpy((char *)attr + MNL_ATTR_HDRLEN, data, len);
    if (MNL_ALIGN(len) > len) memset((char *)attr + MNL_ATTR_HDRLEN + len, 0, MNL_ALIGN(len) - len);
    nlh->nlmsg_len += MNL_ALIGN(attributeLength);
    return true;
}

static inline struct nlattr *mnl_attr_nest_start_check(struct nlmsghdr *nlh, size_t buflen, uint16_t type) {
    struct nlattr *start;
    if (nlh->nlmsg_len + MNL_ATTR_HDRLEN > buflen) return NULL;
    start = (struct nlattr *)cni_mnl_nlmsg_tail(nlh);
    start->nla_type = NLA_F_NESTED | type;
    nlh->nlmsg_len += MNL_ATTR_HDRLEN;
    return start;
}

static inline void mnl_attr_nest_end(struct nlmsghdr *nlh, struct nlattr *start) {
    start->nla_len = (uint16_t)((char *)cni_mnl_nlmsg_tail(nlh) - (char *)start);
}
#endif
