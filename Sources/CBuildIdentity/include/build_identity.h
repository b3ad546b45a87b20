#ifndef SWIFT_CNI_BUILD_IDENTITY_H
#define SWIFT_CNI_BUILD_IDENTITY_H

/// The build identity of this swift-cni build: "swift-cni <version> <build token>", the same
/// text as the ELF note (owner "swift-cni", type 1) that this object puts into every binary
/// that links it (see build_identity.c).
const char *swcni_build_identity(void);

#endif
