#ifndef SWIFT_CNI_DETACHED_LINK_DELETE_H
#define SWIFT_CNI_DETACHED_LINK_DELETE_H

/// Deletes the link named `ifname` in the network namespace at `netns_path` from a detached
/// process (double fork + setsid; the grandchild closes every inherited descriptor, so it
/// holds neither the caller's stdout nor its locks), and returns without waiting for the
/// kernel: deleting a veth waits for RCU grace periods (~16-30 ms). The first child is reaped
/// before returning. The grandchild only makes async-signal-safe calls.
/// Returns 0 when the detached process was started, or -1 with errno set (fork failed).
int cni_delete_link_detached(const char *netns_path, const char *ifname);

#endif
