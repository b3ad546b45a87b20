/*
 * bridge_add_floor: the kernel work of one `bridge` + `host-local` ADD, and nothing else.
 *
 * The bench's "floor" (scripts/bench/cnibench.py, bridge section): the same netlink requests,
 * sysctl writes, namespace switches, nftables reads and host-local store files as our bridge
 * plugin's ADD with the bench's configuration (isGateway, host-local, one IPv4 range, no
 * ipMasq, no VLAN, no macspoofchk), for one container, but without what a CNI plugin needs
 * around them: no JSON configuration or result, no CNI environment, no sibling host-local
 * binary to look up, no Swift runtime start-up, no error reporting beyond a message. What
 * remains is the cost of the requests themselves plus one small C process: a lower bound
 * for any plugin doing the same work, so `ours / floor` says how much of our ADD is ours.
 *
 * The sequence (steady state: bridge, gateway address, forwarding and nftables accepts
 * already in place from an earlier ADD, as in every bench run but the first):
 *   main thread                                   | IPAM thread (started first)
 *   rtnl socket in the host; setns(pod), rtnl     | store dir: mkdir, open, lock (flock)
 *     socket in the pod, setns(back)              | .swift-cni/<id>:<if> (index) lookup
 *   GETLINK bridge by name (host)                 | read last_reserved_ip.0, stat candidates
 *   NEWLINK veth <ifname> in the pod, peer        | write index entry, O_TMPFILE + linkat
 *     veth%08x straight into the host (NET_NS_FD) |   the reservation, last_reserved_ip.0
 *   GETLINK <ifname> (pod), GETLINK veth (host)   | unlock
 *   sysctl ipv6 accept_ra=0 of the host veth      |
 *   SETLINK host veth: IFALIAS, MASTER, up        |
 *   -- nftables thread: lock /run/swift-cni/nftables.lock, dump tables, chains and the
 *      forward chain's rules of inet swcni_bridge; a libnftables transaction only for what
 *      is missing of the network's accepts (the first ADD of the network on the node)
 *   join IPAM; setns(pod): accept_dad=0, arp_notify=1, ndisc_notify=1; setns(back)
 *   NEWADDR <ip>/<len> brd on <ifname>, SETLINK <ifname> up (pod)
 *   GETADDR dump of the bridge (host): gateway present (else NEWADDR + pin the bridge MAC)
 *   read net.ipv4.ip_forward (write 1 when not 1)
 *   GETLINK host veth until operstate UP; SETLINK <ifname> MAC to itself (announce, pod)
 *   GETLINK bridge (host); join nftables; one line on stdout
 * When the bridge is missing it is created first as ours does (NEWLINK bridge, accept_ra=0,
 * up). Threads as ours, so the overlap of IPAM and nftables with the netlink work is the
 * same on both sides.
 *
 * Usage:
 *   bridge_add_floor add NETNS IFNAME BRIDGE SUBNET STORE_DIR NETWORK CONTAINER_ID
 *   bridge_add_floor del NETNS IFNAME BRIDGE SUBNET STORE_DIR NETWORK CONTAINER_ID
 * SUBNET is an IPv4 prefix (10.66.0.0/16); the gateway is its first address, as host-local's
 * default. `del` (bench cleanup, not a figure) deletes <ifname> in the pod and the
 * attachment's store files. Build: cc -O2 -o bridge_add_floor bridge_add_floor.c -lmnl
 * -lpthread -ldl (libnftables is loaded with dlopen only when a transaction is needed, as ours).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#define DEVCONF_ACCEPT_RA 3
#define NFT_LOCK_PATH "/run/swift-cni/nftables.lock"
#define NFT_TABLE "swcni_bridge"

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bridge_add_floor: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- parameters ---- */

static const char *netns_path, *ifname, *bridge_name, *store_dir, *network, *container_id;
static uint32_t subnet_net, subnet_mask; /* host order */
static int prefix_len;

