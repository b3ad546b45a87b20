// SPDX-License-Identifier: MIT OR GPL-2.0
//
// swift-cni vxlan eBPF data path: one tc (clsact ingress) program, attached by the
// `vxlan` plugin to three kinds of device in the node's namespace:
//
//   * each pod's host-side veth (traffic leaving the pod):
//       - to another local pod: delivered straight into that pod's namespace
//         (bpf_redirect_peer), the bridge and the routing step skipped;
//       - to a peer node's pod CIDR (IPv4 pods over an IPv4 underlay): VXLAN headers
//         written here (the same bytes the kernel VTEP would write: VNI, UDP port, inner
//         MACs = VTEP MACs) and the packet sent out of the underlay device
//         (bpf_redirect_neigh), the bridge, the VTEP and the node's IP stack skipped;
//       - routed into the VTEP otherwise (IPv6 pods): redirected to the VTEP directly;
//   * the underlay device: VXLAN packets for this node's VNI whose inner destination is a
//     local pod are decapsulated here and delivered into the pod's namespace;
//   * the VTEP: packets the kernel decapsulated (from a peer without this data path) for
//     a local pod are delivered into the pod's namespace.
//
// Everything the program does not recognise, every packet from or to a pod marked
// POD_SLOW_PATH (selected by a NetworkPolicy on this node), every packet of a flow the
// node's conntrack NATs (services, hostPort), and everything but unfragmented TCP and UDP
// continue through the kernel's path unchanged (TC_ACT_OK), where nftables, conntrack and
// the kernel VTEP handle them.
//
// The maps' keys and values are the structs of ../include/datapath_layout.h, which the host
// side shares (Sources/VxlanDataPath/DataPathLayout.swift writes them; a unit test checks it).
// Rebuild the embedded object with scripts/gen-bpf.sh after changing this file.

#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_core_read.h>

#include "../include/datapath_layout.h"

#define AF_INET 2
#define AF_INET6 10

// bpf_skb_adjust_room flags newer than the uapi headers of Debian 12.
#define ADJ_ROOM_DECAP_L4_UDP (1ULL << 10)

// Connection tracking (kfuncs, Linux 6.0+): a flow the node NATs (kube-proxy's service
// DNAT, hostPort, masquerade) must pass the node's conntrack in both directions, so its
// packets take the kernel path. Fast-path flows have no conntrack entry at all.
struct nf_conn {
    unsigned long status;
} __attribute__((preserve_access_index));
struct ct_opts {
    __s32 netns_id;
    __s32 error;
    __u8 l4proto;
    __u8 dir;
    __u8 reserved[2];
};
extern struct nf_conn *bpf_skb_ct_lookup(struct __sk_buff *skb, struct bpf_sock_tuple *tuple, __u32 tuple_size,
                                         struct ct_opts *opts, __u32 opts_size) __ksym;
extern void bpf_ct_release(struct nf_conn *ct) __ksym;
#define CT_NAT_MASK ((1ul << 4) | (1ul << 5))  // IPS_SRC_NAT | IPS_DST_NAT
#define CT_NETNS_OF_SKB (-1)

// Whether the flow of this TCP or UDP packet may skip the node's conntrack: true when
// conntrack has no entry for it or one without NAT. `l4` points at the transport header.
static __always_inline int ct_allows_fast_path(struct __sk_buff *skb, struct bpf_sock_tuple *tuple, __u32 tuple_size,
                                               __u8 protocol) {
    struct ct_opts opts = {.netns_id = CT_NETNS_OF_SKB, .l4proto = protocol};
    struct nf_conn *ct = bpf_skb_ct_lookup(skb, tuple, tuple_size, &opts, sizeof(opts));
    if (!ct) return 1;
    unsigned long status = BPF_CORE_READ(ct, status);
    bpf_ct_release(ct);
    return !(status & CT_NAT_MASK);
}

