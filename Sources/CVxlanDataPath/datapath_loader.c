#include "vxlan_datapath.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

/* swift-cni's tc filter: handle and priority no other tool is expected to use ("SC"). */
#define SWCNI_TC_HANDLE 0x5343
#define SWCNI_TC_PRIORITY 0x5343

/* libbpf's own messages go to stderr only while loading (a verifier rejection explains
 * itself there); the netlink errors of expected conditions (no clsact yet, no filter)
 * are returned as errno values and would only be noise. */
static int print_warnings(enum libbpf_print_level level, const char *format, va_list args) {
    if (level != LIBBPF_WARN) return 0;
    return vfprintf(stderr, format, args);
}

static int print_nothing(enum libbpf_print_level level, const char *format, va_list args) {
    (void)level;
    (void)format;
    (void)args;
    return 0;
}

__attribute__((constructor)) static void quiet_libbpf(void) { libbpf_set_print(print_nothing); }

static int dup_fd(int fd) {
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    return copy < 0 ? -errno : copy;
}

static void close_maps(struct swcni_dp_maps *maps) {
    if (maps->pods >= 0) close(maps->pods);
    if (maps->peers >= 0) close(maps->peers);
    if (maps->node >= 0) close(maps->node);
    maps->pods = maps->peers = maps->node = -1;
}

int swcni_dp_load(struct swcni_dp_maps *maps) {
    maps->pods = maps->peers = maps->node = -1;
    libbpf_set_print(print_warnings);
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "swcni_datapath");
    struct bpf_object *object = bpf_object__open_mem(swcni_datapath_object, swcni_datapath_object_size, &opts);
    if (!object) {
        int error = -errno;
        libbpf_set_print(print_nothing);
        return error;
    }
    int result = bpf_object__load(object);
    if (result) {
        bpf_object__close(object);
        libbpf_set_print(print_nothing);
        return result < 0 ? result : -EINVAL;
    }
    struct bpf_program *program = bpf_object__find_program_by_name(object, "swcni_datapath");
    int prog_fd = program ? dup_fd(bpf_program__fd(program)) : -ENOENT;
    if (prog_fd >= 0) {
        int pods = bpf_object__find_map_fd_by_name(object, "swcni_pods");
        int peers = bpf_object__find_map_fd_by_name(object, "swcni_peers");
        int node = bpf_object__find_map_fd_by_name(object, "swcni_node");
        if (pods < 0 || peers < 0 || node < 0) {
            result = -ENOENT;
        } else {
            maps->pods = dup_fd(pods);
            maps->peers = dup_fd(peers);
            maps->node = dup_fd(node);
            if (maps->pods < 0 || maps->peers < 0 || maps->node < 0) result = -EMFILE;
        }
        if (result) {
            close_maps(maps);
            close(prog_fd);
            prog_fd = result;
        }
    }
    bpf_object__close(object);
    libbpf_set_print(print_nothing);
    return prog_fd;
}

int swcni_dp_find(int ifindex) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SWCNI_TC_HANDLE, .priority = SWCNI_TC_PRIORITY);
    int result = bpf_tc_query(&hook, &opts);
    if (result) return result == -EINVAL ? -ENOENT : result;
    int fd = bpf_prog_get_fd_by_id(opts.prog_id);
    return fd < 0 ? -errno : fd;
}

int swcni_dp_prog_id(int prog_fd, unsigned int *id) {
    struct bpf_prog_info info;
    memset(&info, 0, sizeof(info));
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length)) return -errno;
    *id = info.id;
    return 0;
}

int swcni_dp_maps_of(int prog_fd, struct swcni_dp_maps *maps) {
    maps->pods = maps->peers = maps->node = -1;
    __u32 ids[8];
    struct bpf_prog_info info;
    memset(&info, 0, sizeof(info));
    info.nr_map_ids = 8;
    info.map_ids = (__u64)(unsigned long)ids;
    __u32 length = sizeof(info);
    if (bpf_obj_get_info_by_fd(prog_fd, &info, &length)) return -errno;
    __u32 count = info.nr_map_ids < 8 ? info.nr_map_ids : 8;
    for (__u32 i = 0; i < count; i++) {
        int fd = bpf_map_get_fd_by_id(ids[i]);
        if (fd < 0) continue;
        struct bpf_map_info map_info;
        memset(&map_info, 0, sizeof(map_info));
        __u32 map_length = sizeof(map_info);
        int *slot = NULL;
        if (!bpf_obj_get_info_by_fd(fd, &map_info, &map_length)) {
            if (!strcmp(map_info.name, "swcni_pods")) slot = &maps->pods;
            else if (!strcmp(map_info.name, "swcni_peers")) slot = &maps->peers;
            else if (!strcmp(map_info.name, "swcni_node")) slot = &maps->node;
        }
        if (slot && *slot < 0) *slot = fd;
        else close(fd);
    }
    if (maps->pods < 0 || maps->peers < 0 || maps->node < 0) {
        close_maps(maps);
        return -ENOENT;
    }
    return 0;
}

int swcni_dp_attach(int ifindex, int prog_fd) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    int result = bpf_tc_hook_create(&hook);
    if (result && result != -EEXIST) return result;
    LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE,
                .handle = SWCNI_TC_HANDLE, .priority = SWCNI_TC_PRIORITY);
    return bpf_tc_attach(&hook, &opts);
}

int swcni_dp_detach(int ifindex) {
    LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
    LIBBPF_OPTS(bpf_tc_opts, opts, .handle = SWCNI_TC_HANDLE, .priority = SWCNI_TC_PRIORITY);
    int result = bpf_tc_detach(&hook, &opts);
    return result == -EINVAL ? -ENOENT : result;
}

int swcni_dp_map_update(int map_fd, const void *key, const void *value) {
    return bpf_map_update_elem(map_fd, key, value, BPF_ANY) ? -errno : 0;
}

int swcni_dp_map_delete(int map_fd, const void *key) {
    return bpf_map_delete_elem(map_fd, key) ? -errno : 0;
}

int swcni_dp_map_lookup(int map_fd, const void *key, void *value) {
    return bpf_map_lookup_elem(map_fd, key, value) ? -errno : 0;
}

int swcni_dp_map_next_key(int map_fd, const void *key, void *next) {
    return bpf_map_get_next_key(map_fd, key, next) ? -errno : 0;
}