static void parse_subnet(const char *text) {
    char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    char *slash = strchr(buf, '/');
    if (!slash) die("subnet %s: no prefix length", text);
    *slash = 0;
    prefix_len = atoi(slash + 1);
    struct in_addr a;
    if (inet_pton(AF_INET, buf, &a) != 1 || prefix_len < 1 || prefix_len > 30) die("subnet %s: not an IPv4 prefix", text);
    subnet_mask = prefix_len == 0 ? 0 : 0xffffffffu << (32 - prefix_len);
    subnet_net = ntohl(a.s_addr) & subnet_mask;
}

static void ip_text(uint32_t ip, char *out) {
    struct in_addr a = {htonl(ip)};
    inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* ---- rtnetlink ---- */

struct nl {
    struct mnl_socket *sock;
    unsigned portid;
    unsigned seq;
};

static void nl_open(struct nl *nl) {
    nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) die("netlink socket: %m");
    nl->portid = mnl_socket_get_portid(nl->sock);
    int one = 1;
    mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
    mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof one);
    mnl_socket_setsockopt(nl->sock, NETLINK_GET_STRICT_CHK, &one, sizeof one);
    nl->seq = (unsigned)time(NULL);
}

/* Sends one request and reads replies until its ACK or NLMSG_DONE; 0 or -errno. */
static int nl_request(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data) {
    static char buf[65536];
    nlh->nlmsg_seq = ++nl->seq;
    if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) die("netlink send: %m");
    int ret;
    do {
        ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof buf);
        if (n < 0) die("netlink recv: %m");
        ret = mnl_cb_run(buf, n, nlh->nlmsg_seq, nl->portid, cb, data);
    } while (ret > 0);
    return ret < 0 ? -errno : 0;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int index) {
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
    ifi->ifi_index = index;
    return nlh;
}

struct link {
    int index;
    unsigned flags;
    unsigned char operstate;
    char kind[16];
    unsigned char mac[6];
    int accept_ra; /* -1: unknown */
};

static int inet6_conf_cb(const struct nlattr *attr, void *data) {
    struct link *l = data;
    if (mnl_attr_get_type(attr) == IFLA_INET6_CONF && mnl_attr_get_payload_len(attr) > DEVCONF_ACCEPT_RA * 4)
        l->accept_ra = ((int32_t *)mnl_attr_get_payload(attr))[DEVCONF_ACCEPT_RA];
    return MNL_CB_OK;
}

static int af_spec_cb(const struct nlattr *attr, void *data) {
    if (mnl_attr_get_type(attr) == AF_INET6) mnl_attr_parse_nested(attr, inet6_conf_cb, data);
    return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *attr, void *data) {
    struct link *l = data;
    if (mnl_attr_get_type(attr) == IFLA_INFO_KIND) snprintf(l->kind, sizeof l->kind, "%s", mnl_attr_get_str(attr));
    return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data) {
    struct link *l = data;
    switch (mnl_attr_get_type(attr)) {
    case IFLA_OPERSTATE: l->operstate = mnl_attr_get_u8(attr); break;
    case IFLA_ADDRESS:
        if (mnl_attr_get_payload_len(attr) == 6) memcpy(l->mac, mnl_attr_get_payload(attr), 6);
        break;
    case IFLA_LINKINFO: mnl_attr_parse_nested(attr, linkinfo_cb, l); break;
    case IFLA_AF_SPEC: mnl_attr_parse_nested(attr, af_spec_cb, l); break;
    }
    return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data) {
    struct link *l = data;
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    memset(l, 0, sizeof *l);
    l->accept_ra = -1;
    l->index = ifi->ifi_index;
    l->flags = ifi->ifi_flags;
    mnl_attr_parse(nlh, sizeof *ifi, link_attr_cb, l);
    return MNL_CB_OK;
}

/* GETLINK by name (index 0) or by index; 0, -ENODEV or another -errno. */
static int get_link(struct nl *nl, const char *name, int index, struct link *out) {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, index);
    if (name) mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    out->index = 0;
    return nl_request(nl, nlh, link_cb, out);
}

static void must_get_link(struct nl *nl, const char *name, int index, struct link *out) {
    int err = get_link(nl, name, index, out);
    if (err) die("get link %s/%d: %s", name ? name : "", index, strerror(-err));
}

