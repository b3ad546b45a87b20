#ifndef SWIFT_CNI_CNFTABLES_SHIM_H
#define SWIFT_CNI_CNFTABLES_SHIM_H
/* Declarations only: libnftables is not linked. The NFTables target loads it with
 * dlopen() on first use (see Sources/NFTables/Library/LibNFTables.swift), so plugins that
 * need no rule change never pay for loading it and its dependencies. */
#include <nftables/libnftables.h>
#endif
