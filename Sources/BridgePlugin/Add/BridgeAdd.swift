import AttachmentNaming
import CNISpec
import NetNS
import Netlink
import SystemSupport
import PluginRuntime

/// ADD: bridge, veth pair, IPAM, container addresses and routes, gateway, firewall rules.
/// Any failure after the veth exists removes it again, and after IPAM releases the address.
struct BridgeAdd {
    let request: CNIRequest
    let ipam: BridgeIPAM
    let config: BridgeConfig

    func run() throws(CNIError) -> CNIResult {
        // A result without addresses cannot be printed in the 0.1.0/0.2.0 format: refused
        // before anything is made, not after the veth exists.
        if !config.isLayer3 && request.version < .v0_3_0 {
            throw CNIError(
                .incompatibleVersion, "a layer-2 bridge result cannot be expressed in cniVersion \(request.version)",
                details: "without \"ipam\" the result has no IP address, which cniVersion 0.1.0 and 0.2.0 require; use 0.3.0 or later")
        }
        // A namespace that cannot be used fails the ADD before anything is reserved.
        let netns = request.netns
        try attempt("failed to open netns \"\(netns)\"", code: .invalidEnvironment) {
            try NetworkNamespace(path: netns).validate()
        }
        // Both netlink sockets are opened while this is the process's only thread, so the
        // container's is opened from this thread (no thread to create; see
        // `NetworkNamespace.runOnCurrentThread`).
        let namespace = NetworkNamespace(path: netns)
        let host = try attempt("could not open a netlink socket in the host namespace") { try NetlinkSocket() }
        let container = try attempt("failed to open netns \"\(netns)\"", code: .invalidEnvironment) {
            try NetlinkSocket.openOnCurrentThread(in: namespace)
        }
        // The IPAM plugin runs while the bridge and the veth are set up.
        let ipam = config.isLayer3 ? PendingIPAM(request: request, ipam: self.ipam) : nil
        do {
            return try setUp(ipam: ipam, namespace: namespace, host: host, container: container)
        } catch {
            ipam?.releaseIfUnclaimed()
            throw error
        }
    }

    private func setUp(
        ipam pending: PendingIPAM?, namespace: NetworkNamespace, host: NetlinkSocket, container: NetlinkSocket
    ) throws(CNIError) -> CNIResult {
        var bridge = try BridgeSetup.ensure(config, host: host)

        let rollback = Rollback()
        do {
            let result = try configure(
                host: host, container: container, namespace: namespace, bridge: &bridge, ipam: pending, rollback: rollback)
            return result
        } catch {
            rollback.run()
            throw error
        }
    }