static void set_up(struct nl *nl, int index) {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, index);
    struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    int err = nl_request(nl, nlh, NULL, NULL);
    if (err) die("set link %d up: %s", index, strerror(-err));
}

static void set_mac(struct nl *nl, int index, const unsigned char mac[6]) {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, index);
    mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
    int err = nl_request(nl, nlh, NULL, NULL);
    if (err) die("set MAC of link %d: %s", index, strerror(-err));
}

static void add_address(struct nl *nl, int index, uint32_t ip) {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_NEWADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
    struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = prefix_len;
    ifa->ifa_index = index;
    uint32_t addr = htonl(ip), brd = htonl(ip | ~subnet_mask);
    mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
    mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
    mnl_attr_put_u32(nlh, IFA_BROADCAST, brd);
    int err = nl_request(nl, nlh, NULL, NULL);
    if (err && err != -EEXIST) die("add address to link %d: %s", index, strerror(-err));
}

struct addr_search {
    uint32_t wanted; /* network order */
    bool found, other;
};

static int addr_attr_cb(const struct nlattr *attr, void *data) {
    struct addr_search *s = data;
    if (mnl_attr_get_type(attr) == IFA_LOCAL) {
        if (mnl_attr_get_u32(attr) == s->wanted) s->found = true;
        else s->other = true;
    }
    return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data) {
    mnl_attr_parse(nlh, sizeof(struct ifaddrmsg), addr_attr_cb, data);
    return MNL_CB_OK;
}

/* ---- namespaces and sysctls ---- */

static int host_ns = -1, pod_ns = -1;

static void enter(int fd) {
    if (setns(fd, CLONE_NEWNET) != 0) die("setns: %m");
}

static void sysctl_write(const char *path, const char *value) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return; /* as ours: best effort (IPv6 may be off) */
    if (write(fd, value, strlen(value)) < 0) { /* best effort */ }
    close(fd);
}

/* ---- host-local store (IPAM thread) ---- */

struct ipam {
    uint32_t ip;
    int error;
    char what[4700];
};

static int write_file_at(int dir, const char *name, const char *content) {
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    size_t n = strlen(content);
    if (write(fd, content, n) != (ssize_t)n || ftruncate(fd, n) != 0) {
        close(fd);
        return -1;
    }
    return close(fd);
}