// The fast path takes unfragmented TCP and UDP without IP options (everything else, ICMP
// included, keeps the kernel's handling: conntrack's related-packet NAT, reassembly).
static __always_inline int v4_fast_flow(struct __sk_buff *skb, struct iphdr *ip, void *end) {
    if (ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3FFF))) return 0;
    if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP) return 0;
    __be16 *ports = (void *)(ip + 1);
    if ((void *)(ports + 2) > end) return 0;
    struct bpf_sock_tuple tuple = {};
    tuple.ipv4.saddr = ip->saddr;
    tuple.ipv4.daddr = ip->daddr;
    tuple.ipv4.sport = ports[0];
    tuple.ipv4.dport = ports[1];
    return ct_allows_fast_path(skb, &tuple, sizeof(tuple.ipv4), ip->protocol);
}

static __always_inline int v6_fast_flow(struct __sk_buff *skb, struct ipv6hdr *ip6, void *end) {
    if (ip6->nexthdr != IPPROTO_TCP && ip6->nexthdr != IPPROTO_UDP) return 0;
    __be16 *ports = (void *)(ip6 + 1);
    if ((void *)(ports + 2) > end) return 0;
    struct bpf_sock_tuple tuple = {};
    __builtin_memcpy(tuple.ipv6.saddr, &ip6->saddr, 16);
    __builtin_memcpy(tuple.ipv6.daddr, &ip6->daddr, 16);
    tuple.ipv6.sport = ports[0];
    tuple.ipv6.dport = ports[1];
    return ct_allows_fast_path(skb, &tuple, sizeof(tuple.ipv6), ip6->nexthdr);
}

// Packets to a pod with one of these take the kernel path (bridge, then the host veth).
#define POD_KERNEL_IN (POD_SLOW_PATH | POD_SHAPED)

// Local pods by address (struct pod_key, struct pod_entry).
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16384);
    __type(key, struct pod_key);
    __type(value, struct pod_entry);
} swcni_pods SEC(".maps");

// Peer pod CIDRs reached through VXLAN (struct peer_key, struct peer_entry).
struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 4096);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct peer_key);
    __type(value, struct peer_entry);
} swcni_peers SEC(".maps");

// This node's settings (struct node_config).
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct node_config);
} swcni_node SEC(".maps");

struct vxlan_header {
    __be32 flags;
    __be32 vni;
};
#define VXLAN_FLAG_VNI 0x08000000
#define ENCAP_LEN (sizeof(struct iphdr) + sizeof(struct udphdr) + sizeof(struct vxlan_header) + sizeof(struct ethhdr))

static __always_inline void v4_key(struct pod_key *key, __be32 address) {
    __builtin_memset(key, 0, sizeof(*key));
    key->addr[10] = 0xff;
    key->addr[11] = 0xff;
    __builtin_memcpy(&key->addr[12], &address, 4);
}

