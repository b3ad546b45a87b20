#ifndef SWIFT_CNI_DATAPATH_LAYOUT_H
#define SWIFT_CNI_DATAPATH_LAYOUT_H
/*
 * The keys and values of the vxlan eBPF data path's maps, shared by the program
 * (bpf/vxlan_datapath.bpf.c) and the host side. Swift writes them as bytes
 * (Sources/VxlanDataPath/DataPathLayout.swift); datapath_layout.c exposes their sizes and
 * offsets so a unit test compares the two layouts.
 */
#include <linux/types.h>

/* Pod (a local endpoint): key = IPv6 address, or IPv4-mapped IPv6 (::ffff:a.b.c.d). */
struct pod_key {
    __u8 addr[16];
};
struct pod_entry {
    __u32 ifindex;      /* host-side veth */
    __u32 flags;        /* POD_* */
    __u8 mac[6];        /* the pod's interface */
    __u8 gw_mac[6];     /* source MAC of frames delivered to the pod (the bridge) */
};
#define POD_SLOW_PATH 1u  /* every packet from or to this pod takes the kernel path */
#define POD_FORWARDS 2u   /* the pod routes packets on (IP forwarding on in its namespace) */
#define POD_SHAPED 4u     /* traffic to the pod is rate-limited on its host veth (bandwidth
                           * ingressRate): packets to it go through that veth's qdisc */

/* Peer pod CIDRs reached through VXLAN: longest-prefix match on the same 16-byte form
 * (IPv4 prefixes have 96 added to their length). */
struct peer_key {
    __u32 prefixlen;
    __u8 addr[16];
};
struct peer_entry {
    __be32 underlay_ip;  /* the peer's underlay IPv4 address */
    __u8 vtep_mac[6];    /* the peer VTEP's MAC (inner destination) */
    __u16 reserved;
};

/* The single element of swcni_node. */
struct node_config {
    __u32 vtep_ifindex;
    __u32 underlay_ifindex;  /* 0: no encapsulation here (IPv6 underlay) */
    __be32 underlay_ip;      /* this node's underlay IPv4 address (outer source) */
    __u32 vni;
    __be16 port;             /* UDP destination port, network order */
    __u8 vtep_mac[6];        /* this node's VTEP MAC (inner source) */
};

_Static_assert(sizeof(struct pod_key) == 16, "pod_key");
_Static_assert(sizeof(struct pod_entry) == 20, "pod_entry");
_Static_assert(sizeof(struct peer_key) == 20, "peer_key");
_Static_assert(sizeof(struct peer_entry) == 12, "peer_entry");
_Static_assert(sizeof(struct node_config) == 24, "node_config");

#endif