static void *ipam_thread(void *arg) {
    struct ipam *r = arg;
    char path[4096], entry[512], text[INET_ADDRSTRLEN];
#define FAIL(...) do { snprintf(r->what, sizeof r->what, __VA_ARGS__); r->error = errno; return NULL; } while (0)
    snprintf(path, sizeof path, "%s/%s", store_dir, network);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        if (errno != ENOENT || mkdir(store_dir, 0755) != 0 || mkdir(path, 0755) != 0) FAIL("mkdir %s", path);
    }
    int dir = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (dir < 0) FAIL("open %s", path);
    int lock = openat(dir, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) FAIL("lock %s/lock", path);

    /* An address already reserved for this attachment (ours' duplicate check, by index). */
    snprintf(entry, sizeof entry, "%s:%s", container_id, ifname);
    int index = openat(dir, ".swift-cni", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (index >= 0) {
        int fd = openat(index, entry, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) { errno = EEXIST; FAIL("%s already has an address", entry); }
    }

    /* host-local's allocator: round robin from last_reserved_ip.0, skipping the gateway. */
    uint32_t first = subnet_net + 1, last = (subnet_net | ~subnet_mask) - 1, gateway = subnet_net + 1;
    uint32_t cursor = last;
    int fd = openat(dir, "last_reserved_ip.0", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        char buf[64] = {0};
        fstat(fd, &st);
        ssize_t n = read(fd, buf, sizeof buf - 1);
        if (n > 0 && read(fd, buf + n, sizeof buf - 1 - n) >= 0) {
            struct in_addr a;
            if (inet_pton(AF_INET, buf, &a) == 1 && ntohl(a.s_addr) >= first && ntohl(a.s_addr) <= last) cursor = ntohl(a.s_addr);
        }
        close(fd);
    }
    uint32_t ip = 0;
    for (uint32_t i = 0, candidate = cursor; i <= last - first; i++) {
        candidate = candidate >= last ? first : candidate + 1;
        if (candidate == gateway) continue;
        struct stat st;
        ip_text(candidate, text);
        if (fstatat(dir, text, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT) {
            ip = candidate;
            break;
        }
    }
    if (!ip) { errno = ENOSPC; FAIL("no free address in the range"); }

    if (index < 0) {
        if (mkdirat(dir, ".swift-cni", 0755) != 0 && errno != EEXIST) FAIL("mkdir .swift-cni");
        index = openat(dir, ".swift-cni", O_RDONLY | O_CLOEXEC | O_DIRECTORY);
        if (index < 0) FAIL("open .swift-cni");
    }
    char content[128];
    snprintf(content, sizeof content, "swift-cni attachment-index v1\n%s\n", text);
    if (write_file_at(index, entry, content) != 0) FAIL("write index entry %s", entry);
    int tmp = openat(dir, ".", O_WRONLY | O_CLOEXEC | O_TMPFILE, 0644);
    if (tmp < 0) FAIL("O_TMPFILE in %s", path);
    snprintf(content, sizeof content, "%s\r\n%s", container_id, ifname);
    if (write(tmp, content, strlen(content)) < 0 || linkat(tmp, "", dir, text, AT_EMPTY_PATH) != 0) FAIL("reserve %s", text);
    close(tmp);
    if (write_file_at(dir, "last_reserved_ip.0", text) != 0) FAIL("write last_reserved_ip.0");
    flock(lock, LOCK_UN);
    close(dir);
    close(lock);
    close(index);
    r->ip = ip;
    return NULL;
#undef FAIL
}

/* ---- nftables (rules thread) ---- */

static uint64_t fnv64(const char **parts, int count) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < count; i++) {
        if (i > 0) h *= 0x100000001b3ull; /* the 0 separator: h ^= 0 */
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
            h ^= *p;
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

static uint32_t fnv32(const char *text) {
    uint32_t h = 0x811c9dc5u;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        h ^= *p;
        h *= 0x01000193u;
    }
    return h;
}

struct rules {
    int error;
    char what[200];
    /* What the dumps found. */
    bool table, member_chain, forward_chain;
    int accepts_found;
    char member[64], comments[2][128], expr[2][160];
};

static int nft_table_cb(const struct nlattr *attr, void *data) {
    struct rules *r = data;
    if (mnl_attr_get_type(attr) == NFTA_TABLE_NAME && strcmp(mnl_attr_get_str(attr), NFT_TABLE) == 0) r->table = true;
    return MNL_CB_OK;
}

struct chain_seen {
    char table[64], name[64];
};

static int nft_chain_attr_cb(const struct nlattr *attr, void *data) {
    struct chain_seen *c = data;
    if (mnl_attr_get_type(attr) == NFTA_CHAIN_TABLE) snprintf(c->table, sizeof c->table, "%s", mnl_attr_get_str(attr));
    if (mnl_attr_get_type(attr) == NFTA_CHAIN_NAME) snprintf(c->name, sizeof c->name, "%s", mnl_attr_get_str(attr));
    return MNL_CB_OK;
}

static int nft_chain_cb(const struct nlmsghdr *nlh, void *data) {
    struct rules *r = data;
    struct chain_seen c = {{0}, {0}};
    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), nft_chain_attr_cb, &c);
    if (strcmp(c.table, NFT_TABLE) != 0) return MNL_CB_OK;
    if (strcmp(c.name, r->member) == 0) r->member_chain = true;
    if (strcmp(c.name, "forward") == 0) r->forward_chain = true;
    return MNL_CB_OK;
}

