#ifndef SWIFT_CNI_CNFTABLES_SHIM_H
#define SWIFT_CNI_CNFTABLES_SHIM_H
#include <nftables/libnftables.h>
#endif