static __always_inline int same_mac(const __u8 *a, const __u8 *b) {
    return *(const __u32 *)a == *(const __u32 *)b && *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

static __always_inline void set_macs(struct ethhdr *eth, const __u8 *dst, const __u8 *src) {
    __builtin_memcpy(eth->h_dest, dst, ETH_ALEN);
    __builtin_memcpy(eth->h_source, src, ETH_ALEN);
}

// RFC 1624 incremental update for the TTL decrement (as ip_decrease_ttl does).
static __always_inline void v4_decrement_ttl(struct iphdr *ip) {
    __u32 check = (__u32)ip->check;
    check += (__u32)bpf_htons(0x0100);
    ip->check = (__sum16)(check + (check >= 0xFFFF));
    ip->ttl--;
}

static __always_inline __u16 fold(__u32 sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return (__u16)~sum;
}

// Delivers a frame into a local pod's namespace. A frame that was switched (addressed to
// the pod's MAC) stays as it is; a routed one gets the TTL decrement and new MACs.
static __always_inline long deliver_v4(struct ethhdr *eth, struct iphdr *ip, const struct pod_entry *pod) {
    if (!same_mac(eth->h_dest, pod->mac)) {
        v4_decrement_ttl(ip);
        set_macs(eth, pod->mac, pod->gw_mac);
    }
    return bpf_redirect_peer(pod->ifindex, 0);
}

static __always_inline long deliver_v6(struct ethhdr *eth, struct ipv6hdr *ip6, const struct pod_entry *pod) {
    if (!same_mac(eth->h_dest, pod->mac)) {
        ip6->hop_limit--;
        set_macs(eth, pod->mac, pod->gw_mac);
    }
    return bpf_redirect_peer(pod->ifindex, 0);
}

// Wraps the (IPv4) frame in Ethernet/IPv4/UDP/VXLAN for `peer` and sends it out of the
// underlay device; the neighbour subsystem fills in the outer MACs.
static __always_inline long encapsulate_v4(struct __sk_buff *skb, const struct node_config *node,
                                           const struct peer_entry *peer) {
    __u32 inner_len = skb->len - sizeof(struct ethhdr);
    // Source port from the inner flow hash, in the kernel's default range 32768-60999.
    __u16 sport = (__u16)((((__u64)bpf_get_hash_recalc(skb)) * (60999 - 32768 + 1)) >> 32) + 32768;
    __be32 peer_ip = peer->underlay_ip;
    __u8 peer_mac[6];
    __builtin_memcpy(peer_mac, peer->vtep_mac, 6);
    // FIXED_GSO: the pod's MTU already leaves room for the headers, so a GSO packet's
    // segment size (the inner MSS) stays as it is.
    if (bpf_skb_adjust_room(skb, ENCAP_LEN, BPF_ADJ_ROOM_MAC,
                            BPF_F_ADJ_ROOM_FIXED_GSO | BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP |
                                BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(sizeof(struct ethhdr))))
        return TC_ACT_SHOT;
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *outer = data;
    struct iphdr *ip = (void *)(outer + 1);
    struct udphdr *udp = (void *)(ip + 1);
    struct vxlan_header *vx = (void *)(udp + 1);
    struct ethhdr *inner = (void *)(vx + 1);
    if ((void *)(inner + 1) > end) return TC_ACT_SHOT;
    outer->h_proto = bpf_htons(ETH_P_IP);
    ip->version = 4;
    ip->ihl = 5;
    ip->tos = 0;
    ip->tot_len = bpf_htons(inner_len + ENCAP_LEN);
    ip->id = 0;
    ip->frag_off = 0;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->check = 0;
    ip->saddr = node->underlay_ip;
    ip->daddr = peer_ip;
    __u32 sum = 0;
    __u16 *words = (__u16 *)ip;
#pragma unroll
    for (int i = 0; i < 10; i++) sum += words[i];
    ip->check = fold(sum);
    udp->source = bpf_htons(sport);
    udp->dest = node->port;
    udp->len = bpf_htons(inner_len + ENCAP_LEN - sizeof(struct iphdr));
    udp->check = 0;  // as the kernel VTEP sends over IPv4 (no udpcsum)
    vx->flags = bpf_htonl(VXLAN_FLAG_VNI);
    vx->vni = bpf_htonl(node->vni << 8);
    set_macs(inner, peer_mac, node->vtep_mac);
    inner->h_proto = bpf_htons(ETH_P_IP);
    struct bpf_redir_neigh next = {.nh_family = AF_INET, .ipv4_nh = peer_ip};
    return bpf_redirect_neigh(node->underlay_ifindex, &next, sizeof(next), 0);
}

// A frame the pod sent (ingress of its host-side veth).
static __always_inline int from_pod(struct __sk_buff *skb, const struct node_config *node) {
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) return TC_ACT_OK;
    struct bpf_fib_lookup fib = {};
    struct pod_key key;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *)(eth + 1);
        if ((void *)(ip + 1) > end || ip->ttl <= 1) return TC_ACT_OK;
        v4_key(&key, ip->saddr);
        struct pod_entry *src = bpf_map_lookup_elem(&swcni_pods, &key);
        // Only the pod's own address, from its own veth (no spoofed source takes this path).
        if (!src || src->ifindex != skb->ingress_ifindex || (src->flags & POD_SLOW_PATH)) return TC_ACT_OK;
        if (!v4_fast_flow(skb, ip, end)) return TC_ACT_OK;
        v4_key(&key, ip->daddr);
        struct pod_entry *dst = bpf_map_lookup_elem(&swcni_pods, &key);
        if (dst) {
            if (dst->flags & POD_KERNEL_IN) return TC_ACT_OK;
            return deliver_v4(eth, ip, dst);
        }
        if (node->underlay_ifindex) {
            struct peer_key peer_key = {.prefixlen = 128};
            __builtin_memcpy(peer_key.addr, key.addr, 16);
            struct peer_entry *peer = bpf_map_lookup_elem(&swcni_peers, &peer_key);
            if (peer) {
                v4_decrement_ttl(ip);
                return encapsulate_v4(skb, node, peer);
            }
        }
        fib.family = AF_INET;
        fib.tos = ip->tos;
        fib.ipv4_src = ip->saddr;
        fib.ipv4_dst = ip->daddr;
        fib.ifindex = skb->ingress_ifindex;
        // No tot_len: the MTU check is then the kernel's, which knows GSO packets.
        if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS || fib.ifindex != node->vtep_ifindex)
            return TC_ACT_OK;
        v4_decrement_ttl(ip);
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        if ((void *)(ip6 + 1) > end || ip6->hop_limit <= 1) return TC_ACT_OK;
        __builtin_memcpy(key.addr, &ip6->saddr, 16);
        struct pod_entry *src = bpf_map_lookup_elem(&swcni_pods, &key);
        if (!src || src->ifindex != skb->ingress_ifindex || (src->flags & POD_SLOW_PATH)) return TC_ACT_OK;
        if (!v6_fast_flow(skb, ip6, end)) return TC_ACT_OK;
        __builtin_memcpy(key.addr, &ip6->daddr, 16);
        struct pod_entry *dst = bpf_map_lookup_elem(&swcni_pods, &key);
        if (dst) {
            if (dst->flags & POD_KERNEL_IN) return TC_ACT_OK;
            return deliver_v6(eth, ip6, dst);
        }
        fib.family = AF_INET6;
        fib.flowinfo = *(__be32 *)ip6 & bpf_htonl(0x0FFFFFFF);
        __builtin_memcpy(fib.ipv6_src, &ip6->saddr, 16);
        __builtin_memcpy(fib.ipv6_dst, &ip6->daddr, 16);
        fib.ifindex = skb->ingress_ifindex;
        if (bpf_fib_lookup(skb, &fib, sizeof(fib), 0) != BPF_FIB_LKUP_RET_SUCCESS || fib.ifindex != node->vtep_ifindex)
            return TC_ACT_OK;
        ip6->hop_limit--;
    } else {
        return TC_ACT_OK;
    }
    // Routed into the VTEP: the kernel encapsulates (neighbour and FDB entries are ours).
    set_macs(eth, fib.dmac, fib.smac);
    return bpf_redirect(fib.ifindex, 0);
}

