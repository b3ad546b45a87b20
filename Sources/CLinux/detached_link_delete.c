#define _GNU_SOURCE
#include "detached_link_delete.h"
#include "internal/route_request.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static void close_inherited_descriptors(void) {
    if (syscall(SYS_close_range, 0U, ~0U, 0U) == 0) return;
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 0; fd < max; fd++) close(fd);
}

/// The grandchild: enter the namespace, send RTM_DELLINK by name, wait for the kernel's answer.
static void delete_link(const char *netns_path, const char *ifname) {
    int ns = open(netns_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (ns < 0) return;
    if (setns(ns, CLONE_NEWNET) != 0) return;
    close(ns);

    struct {
        struct nlmsghdr header;
        struct ifinfomsg info;
        char attributes[64];
    } request;
    memset(&request, 0, sizeof(request));
    size_t name_length = strnlen(ifname, IFNAMSIZ - 1) + 1;
    struct rtattr *name = (struct rtattr *)request.attributes;
    name->rta_type = IFLA_IFNAME;
    name->rta_len = (unsigned short)RTA_LENGTH(name_length);
    memcpy(RTA_DATA(name), ifname, name_length - 1);
    request.header.nlmsg_len = (unsigned int)(NLMSG_LENGTH(sizeof(struct ifinfomsg)) + RTA_ALIGN(name->rta_len));
    request.header.nlmsg_type = RTM_DELLINK;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    request.header.nlmsg_seq = 1;
    request.info.ifi_family = AF_UNSPEC;

    int fd = cni_route_request(&request, request.header.nlmsg_len);
    if (fd < 0) return;
    char answer[1024];
    (void)recv(fd, answer, sizeof(answer), 0);  /* the ack comes once the link is gone */
    close(fd);
}

int cni_delete_link_detached(const char *netns_path, const char *ifname) {
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        if (setsid() < 0) { /* already a group leader: keep going */ }
        pid_t grandchild = fork();
        if (grandchild == 0) {
            close_inherited_descriptors();
            delete_link(netns_path, ifname);
        }
        _exit(grandchild < 0 ? 1 : 0);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    errno = ECHILD;
    return -1;
}