static int nft_rule_attr_cb(const struct nlattr *attr, void *data) {
    struct rules *r = data;
    if (mnl_attr_get_type(attr) != NFTA_RULE_USERDATA) return MNL_CB_OK;
    /* udata TLVs: type (1 byte), length (1 byte), value; the comment is type 0, NUL included. */
    const unsigned char *p = mnl_attr_get_payload(attr), *end = p + mnl_attr_get_payload_len(attr);
    while (p + 2 <= end && p + 2 + p[1] <= end) {
        if (p[0] == 0 && p[1] > 0) {
            for (int i = 0; i < 2; i++)
                if (strncmp((const char *)p + 2, r->comments[i], p[1]) == 0) r->accepts_found |= 1 << i;
        }
        p += 2 + p[1];
    }
    return MNL_CB_OK;
}

static int nft_rule_cb(const struct nlmsghdr *nlh, void *data) {
    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), nft_rule_attr_cb, data);
    return MNL_CB_OK;
}

static int nft_table_msg_cb(const struct nlmsghdr *nlh, void *data) {
    mnl_attr_parse(nlh, sizeof(struct nfgenmsg), nft_table_cb, data);
    return MNL_CB_OK;
}

static int nft_dump(struct mnl_socket *s, unsigned portid, unsigned seq, uint16_t msg, const char *chain,
                    mnl_cb_t cb, struct rules *r) {
    static char buf[65536];
    char req[512];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
    nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | msg;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    nlh->nlmsg_seq = seq;
    struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
    nfg->nfgen_family = NFPROTO_INET;
    nfg->version = NFNETLINK_V0;
    if (chain) {
        mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, NFT_TABLE);
        mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
    }
    if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0) return -1;
    int ret;
    do {
        ssize_t n = mnl_socket_recvfrom(s, buf, sizeof buf);
        if (n < 0) return -1;
        ret = mnl_cb_run(buf, n, seq, portid, cb, r);
    } while (ret > 0);
    return ret < 0 && errno != ENOENT ? -1 : 0;
}

/* What is missing of the network's accepts (all of it on the node's first ADD: table, forward
 * base chain, the network's membership chain, the two rules), in one libnftables JSON
 * transaction, as ours. (Ours also deletes the network's stale rules, with another bridge's
 * digest: not a bench state, not in the floor.) */
static int nft_install(struct rules *r) {
    void *lib = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { snprintf(r->what, sizeof r->what, "dlopen libnftables.so.1: %s", dlerror()); return -1; }
    void *(*ctx_new)(uint32_t) = (void *(*)(uint32_t))dlsym(lib, "nft_ctx_new");
    void (*ctx_free)(void *) = (void (*)(void *))dlsym(lib, "nft_ctx_free");
    int (*run)(void *, const char *) = (int (*)(void *, const char *))dlsym(lib, "nft_run_cmd_from_buffer");
    int (*buffer_output)(void *) = (int (*)(void *))dlsym(lib, "nft_ctx_buffer_output");
    int (*buffer_error)(void *) = (int (*)(void *))dlsym(lib, "nft_ctx_buffer_error");
    const char *(*get_error)(void *) = (const char *(*)(void *))dlsym(lib, "nft_ctx_get_error_buffer");
    void (*set_output_flags)(void *, unsigned) = (void (*)(void *, unsigned))dlsym(lib, "nft_ctx_output_set_flags");
    if (!ctx_new || !ctx_free || !run || !buffer_output || !buffer_error || !get_error || !set_output_flags) {
        snprintf(r->what, sizeof r->what, "libnftables: missing symbols");
        return -1;
    }
    void *ctx = ctx_new(0);
    buffer_output(ctx);
    buffer_error(ctx);
    set_output_flags(ctx, 1u << 4 /* NFT_CTX_OUTPUT_JSON: JSON input accepted */);
    char json[2048];
    size_t n = snprintf(json, sizeof json, "{\"nftables\":[");
#define APPEND(...) n += snprintf(json + n, n < sizeof json ? sizeof json - n : 0, __VA_ARGS__)
    if (!r->table) APPEND("{\"add\":{\"table\":{\"family\":\"inet\",\"name\":\"" NFT_TABLE "\"}}},");
    if (!r->forward_chain)
        APPEND("{\"add\":{\"chain\":{\"family\":\"inet\",\"table\":\"" NFT_TABLE "\",\"name\":\"forward\","
               "\"type\":\"filter\",\"hook\":\"forward\",\"prio\":0,\"policy\":\"accept\"}}},");
    if (!r->member_chain)
        APPEND("{\"add\":{\"chain\":{\"family\":\"inet\",\"table\":\"" NFT_TABLE "\",\"name\":\"%s\"}}},", r->member);
    for (int i = 0; i < 2; i++)
        if (!(r->accepts_found & (1 << i)))
            APPEND("{\"add\":{\"rule\":{\"family\":\"inet\",\"table\":\"" NFT_TABLE "\",\"chain\":\"forward\","
                   "\"expr\":%s,\"comment\":\"%s\"}}},", r->expr[i], r->comments[i]);
    if (n < sizeof json) n--; /* over the last comma */
    APPEND("]}");
#undef APPEND
    int rc = n < sizeof json ? run(ctx, json) : -1;
    if (rc != 0) snprintf(r->what, sizeof r->what, "libnftables: %s", get_error(ctx));
    ctx_free(ctx);
    return rc;
}

