#ifndef SWIFT_CNI_INTERFACE_ADDRESSES_H
#define SWIFT_CNI_INTERFACE_ADDRESSES_H

/// One IPv4 or IPv6 address of an interface.
struct cni_if_address {
    int family;              /* AF_INET or AF_INET6 */
    int prefixlen;
    unsigned char addr[16];  /* network order; 4 bytes used for AF_INET */
};

/// Lists the addresses of interface `ifindex` with one RTM_GETADDR dump over NETLINK_ROUTE, in
/// the network namespace of the calling thread, in the kernel's order (IPv4, then IPv6).
/// Fills at most `max` entries and returns how many the interface has (call again with a
/// larger buffer when that is more than `max`), or -1 with errno set.
int cni_list_addresses(unsigned int ifindex, struct cni_if_address *out, int max);
#endif
