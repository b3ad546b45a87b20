#include "datapath_layout.h"
#include "vxlan_datapath.h"

#include <stddef.h>

struct swcni_dp_layout swcni_dp_layout(void) {
    return (struct swcni_dp_layout){
        .pod_key_size = sizeof(struct pod_key),
        .pod_key_addr = offsetof(struct pod_key, addr),
        .pod_entry_size = sizeof(struct pod_entry),
        .pod_entry_ifindex = offsetof(struct pod_entry, ifindex),
        .pod_entry_flags = offsetof(struct pod_entry, flags),
        .pod_entry_mac = offsetof(struct pod_entry, mac),
        .pod_entry_gw_mac = offsetof(struct pod_entry, gw_mac),
        .peer_key_size = sizeof(struct peer_key),
        .peer_key_prefixlen = offsetof(struct peer_key, prefixlen),
        .peer_key_addr = offsetof(struct peer_key, addr),
        .peer_entry_size = sizeof(struct peer_entry),
        .peer_entry_underlay_ip = offsetof(struct peer_entry, underlay_ip),
        .peer_entry_vtep_mac = offsetof(struct peer_entry, vtep_mac),
        .node_config_size = sizeof(struct node_config),
        .node_config_vtep_ifindex = offsetof(struct node_config, vtep_ifindex),
        .node_config_underlay_ifindex = offsetof(struct node_config, underlay_ifindex),
        .node_config_underlay_ip = offsetof(struct node_config, underlay_ip),
        .node_config_vni = offsetof(struct node_config, vni),
        .node_config_port = offsetof(struct node_config, port),
        .node_config_vtep_mac = offsetof(struct node_config, vtep_mac),
        .pod_slow_path = POD_SLOW_PATH,
        .pod_forwards = POD_FORWARDS,
        .pod_shaped = POD_SHAPED,
    };
}