static void *rules_thread(void *arg) {
    struct rules *r = arg;
    /* The network's forward accepts, tagged as ours tags them (NFTables/Ownership). */
    const char *net_parts[] = {network}, *member_parts[] = {network, "", ""};
    char network_key[17];
    snprintf(network_key, sizeof network_key, "%016llx", (unsigned long long)fnv64(net_parts, 1));
    snprintf(r->member, sizeof r->member, "m-%s-%016llx", network_key, (unsigned long long)fnv64(member_parts, 3));
    const char *dirs[2] = {"iifname", "oifname"};
    for (int i = 0; i < 2; i++) {
        snprintf(r->expr[i], sizeof r->expr[i],
                 "[{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"%s\"}},\"right\":\"%s\"}},{\"accept\":null}]",
                 dirs[i], bridge_name);
        /* "swcni n=<network key> h=<digest> br=<bridge> <network>", within 127 bytes */
        int n = snprintf(r->comments[i], sizeof r->comments[i], "swcni n=%s h=%08x", network_key, fnv32(r->expr[i]));
        snprintf(r->comments[i] + n, sizeof r->comments[i] - n, " br=%s %s", bridge_name, network);
        r->comments[i][127] = 0;
    }

    struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
    if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
        snprintf(r->what, sizeof r->what, "netfilter socket: %m");
        r->error = errno;
        return NULL;
    }
    unsigned portid = mnl_socket_get_portid(s);
    int lock = open(NFT_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 && errno == ENOENT && (mkdir("/run/swift-cni", 0755) == 0 || errno == EEXIST))
        lock = open(NFT_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || flock(lock, LOCK_EX) != 0) {
        snprintf(r->what, sizeof r->what, "lock " NFT_LOCK_PATH ": %m");
        r->error = errno;
        return NULL;
    }
    int rc = nft_dump(s, portid, 2, NFT_MSG_GETTABLE, NULL, nft_table_msg_cb, r);
    if (rc == 0 && r->table) rc = nft_dump(s, portid, 3, NFT_MSG_GETCHAIN, NULL, nft_chain_cb, r);
    if (rc == 0 && r->table && r->forward_chain)
        rc = nft_dump(s, portid, 4, NFT_MSG_GETRULE, "forward", nft_rule_cb, r);
    if (rc != 0) {
        snprintf(r->what, sizeof r->what, "nftables dump: %m");
        r->error = errno;
    } else if (!(r->table && r->member_chain && r->forward_chain && r->accepts_found == 3)) {
        if (nft_install(r) != 0) r->error = EIO;
    }
    close(lock);
    mnl_socket_close(s);
    return NULL;
}

/* ---- ADD ---- */