// A frame the kernel VTEP decapsulated.
static __always_inline int from_vtep(struct __sk_buff *skb) {
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end) return TC_ACT_OK;
    struct pod_key key;
    struct pod_entry *dst;
    if (eth->h_proto == bpf_htons(ETH_P_IP)) {
        struct iphdr *ip = (void *)(eth + 1);
        if ((void *)(ip + 1) > end || ip->ttl <= 1) return TC_ACT_OK;
        v4_key(&key, ip->daddr);
        dst = bpf_map_lookup_elem(&swcni_pods, &key);
        if (!dst || (dst->flags & POD_KERNEL_IN)) return TC_ACT_OK;
        if (!v4_fast_flow(skb, ip, end)) return TC_ACT_OK;
        v4_decrement_ttl(ip);
    } else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
        struct ipv6hdr *ip6 = (void *)(eth + 1);
        if ((void *)(ip6 + 1) > end || ip6->hop_limit <= 1) return TC_ACT_OK;
        __builtin_memcpy(key.addr, &ip6->daddr, 16);
        dst = bpf_map_lookup_elem(&swcni_pods, &key);
        if (!dst || (dst->flags & POD_KERNEL_IN)) return TC_ACT_OK;
        if (!v6_fast_flow(skb, ip6, end)) return TC_ACT_OK;
        ip6->hop_limit--;
    } else {
        return TC_ACT_OK;
    }
    set_macs(eth, dst->mac, dst->gw_mac);
    return bpf_redirect_peer(dst->ifindex, 0);
}

