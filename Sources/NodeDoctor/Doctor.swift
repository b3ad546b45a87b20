/// Every check, in the order findings are printed: node, addressing, overlay, MTU.
public enum Doctor {
    public static let checks: [@Sendable (NodeSnapshot) -> [Finding]] = [
        ForwardingCheck.findings, BridgeCheck.findings, ReversePathCheck.findings, ForeignFirewallCheck.findings,
        AddressingCheck.findings, OverlayCheck.findings, MTUCheck.findings,
    ]

    public static func examine(_ snapshot: NodeSnapshot) -> [Finding] {
        checks.flatMap { $0(snapshot) }
    }
}