static void add(void) {
    struct nl host, pod;
    nl_open(&host);
    pod_ns = open(netns_path, O_RDONLY | O_CLOEXEC);
    if (pod_ns < 0) die("open %s: %m", netns_path);
    host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (host_ns < 0) die("open own netns: %m");
    enter(pod_ns);
    nl_open(&pod);
    enter(host_ns);

    struct ipam ipam = {0};
    pthread_t ipam_tid, rules_tid;
    if (pthread_create(&ipam_tid, NULL, ipam_thread, &ipam) != 0) die("pthread_create");

    /* The bridge: created, accept_ra=0 and up when missing (ours' BridgeSetup.ensure). */
    struct link br;
    int err = get_link(&host, bridge_name, 0, &br);
    if (err == -ENODEV) {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, bridge_name);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
        mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, IFLA_INFO_DATA));
        mnl_attr_nest_end(nlh, info);
        err = nl_request(&host, nlh, NULL, NULL);
        if (err && err != -EEXIST) die("create bridge %s: %s", bridge_name, strerror(-err));
        must_get_link(&host, bridge_name, 0, &br);
        if (br.accept_ra != 0) {
            char path[128];
            snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_ra", bridge_name);
            sysctl_write(path, "0");
        }
        if (!(br.flags & IFF_UP)) set_up(&host, br.index);
        must_get_link(&host, NULL, br.index, &br);
    } else if (err) {
        die("look up bridge %s: %s", bridge_name, strerror(-err));
    } else {
        if (strcmp(br.kind, "bridge") != 0) die("%s is not a bridge", bridge_name);
        if (br.accept_ra != 0) {
            char path[128];
            snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_ra", bridge_name);
            sysctl_write(path, "0");
        }
        if (!(br.flags & IFF_UP)) {
            set_up(&host, br.index);
            must_get_link(&host, NULL, br.index, &br);
        }
    }

    /* The veth pair, made in the pod with the peer placed in the host in one request. */
    int self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    char host_veth[IFNAMSIZ];
    for (int attempt = 0;; attempt++) {
        uint32_t r;
        if (getrandom(&r, sizeof r, 0) != sizeof r) die("getrandom: %m");
        snprintf(host_veth, sizeof host_veth, "veth%08x", r);
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
        mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
        struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
        mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
        mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
        mnl_attr_put_strz(nlh, IFLA_IFNAME, host_veth);
        mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, self_ns);
        mnl_attr_nest_end(nlh, peer);
        mnl_attr_nest_end(nlh, data);
        mnl_attr_nest_end(nlh, info);
        err = nl_request(&pod, nlh, NULL, NULL);
        if (!err) break;
        if (err != -EEXIST || attempt == 9) die("create veth %s/%s: %s", ifname, host_veth, strerror(-err));
        struct link existing;
        if (get_link(&pod, ifname, 0, &existing) == 0) die("%s already exists in the pod", ifname);
    }
    close(self_ns);
    struct link cont, hveth;
    must_get_link(&pod, ifname, 0, &cont);
    must_get_link(&host, host_veth, 0, &hveth);

    /* The host end: accept_ra=0, then alias, master and up in one request. */
    char path[160];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_ra", host_veth);
    sysctl_write(path, "0");
    {
        char buf[MNL_SOCKET_BUFFER_SIZE], alias[300];
        struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, 0, hveth.index);
        struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
        ifi->ifi_flags = IFF_UP;
        ifi->ifi_change = IFF_UP;
        snprintf(alias, sizeof alias, "swcni:%s/%s/%s", network, container_id, ifname);
        mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
        mnl_attr_put_u32(nlh, IFLA_MASTER, br.index);
        err = nl_request(&host, nlh, NULL, NULL);
        if (err) die("attach %s to %s: %s", host_veth, bridge_name, strerror(-err));
    }

    struct rules rules = {0};
    if (pthread_create(&rules_tid, NULL, rules_thread, &rules) != 0) die("pthread_create");

    pthread_join(ipam_tid, NULL);
    if (ipam.error) die("host-local: %s: %s", ipam.what, strerror(ipam.error));

    /* Container sysctls, written from inside the pod. */
    enter(pod_ns);
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/accept_dad", ifname);
    sysctl_write(path, "0");
    snprintf(path, sizeof path, "/proc/sys/net/ipv4/conf/%s/arp_notify", ifname);
    sysctl_write(path, "1");
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/ndisc_notify", ifname);
    sysctl_write(path, "1");
    enter(host_ns);

    add_address(&pod, cont.index, ipam.ip);
    set_up(&pod, cont.index);

    /* The gateway on the bridge (ours' GatewaySetup.ensureAddress), then forwarding. */
    uint32_t gateway = subnet_net + 1;
    {
        char buf[MNL_SOCKET_BUFFER_SIZE];
        struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
        nlh->nlmsg_type = RTM_GETADDR;
        nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof *ifa);
        ifa->ifa_family = AF_INET;
        ifa->ifa_index = br.index;
        struct addr_search search = {htonl(gateway), false, false};
        err = nl_request(&host, nlh, addr_cb, &search);
        if (err) die("list addresses of %s: %s", bridge_name, strerror(-err));
        if (search.other && !search.found) die("%s has another IPv4 address (forceAddress is not in the floor)", bridge_name);
        if (!search.found) {
            add_address(&host, br.index, gateway);
            set_mac(&host, br.index, br.mac); /* pin: the bridge stops following its ports */
        }
    }
    {
        char value[8] = {0};
        int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (read(fd, value, sizeof value - 1) < 0) value[0] = 0;
            close(fd);
        }
        if (strncmp(value, "1", 1) != 0) sysctl_write("/proc/sys/net/ipv4/ip_forward", "1");
    }

    /* The bridge port forwards once both ends are up. */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        must_get_link(&host, NULL, hveth.index, &hveth);
        if (hveth.operstate == IF_OPER_UP) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 > 2500)
            die("bridge port %s not up", host_veth);
        usleep(1000);
    }
    set_mac(&pod, cont.index, cont.mac); /* NETDEV_CHANGEADDR: gratuitous ARP once the port forwards */
    must_get_link(&host, NULL, br.index, &br);

    pthread_join(rules_tid, NULL);
    if (rules.error) die("nftables: %s", rules.what);

    char text[INET_ADDRSTRLEN];
    ip_text(ipam.ip, text);
    printf("%s/%d %s\n", text, prefix_len, host_veth);
}

