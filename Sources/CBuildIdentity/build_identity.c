// The build identity of swift-cni, compiled once per build and linked (through CNISpec) into
// every binary of the package, both as an ELF note — readable from a file with a few preads
// of its program headers, without running it — and as a string for the running program.
//
// Identity: "swift-cni <version> <token>". The version is SWIFT_CNI_VERSION when the build
// defines it (scripts/release.sh passes the release's, e.g. from `git describe`), otherwise
// the one below. The token is SWIFT_CNI_BUILD_ID when the build defines it (release.sh:
// "(commit <hash>, built <UTC time>)"), otherwise the date and time at which this file was
// compiled (clang honours SOURCE_DATE_EPOCH for those): one compilation of this file is shared
// by every binary of one build, so two binaries carry the same identity when they come from
// the same build. `<binary> --version` prints it.
//
// Note layout (ELF gABI): namesz, descsz, type, name "swift-cni\0" padded to 4 bytes,
// descriptor = identity text with its NUL, padded to 4 bytes. The section is SHT_NOTE and
// allocated, so the linker puts it in a PT_NOTE segment; "R" (SHF_GNU_RETAIN) keeps it under
// --gc-sections although no code refers to it.

#include "build_identity.h"

#ifndef SWIFT_CNI_VERSION
#define SWIFT_CNI_VERSION "0.3.0"
#endif

#ifndef SWIFT_CNI_BUILD_ID
#define SWIFT_CNI_BUILD_ID __DATE__ " " __TIME__
#endif

#define SWCNI_IDENTITY "swift-cni " SWIFT_CNI_VERSION " " SWIFT_CNI_BUILD_ID

__asm__(
    ".pushsection .note.swift-cni,\"aR\",@note\n"
    ".balign 4\n"
    ".long 2f - 1f\n"
    ".long 4f - 3f\n"
    ".long 1\n"
    "1: .asciz \"swift-cni\"\n"
    "2: .balign 4\n"
    "3: .asciz \"" SWCNI_IDENTITY "\"\n"
    "4: .balign 4\n"
    ".popsection\n");

const char *swcni_build_identity(void) { return SWCNI_IDENTITY; }