// A frame arriving on the underlay device: VXLAN for this node and VNI, inner IPv4 to a
// local pod, is decapsulated here; anything else goes on to the kernel.
static __always_inline int from_underlay(struct __sk_buff *skb, const struct node_config *node) {
    void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP)) return TC_ACT_OK;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end) return TC_ACT_OK;
    if (ip->ihl != 5 || ip->protocol != IPPROTO_UDP || ip->daddr != node->underlay_ip) return TC_ACT_OK;
    if (ip->frag_off & bpf_htons(0x3FFF)) return TC_ACT_OK;  // fragments: the kernel reassembles
    struct udphdr *udp = (void *)(ip + 1);
    struct vxlan_header *vx = (void *)(udp + 1);
    struct ethhdr *inner = (void *)(vx + 1);
    struct iphdr *inner_ip = (void *)(inner + 1);
    if ((void *)(inner_ip + 1) > end) return TC_ACT_OK;
    if (udp->dest != node->port || vx->flags != bpf_htonl(VXLAN_FLAG_VNI) || vx->vni != bpf_htonl(node->vni << 8))
        return TC_ACT_OK;
    if (inner->h_proto != bpf_htons(ETH_P_IP) || !same_mac(inner->h_dest, node->vtep_mac) || inner_ip->ttl <= 1)
        return TC_ACT_OK;
    struct pod_key key;
    v4_key(&key, inner_ip->daddr);
    struct pod_entry *dst = bpf_map_lookup_elem(&swcni_pods, &key);
    if (!dst || (dst->flags & POD_KERNEL_IN)) return TC_ACT_OK;
    if (!v4_fast_flow(skb, inner_ip, end)) return TC_ACT_OK;
    __u32 ifindex = dst->ifindex, flags = dst->flags;
    __u8 pod_mac[6], gw_mac[6];
    __builtin_memcpy(pod_mac, dst->mac, 6);
    __builtin_memcpy(gw_mac, dst->gw_mac, 6);
    // Remove outer IPv4/UDP/VXLAN and the inner Ethernet header; the outer Ethernet header
    // stays in front. FIXED_GSO keeps a GRO packet's segment size (the inner MSS). Kernels
    // with ADJ_ROOM_DECAP_L4_UDP also clear the tunnel offload state; on older ones a GSO
    // packet keeps it, which matters only to a pod that forwards it on (POD_FORWARDS).
    // A GSO packet for a pod that forwards goes to the kernel VTEP there, which resets it.
    if (bpf_skb_adjust_room(skb, -(__s32)ENCAP_LEN, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_DECAP_L4_UDP)) {
        if (skb->gso_size && (flags & POD_FORWARDS)) return TC_ACT_OK;
        if (bpf_skb_adjust_room(skb, -(__s32)ENCAP_LEN, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_FIXED_GSO)) return TC_ACT_OK;
    }
    data = (void *)(long)skb->data;
    end = (void *)(long)skb->data_end;
    eth = data;
    ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > end) return TC_ACT_SHOT;
    v4_decrement_ttl(ip);
    eth->h_proto = bpf_htons(ETH_P_IP);
    set_macs(eth, pod_mac, gw_mac);
    return bpf_redirect_peer(ifindex, 0);
}

SEC("tc")
int swcni_datapath(struct __sk_buff *skb) {
    __u32 zero = 0;
    struct node_config *node = bpf_map_lookup_elem(&swcni_node, &zero);
    if (!node || !node->vtep_ifindex) return TC_ACT_OK;
    if (skb->ingress_ifindex == node->vtep_ifindex) return from_vtep(skb);
    if (node->underlay_ifindex && skb->ingress_ifindex == node->underlay_ifindex) return from_underlay(skb, node);
    return from_pod(skb, node);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
