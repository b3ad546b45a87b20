#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include "interface_addresses.h"
#include "internal/route_request.h"

int cni_list_addresses(unsigned int ifindex, struct cni_if_address *out, int max) {
    struct {
        struct nlmsghdr nh;
        struct ifaddrmsg ifa;
    } req;
    memset(&req, 0, sizeof(req));
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    req.nh.nlmsg_type = RTM_GETADDR;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = 1;
    req.ifa.ifa_family = AF_UNSPEC;
    int fd = cni_route_request(&req, req.nh.nlmsg_len);
    if (fd < 0) return -1;
    char buf[32768];
    int count = 0;
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (n == 0) break;
        for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
            if (nh->nlmsg_type == NLMSG_DONE) {
                close(fd);
                return count;
            }
            if (nh->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *err = (struct nlmsgerr *)NLMSG_DATA(nh);
                close(fd);
                errno = err->error ? -err->error : EIO;
                return -1;
            }
            if (nh->nlmsg_type != RTM_NEWADDR) continue;
            struct ifaddrmsg *ifa = (struct ifaddrmsg *)NLMSG_DATA(nh);
            if (ifa->ifa_index != ifindex) continue;
            if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) continue;
            /* IPv4: IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer on
               point-to-point links), as getifaddrs reports it; IPv6: IFA_ADDRESS. */
            const unsigned char *local = NULL, *address = NULL;
            int attrlen = (int)IFA_PAYLOAD(nh);
            for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, attrlen); rta = RTA_NEXT(rta, attrlen)) {
                if (rta->rta_type == IFA_LOCAL) local = RTA_DATA(rta);
                if (rta->rta_type == IFA_ADDRESS) address = RTA_DATA(rta);
            }
            const unsigned char *chosen = (ifa->ifa_family == AF_INET && local) ? local : address;
            if (!chosen) continue;
            if (count < max) {
                out[count].family = ifa->ifa_family;
                out[count].prefixlen = ifa->ifa_prefixlen;
                memset(out[count].addr, 0, sizeof(out[count].addr));
                memcpy(out[count].addr, chosen, ifa->ifa_family == AF_INET ? 4 : 16);
            }
            count++;
        }
    }
    close(fd);
    return count;
}
