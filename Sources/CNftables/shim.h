#ifndef SWIFT_CNI_CNFTABLES_SHIM_H
#define SWIFT_CNI_CNFTABLES_SHIM_H
/* Declarations only: libnftables is not linked. The NFTables target loads it with
 * dlopen() on first use (see Sources/NFTables/Library/LibNFTables.swift), so plugins that
 * need no rule change never pay for loading it and its dependencies. */
#include <nftables/libnftables.h>
/* Kernel constants for the nf_tables netlink dumps (hooks, verdicts, attribute types);
 * glibc's socket and in6_addr definitions first, so the linux uapi headers defer to them. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#endif