/* ---- DEL (bench cleanup only) ---- */

static void del(void) {
    struct nl pod;
    pod_ns = open(netns_path, O_RDONLY | O_CLOEXEC);
    host_ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (pod_ns < 0 || host_ns < 0) die("open namespaces: %m");
    enter(pod_ns);
    nl_open(&pod);
    enter(host_ns);
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, 0);
    mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
    int err = nl_request(&pod, nlh, NULL, NULL);
    if (err && err != -ENODEV) die("delete %s: %s", ifname, strerror(-err));

    char path[4096], entry[512], content[128] = {0};
    snprintf(path, sizeof path, "%s/%s", store_dir, network);
    int dir = open(path, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (dir < 0) return;
    int lock = openat(dir, "lock", O_RDONLY | O_CREAT | O_CLOEXEC, 0600);
    if (lock >= 0) flock(lock, LOCK_EX);
    snprintf(entry, sizeof entry, ".swift-cni/%s:%s", container_id, ifname);
    int fd = openat(dir, entry, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, content, sizeof content - 1);
        close(fd);
        char *ip = n > 0 ? strchr(content, '\n') : NULL;
        if (ip) {
            char *end = strchr(++ip, '\n');
            if (end) *end = 0;
            unlinkat(dir, ip, 0);
        }
        unlinkat(dir, entry, 0);
        unlinkat(dir, ".swift-cni", AT_REMOVEDIR);
    }
    if (lock >= 0) close(lock);
    close(dir);
}

int main(int argc, char **argv) {
    if (argc != 9 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0)) {
        fprintf(stderr, "usage: %s add|del NETNS IFNAME BRIDGE SUBNET STORE_DIR NETWORK CONTAINER_ID\n", argv[0]);
        return 2;
    }
    netns_path = argv[2];
    ifname = argv[3];
    bridge_name = argv[4];
    parse_subnet(argv[5]);
    store_dir = argv[6];
    network = argv[7];
    container_id = argv[8];
    if (strcmp(argv[1], "add") == 0) add();
    else del();
    return 0;
}