    private func configure(
        host: NetlinkSocket, container: NetlinkSocket, namespace: NetworkNamespace, bridge: inout Link,
        ipam pending: PendingIPAM?, rollback: Rollback
    ) throws(CNIError) -> CNIResult {
        let alias = AttachmentAlias.make(network: config.networkName, containerID: request.containerID, ifName: request.ifName)
        let veth = VethSetup(config: config, host: host, container: container, ifName: request.ifName, alias: alias)
        let created = try veth.create(rollback: rollback)
        try veth.configureHostEnd(created.hostLink, bridge: bridge)

        let firewall = AttachmentFirewall(request: request, config: config)
        let spoofCheck = config.macSpoofCheck ? created.containerLink.mac.map { (created.hostLink.name, $0) } : nil
        var rules: BackgroundStep<Void, CNIError>? = nil
        defer { _ = rules?.join() }  // never leave the rules' thread running (rollback removes them)

        var plan: GatewayPlan? = nil
        var ipamDNS: CNIResult.DNS? = nil
        var extraInterfaces: [CNIResult.Interface] = []
        let containerSetup = ContainerSetup(config: config, container: container, namespace: namespace, ifName: request.ifName)
        if let pending {
            // Without ipMasq no rule depends on the IPAM result (forward accepts name the
            // bridge, the spoof check the MAC): the rules' thread starts now and runs while
            // this thread waits for IPAM, instead of after it.
            if !config.ipMasq {
                let forwarding = config.isGateway
                    ? AttachmentFirewall.Forwarding(bridge: config.bridgeName, addresses: [], ipMasq: false) : nil
                rules = startRules(firewall, spoofCheck: spoofCheck, forwarding: forwarding, rollback: rollback)
            }
            let ipam = try pending.claim(rollback: rollback)
            guard !ipam.ips.isEmpty else {
                throw CNIError(.internalError, "IPAM plugin returned missing IP config", details: "no \"ips\" in its result")
            }
            ipamDNS = ipam.dns.isEmpty ? nil : ipam.dns
            let computed = try GatewayPlan.compute(ipam: ipam, config: config)
            plan = computed
            // The host routes pod traffic only through a gateway on the bridge or when it
            // masquerades; without either, no forward rule is written (and DEL has none to
            // delete: deleting nftables rules costs a kernel RCU grace period, ~15 ms).
            if config.ipMasq {
                let forwarding = AttachmentFirewall.Forwarding(
                    bridge: config.bridgeName, addresses: computed.ips.compactMap { IPPrefix($0.address) }, ipMasq: true)
                rules = startRules(firewall, spoofCheck: spoofCheck, forwarding: forwarding, rollback: rollback)
            }
            try containerSetup.applySysctls(hasIPv6: computed.ips.contains { $0.family == "6" })
            try containerSetup.configure(link: created.containerLink, plan: computed)

            if config.isGateway && !computed.bridgeAddresses.isEmpty {
                var gatewayLink = bridge
                if config.vlan != 0 {
                    gatewayLink = try VLANGateway.ensure(config, bridge: bridge, host: host)
                    extraInterfaces.append(.init(name: gatewayLink.name, mac: gatewayLink.mac?.description))
                }
                let gateways = GatewaySetup(config: config, host: host)
                for address in computed.bridgeAddresses {
                    try gateways.ensureAddress(address, on: gatewayLink)
                }
                try gateways.enableForwarding(
                    ipv4: !computed.bridgeAddressesV4.isEmpty, ipv6: !computed.bridgeAddressesV6.isEmpty)
            }
        } else {
            rules = startRules(firewall, spoofCheck: spoofCheck, forwarding: nil, rollback: rollback)
            try containerSetup.applySysctls(hasIPv6: false)
            if !config.disableContainerInterface {
                try containerSetup.bringUp(link: created.containerLink)
            }
        }

        var hostLink = created.hostLink
        if !config.disableContainerInterface {
            hostLink = try waitForPortUp(created.hostLink, host: host)
            if config.isLayer3 { announce(created.containerLink, container: container) }
        }
        bridge = try BridgeSetup.refreshed(bridge, host: host)
        // The container end's name and MAC are those read right after its creation (the
        // MAC was given at creation, `announce` sets the same again): no read needed.
        let containerLink = created.containerLink
        if case .failure(let error) = rules?.join() { throw error }

        var result = BridgeResult.assemble(
            bridge: .init(name: bridge.name, mac: bridge.mac?.description),
            hostVeth: .init(name: hostLink.name, mac: hostLink.mac?.description),
            container: .init(name: containerLink.name, mac: containerLink.mac?.description, sandbox: request.netns),
            plan: plan, ipamDNS: ipamDNS, config: config)
        result.interfaces += extraInterfaces
        return result
    }

    /// Writes the attachment's nftables rules on a second thread while the container is
    /// configured (their removal is registered with the rollback first); nil when there are none.
    private func startRules(
        _ firewall: AttachmentFirewall, spoofCheck: (String, MACAddress)?, forwarding: AttachmentFirewall.Forwarding?,
        rollback: Rollback
    ) -> BackgroundStep<Void, CNIError>? {
        guard spoofCheck != nil || forwarding != nil else { return nil }
        rollback.add("remove nftables rules of the attachment") { try firewall.remove() }
        let spoof = spoofCheck.map { AttachmentFirewall.SpoofCheck(hostVeth: $0.0, containerMAC: $0.1) }
        return BackgroundStep { () -> Result<Void, CNIError> in
            do throws(CNIError) {
                return .success(try firewall.install(spoofCheck: spoof, forwarding: forwarding))
            } catch {
                return .failure(error)
            }
        }
    }

    /// Gratuitous ARP and unsolicited neighbour advertisements for the new addresses, once the
    /// bridge port forwards: setting the container MAC to itself is a `NETDEV_CHANGEADDR`,
    /// on which the kernel announces every address (`arp_notify=1`, `ndisc_notify=1`, set
    /// earlier). Announcements sent when the link came up may have met a port still disabled.
    /// Best effort: neighbours learn the address anyway on first contact.
    private func announce(_ link: Link, container: NetlinkSocket) {
        guard let mac = link.mac else { return }
        do {
            try container.setMAC(index: link.index, mac)
        } catch {
            logger("could not announce the addresses of \(link.name): \(error)")
        }
    }

    /// The host end becomes operationally up once both ends are up; poll briefly for it.
    private func waitForPortUp(_ link: Link, host: NetlinkSocket) throws(CNIError) -> Link {
        var latest = link
        let up = Poll.until(timeoutMilliseconds: 2500) {
            if let fresh = try? host.link(index: link.index) { latest = fresh }
            return latest.operState == .up
        }
        guard up else {
            throw CNIError(.internalError, "bridge port in error state: \(latest.operState)", details: "host veth \(link.name)")
        }
        return latest
    }
}
