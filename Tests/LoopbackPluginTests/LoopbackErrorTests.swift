import Glibc
import LinkControl
import NetNS
import Testing

@testable import LoopbackPlugin

/// Which CNI code each lower-level failure becomes, and what the message names.
@Suite("loopback errors")
struct LoopbackErrorTests {
    @Test func missingNamespaceIsUnknownContainer() {
        let error = NetNSError(kind: .notFound, operation: "open", path: "/run/netns/x", errno: ENOENT).loopbackCNIError
        #expect(error.code == .unknownContainer)
        #expect(error.description.contains("/run/netns/x"))
    }

    @Test func aFileThatIsNotANamespaceIsInvalidEnvironment() {
        let error = NetNSError(kind: .notANamespace, operation: "fstatfs", path: "/etc/hostname", errno: 0)
        #expect(error.isNotANetworkNamespace)
        #expect(error.loopbackCNIError.code == .invalidEnvironment)
        #expect(error.loopbackCNIError.description.contains("/etc/hostname"))
    }

    @Test func aNamespaceOfAnotherTypeIsInvalidEnvironment() {
        let error = NetNSError(kind: .systemCall, operation: "setns", path: "/proc/self/ns/uts", errno: EINVAL)
        #expect(error.isNotANetworkNamespace)
        #expect(error.loopbackCNIError.code == .invalidEnvironment)
    }

    @Test func otherNamespaceFailuresAreInternalAndCarryErrno() {
        let error = NetNSError(kind: .systemCall, operation: "setns", path: "/run/netns/x", errno: EPERM)
        #expect(!error.isNotANetworkNamespace)
        let cni = error.loopbackCNIError
        #expect(cni.code == .internalError)
        #expect(cni.details.contains("setns") && cni.details.contains("errno \(EPERM)"), "\(cni)")
    }

    @Test func interfaceFailuresAreInternalAndNameTheOperation() {
        let error = LinkControlError(operation: "ioctl(SIOCSIFFLAGS)", interface: "lo", errno: EPERM)
        let cni = error.loopbackCNIError(netns: "/run/netns/x")
        #expect(cni.code == .internalError)
        #expect(cni.msg.contains("/run/netns/x"))
        #expect(cni.details.contains("ioctl(SIOCSIFFLAGS) on lo") && cni.details.contains("Operation not permitted (EPERM)"), "\(cni)")
    }

    @Test func noSuchInterface() {
        #expect(LinkControlError(operation: "ioctl(SIOCGIFFLAGS)", interface: "lo", errno: ENODEV).isNoSuchInterface)
        #expect(!LinkControlError(operation: "ioctl(SIOCGIFFLAGS)", interface: "lo", errno: EPERM).isNoSuchInterface)
    }

    @Test func pluginCodesAreInThePluginRange() {
        #expect(LoopbackErrorCode.nonLoopbackAddress.rawValue >= 100)
        #expect(LoopbackErrorCode.loopbackNotUp.rawValue >= 100)
        #expect(LoopbackErrorCode.nonLoopbackAddress != LoopbackErrorCode.loopbackNotUp)
    }
}
