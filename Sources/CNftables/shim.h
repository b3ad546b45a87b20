#ifndef SWIFT_CNI_CNFTABLES_SHIM_H
#define SWIFT_CNI_CNFTABLES_SHIM_H
/* glibc's headers come first, with the same feature macros as Swift's Glibc module:
 * libnftables.h defines _GNU_SOURCE before including <stdio.h>, and if it came first the
 * glibc types this module pulls in (fd_set through <sys/socket.h>) would be declared with
 * _GNU_SOURCE member names and clash with SwiftGlibc's on a clean build. Including
 * <features.h> through these headers first settles the feature macros for the whole module. */
/* Kernel constants for the nf_tables netlink dumps (hooks, verdicts, attribute types);
 * glibc's socket and in6_addr definitions first, so the linux uapi headers defer to them. */
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
/* Declarations only: libnftables is not linked. The NFTables target loads it with
 * dlopen() on first use (see Sources/NFTables/Library/LibNFTables.swift), so plugins that
 * need no rule change never pay for loading it and its dependencies. */
#include <nftables/libnftables.h>
#endif
