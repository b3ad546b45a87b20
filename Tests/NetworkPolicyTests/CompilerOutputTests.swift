import NFTables
import NetworkPolicy
import PolicyDataplane
import Testing
import JSONSupport

@Suite("policy compiler output")
struct CompilerOutputTests {
    let layout = PolicyTableLayout()

    func commands(_ tx: NFTablesTransaction) -> [String] { tx.commands.map { $0.serialized() } }

    static let allowBToA = NetworkPolicy(namespace: "x", name: "allow-b", podSelector: selector(["pod": "a"]),
                                         ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)], ports: [tcp(80, end: 81)])])

    @Test func pathPerPacketDoesNotGrowWithPolicies() {
        // 500 policies in z selecting nobody present plus one selecting x/a: the base chain is
        // the same six rules, and x/a's chain holds only the rules of the policy selecting it.
        var policies = [Self.allowBToA]
        for i in 0..<500 {
            policies.append(NetworkPolicy(namespace: "z", name: "p\(i)", podSelector: selector(["app": "app\(i)"]),
                                          ingress: [PolicyRule(peers: [.pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)])]))
        }
        let program = PolicyCompiler().compile(E2EFixture(policies: policies).state)
        #expect(program.chains.count == 1)
        let chain = program.chains.values.first!
        #expect(chain.rules.count == 1)
        #expect(program.ingressDispatch.keys.sorted() == [E2EFixture.ip("x", "a"), E2EFixture.ip6("x", "a")])
        let tx = PolicySync(layout: layout).fullSync(program)
        let forwardRules = commands(tx).filter { $0.contains(#""chain":"forward""#) && $0.hasPrefix(#"{"add":{"rule""#) }
        #expect(forwardRules.count == 6)
        #expect(forwardRules.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"forward","comment":"IPv6 neighbour discovery","expr":[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"ipv6-icmp"}},{"match":{"op":"==","left":{"payload":{"protocol":"icmpv6","field":"type"}},"right":{"set":["nd-router-solicit","nd-router-advert","nd-neighbor-solicit","nd-neighbor-advert"]}}},{"accept":null}]}}}"#))
    }

    @Test func fullSyncReplacesTheTableInOneBatch() throws {
        let program = PolicyCompiler().compile(E2EFixture(policies: [Self.allowBToA]).state)
        let text = commands(PolicySync(layout: layout).fullSync(program))
        #expect(text[0] == #"{"add":{"table":{"family":"inet","name":"swcni_netpol"}}}"#)
        #expect(text[1] == #"{"delete":{"table":{"family":"inet","name":"swcni_netpol"}}}"#)
        #expect(text[2] == #"{"add":{"table":{"family":"inet","name":"swcni_netpol"}}}"#)
        let marker = PolicySync(layout: layout).layoutMarker.name
        #expect(text[3] == #"{"add":{"set":{"family":"inet","table":"swcni_netpol","name":"\#(marker)","type":"ipv4_addr"}}}"#)
        #expect(marker != PolicySync(layout: PolicyTableLayout(logGroup: 8)).layoutMarker.name)
        #expect(text.contains(#"{"add":{"chain":{"family":"inet","table":"swcni_netpol","name":"forward","type":"filter","hook":"forward","prio":0,"policy":"accept"}}}"#))
        #expect(text.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"forward","comment":"replies of allowed connections","expr":[{"match":{"op":"in","left":{"ct":{"key":"state"}},"right":["established","related"]}},{"accept":null}]}}}"#))
        #expect(text.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"forward","comment":"egress of the sending pod","expr":[{"vmap":{"key":{"payload":{"protocol":"ip","field":"saddr"}},"data":"@egress_4"}}]}}}"#))
        #expect(text.contains(#"{"add":{"map":{"family":"inet","table":"swcni_netpol","name":"ingress_4","type":"ipv4_addr","map":"verdict"}}}"#))

        let chain = program.chains.values.first!
        let peerSet = PolicyCompiler.peerSetName(podSelector: selector(["pod": "b"]), namespaceSelector: nil, policyNamespace: "x")
        #expect(text.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"\#(chain.name)","comment":"x/allow-b ingress[0]","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"@\#(peerSet)_4"}},{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}},{"match":{"op":"==","left":{"payload":{"protocol":"th","field":"dport"}},"right":{"range":[80,81]}}},{"counter":null},{"accept":null}]}}}"#))
        #expect(text.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"\#(chain.name)","comment":"drop: isolated by x/allow-b","expr":[{"counter":null},{"log":{"prefix":"swcni-np DROP ingress x/allow-b ","group":7}},{"drop":null}]}}}"#))
        #expect(text.contains(#"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"ingress_4","elem":[["10.244.1.10",{"goto":{"target":"\#(chain.name)"}}]]}}}"#))
        #expect(text.contains(#"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"\#(peerSet)_4","elem":["10.244.1.11","10.244.2.11","10.244.3.11"]}}}"#) == false,
                "a podSelector alone is scoped to the policy's namespace")
        #expect(text.contains(#"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"\#(peerSet)_4","elem":["10.244.1.11"]}}}"#))
        #expect(text.contains(#"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"\#(peerSet)_6","elem":["fd00:244:1::11"]}}}"#))
    }

    @Test func fullSyncScriptInNativeSyntax() {
        let policy = NetworkPolicy(namespace: "x", name: "egress", podSelector: selector(["pod": "a"]), egress: [PolicyRule(
            peers: [.ipBlock(IPBlock(cidr: CIDR("10.0.0.0/8")!, except: [CIDR("10.1.0.0/16")!, CIDR("10.9.9.9/32")!])),
                    .pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)],
            ports: [named("serve-80-tcp"), tcp(81), tcp(90, end: 99)])], policyTypes: [.egress])
        var state = ClusterState()
        for name in ["a", "b"] {
            state.upsert(Pod(namespace: "x", name: name, labels: ["pod": name], ips: [E2EFixture.ip("x", name)], ports: [ContainerPort(name: "serve-80-tcp", port: 80)]))
        }
        state.upsert(policy)
        let program = PolicyCompiler().compile(state)
        let sync = PolicySync(layout: layout)
        let chain = program.chains.values.first!.name
        let peers = PolicyCompiler.peerSetName(podSelector: selector(["pod": "b"]), namespaceSelector: nil, policyNamespace: "x")
        let ports = PolicyCompiler.namedPortSetName("serve-80-tcp")
        let script = sync.fullSyncScript(program)
        #expect(script == """
            add table inet swcni_netpol
            delete table inet swcni_netpol
            table inet swcni_netpol {
            	set \(sync.layoutMarker.name) {
            		type ipv4_addr
            	}
            	map egress_4 {
            		type ipv4_addr : verdict
            		elements = { 10.244.1.10 : jump \(chain) }
            	}
            	map egress_6 {
            		type ipv6_addr : verdict
            	}
            	map ingress_4 {
            		type ipv4_addr : verdict
            	}
            	map ingress_6 {
            		type ipv6_addr : verdict
            	}
            	set \(peers)_4 {
            		type ipv4_addr
            		elements = { 10.244.1.11 }
            	}
            	set \(ports)_4 {
            		type ipv4_addr . inet_proto . inet_service
            		elements = { 10.244.1.10 . tcp . 80, 10.244.1.11 . tcp . 80 }
            	}
            	chain forward {
            		type filter hook forward priority 0; policy accept;
            		ct state established,related accept comment "replies of allowed connections"
            		meta l4proto ipv6-icmp icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } accept comment "IPv6 neighbour discovery"
            		ip saddr vmap @egress_4 comment "egress of the sending pod"
            		ip6 saddr vmap @egress_6 comment "egress of the sending pod"
            		ip daddr vmap @ingress_4 comment "ingress of the receiving pod"
            		ip6 daddr vmap @ingress_6 comment "ingress of the receiving pod"
            	}
            	chain \(chain) {
            		ip daddr @\(peers)_4 meta l4proto tcp ip daddr . meta l4proto . th dport @\(ports)_4 counter return comment "x/egress egress[0]"
            		ip daddr @\(peers)_4 meta l4proto tcp th dport { 81, 90-99 } counter return comment "x/egress egress[0]"
            		ip daddr 10.0.0.0/8 ip daddr != { 10.1.0.0/16, 10.9.9.9 } meta l4proto tcp ip daddr . meta l4proto . th dport @\(ports)_4 counter return comment "x/egress egress[0]"
            		ip daddr 10.0.0.0/8 ip daddr != { 10.1.0.0/16, 10.9.9.9 } meta l4proto tcp th dport { 81, 90-99 } counter return comment "x/egress egress[0]"
            		counter log prefix "swcni-np DROP egress x/egress " group 7 drop comment "drop: isolated by x/egress"
            	}
            }

            """)
    }

    @Test func ipBlockExceptAndNamedPortRules() {
        let policy = NetworkPolicy(namespace: "x", name: "egress", podSelector: selector(["pod": "a"]), egress: [PolicyRule(
            peers: [.ipBlock(IPBlock(cidr: CIDR("10.0.0.0/8")!, except: [CIDR("10.1.0.0/16")!, CIDR("10.1.2.0/24")!, CIDR("10.9.9.9/32")!]))],
            ports: [named("serve-80-tcp")])], policyTypes: [.egress])
        let program = PolicyCompiler().compile(E2EFixture(policies: [policy]).state)
        let chain = program.chains.values.first!
        let portSet = PolicyCompiler.namedPortSetName("serve-80-tcp")
        let text = commands(PolicySync(layout: layout).fullSync(program))
        #expect(text.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"\#(chain.name)","comment":"x/egress egress[0]","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"prefix":{"addr":"10.0.0.0","len":8}}}},{"match":{"op":"!=","left":{"payload":{"protocol":"ip","field":"daddr"}},"right":{"set":[{"prefix":{"addr":"10.1.0.0","len":16}},"10.9.9.9"]}}},{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}},{"match":{"op":"==","left":{"concat":[{"payload":{"protocol":"ip","field":"daddr"}},{"meta":{"key":"l4proto"}},{"payload":{"protocol":"th","field":"dport"}}]},"right":"@\#(portSet)_4"}},{"counter":null},{"return":null}]}}}"#))
        #expect(text.contains(#"{"add":{"set":{"family":"inet","table":"swcni_netpol","name":"\#(portSet)_4","type":["ipv4_addr","inet_proto","inet_service"]}}}"#))
        #expect(text.contains { $0.contains(#""name":"\#(portSet)_4","elem":[{"concat":["10.244.1.10","tcp",80]},"#) })
        #expect(text.contains(#"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"egress_4","elem":[["10.244.1.10",{"jump":{"target":"\#(chain.name)"}}]]}}}"#))
    }

    @Test func addingAndRemovingAPodChangesOnlyElements() throws {
        let sync = PolicySync(layout: layout)
        let before = E2EFixture(policies: [Self.allowBToA]).state
        var after = before
        after.upsert(Pod(namespace: "x", name: "d", labels: ["pod": "b"], ips: [IPAddress("10.244.1.20")!]))
        after.upsert(Pod(namespace: "x", name: "e", labels: ["pod": "a"], ips: [IPAddress("10.244.1.21")!]))
        let old = PolicyCompiler().compile(before), new = PolicyCompiler().compile(after)
        let tx = try #require(sync.incremental(from: PolicyTableState(program: old, layout: layout), to: new))
        let peerSet = PolicyCompiler.peerSetName(podSelector: selector(["pod": "b"]), namespaceSelector: nil, policyNamespace: "x")
        let chain = new.chains.values.first!.name
        #expect(commands(tx) == [
            #"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"ingress_4","elem":[["10.244.1.21",{"goto":{"target":"\#(chain)"}}]]}}}"#,
            #"{"add":{"element":{"family":"inet","table":"swcni_netpol","name":"\#(peerSet)_4","elem":["10.244.1.20"]}}}"#,
        ])
        let back = try #require(sync.incremental(from: PolicyTableState(program: new, layout: layout), to: old))
        #expect(commands(back) == [
            #"{"delete":{"element":{"family":"inet","table":"swcni_netpol","name":"ingress_4","elem":["10.244.1.21"]}}}"#,
            #"{"delete":{"element":{"family":"inet","table":"swcni_netpol","name":"\#(peerSet)_4","elem":["10.244.1.20"]}}}"#,
        ])
        #expect(sync.incremental(from: PolicyTableState(program: new, layout: layout), to: new)?.isEmpty == true)
        // A table written with another base chain or log group (no matching marker): full sync.
        var foreign = PolicyTableState(program: new, layout: layout)
        foreign.sets[sync.layoutMarker.name] = nil
        #expect(sync.incremental(from: foreign, to: new) == nil)
        #expect(PolicySync(layout: PolicyTableLayout(logGroup: 9)).incremental(from: PolicyTableState(program: new, layout: layout), to: new) == nil)
    }

    @Test func labelChangeMovesAPodBetweenChainsByElementsOnly() throws {
        let sync = PolicySync(layout: layout)
        let deny = NetworkPolicy(namespace: "x", name: "deny", podSelector: selector(["role": "db"]))
        var before = E2EFixture(policies: [Self.allowBToA, deny]).state
        before.upsert(E2EFixture.pod("x", "b", labels: ["pod": "a"]))  // x/a and x/b share chain A
        before.upsert(E2EFixture.pod("x", "c", labels: ["pod": "a", "role": "db"]))  // chain A+deny
        var after = before
        after.upsert(E2EFixture.pod("x", "b", labels: ["pod": "a", "role": "db"]))
        let old = PolicyCompiler().compile(before), new = PolicyCompiler().compile(after)
        #expect(Set(old.chains.keys) == Set(new.chains.keys))
        let tx = try #require(sync.incremental(from: PolicyTableState(program: old, layout: layout), to: new))
        #expect(commands(tx).allSatisfy { $0.hasPrefix(#"{"add":{"element""#) || $0.hasPrefix(#"{"delete":{"element""#) }, "\(commands(tx))")
        #expect(commands(tx).count == 4)  // ingress_4 and ingress_6: delete + add of x/b's entry
    }

    @Test func newPolicyCombinationAddsAChainAndUnusedOnesGo() throws {
        let sync = PolicySync(layout: layout)
        let before = E2EFixture(policies: [Self.allowBToA]).state
        var after = before
        after.upsert(NetworkPolicy(namespace: "y", name: "deny", podSelector: .everything))
        after.removePolicy(Self.allowBToA.ref)
        let old = PolicyCompiler().compile(before), new = PolicyCompiler().compile(after)
        let tx = try #require(sync.incremental(from: PolicyTableState(program: old, layout: layout), to: new))
        let text = commands(tx)
        let oldChain = old.chains.keys.first!, newChain = new.chains.keys.first!
        #expect(text.first == #"{"add":{"chain":{"family":"inet","table":"swcni_netpol","name":"\#(newChain)"}}}"#)
        #expect(text.contains(#"{"flush":{"chain":{"family":"inet","table":"swcni_netpol","name":"\#(oldChain)"}}}"#))
        #expect(text.last?.hasPrefix(#"{"delete":{"set":"#) == true)
        let deleteChain = text.firstIndex(of: #"{"delete":{"chain":{"family":"inet","table":"swcni_netpol","name":"\#(oldChain)"}}}"#)!
        let deleteDispatch = text.firstIndex { $0.hasPrefix(#"{"delete":{"element":{"family":"inet","table":"swcni_netpol","name":"ingress_4""#) }!
        #expect(deleteDispatch < deleteChain, "a chain is deleted only once no map element jumps to it")
    }

    @Test func numericPortsOfOneProtocolShareARule() {
        let policy = NetworkPolicy(namespace: "x", name: "ports", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(
            ports: [tcp(80), tcp(83, end: 90), udp(53), tcp(81), tcp(85, end: 86), PolicyPort(proto: .udp)])])
        let program = PolicyCompiler().compile(E2EFixture(policies: [policy]).state)
        let chain = program.chains.values.first!
        #expect(chain.rules.map(\.description) == ["x/ports ingress[0] peer any port udp", "x/ports ingress[0] peer any port tcp/80-81,83-90"])
        let text = commands(PolicySync(layout: layout).fullSync(program))
        #expect(text.contains(#"{"add":{"rule":{"family":"inet","table":"swcni_netpol","chain":"\#(chain.name)","comment":"x/ports ingress[0]","expr":[{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}},{"match":{"op":"==","left":{"payload":{"protocol":"th","field":"dport"}},"right":{"set":[{"range":[80,81]},{"range":[83,90]}]}}},{"counter":null},{"accept":null}]}}}"#))
    }

    @Test func selectorPeersOfARuleShareOneUnionSet() {
        let policy = NetworkPolicy(namespace: "x", name: "or", podSelector: selector(["pod": "a"]), ingress: [PolicyRule(peers: [
            .pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil),
            .ipBlock(IPBlock(cidr: CIDR("192.0.2.0/24")!)),
            .pods(podSelector: nil, namespaceSelector: selector(["ns": "z"])),
        ], ports: [tcp(80)])])
        let program = PolicyCompiler().compile(E2EFixture(policies: [policy]).state)
        let chain = program.chains.values.first!
        let union = PolicyCompiler.peerSetName([.pods(podSelector: nil, namespaceSelector: selector(["ns": "z"])),
                                                .pods(podSelector: selector(["pod": "b"]), namespaceSelector: nil)], policyNamespace: "x")
        #expect(chain.rules.map(\.description) == ["x/or ingress[0] peer @\(union) port tcp/80", "x/or ingress[0] peer 192.0.2.0/24 port tcp/80"])
        #expect(program.addressSets[union] == Set(["x/b", "z/a", "z/b", "z/c"].flatMap { pod -> [IPAddress] in
            let ref = ObjectRef(parsing: pod)
            return [E2EFixture.ip(ref.namespace, ref.name), E2EFixture.ip6(ref.namespace, ref.name)]
        }))
    }

    @Test func singleStackClusterGetsRulesOfOneFamily() {
        var state = ClusterState()
        for name in ["a", "b"] {
            state.upsert(Pod(namespace: "x", name: name, labels: ["pod": name], ips: [E2EFixture.ip("x", name)], ports: E2EFixture.servedPorts))
        }
        state.upsert(Self.allowBToA)
        let v4 = PolicyCompiler().compile(state)
        let text = commands(PolicySync(layout: layout).fullSync(v4))
        #expect(text.filter { $0.contains(#"{"add":{"rule""#) && $0.contains(#""protocol":"ip6""#) }.filter { !$0.contains(#""chain":"forward""#) }.isEmpty)
        #expect(text.filter { $0.contains(#"{"add":{"rule""#) && $0.contains(#""comment":"x/allow-b ingress[0]""#) }.count == 1)
        // The first IPv6 pod makes the cluster dual-stack: chains are rendered anew.
        state.upsert(Pod(namespace: "x", name: "c", labels: ["pod": "c"], ips: [E2EFixture.ip6("x", "c")]))
        let dual = PolicyCompiler().compile(state)
        #expect(Set(dual.chains.keys).isDisjoint(with: v4.chains.keys))
        #expect(dual.trace(Connection(from: E2EFixture.ip("x", "b"), to: E2EFixture.ip("x", "a"), proto: .tcp, port: 81)).allowed)
    }

    @Test func stateReadBackFromAListing() throws {
        let listing = try NFTTableListing(parsing: try JSONParser.parse(#"""
        {"nftables":[{"metainfo":{"version":"1.0.9"}},{"table":{"family":"inet","name":"swcni_netpol","handle":1}},
        {"chain":{"family":"inet","table":"swcni_netpol","name":"forward","handle":1,"type":"filter","hook":"forward","prio":0,"policy":"accept"}},
        {"chain":{"family":"inet","table":"swcni_netpol","name":"in_0123","handle":2}},
        {"set":{"family":"inet","name":"peer_1_4","table":"swcni_netpol","type":"ipv4_addr","handle":3,"elem":["10.244.1.11"]}},
        {"set":{"family":"inet","name":"port_1_6","table":"swcni_netpol","type":["ipv6_addr","inet_proto","inet_service"],"handle":4,"elem":[{"concat":["fd00::1","tcp",80]},{"concat":["fd00:0::2",17,81]}]}},
        {"map":{"family":"inet","name":"ingress_4","table":"swcni_netpol","type":"ipv4_addr","handle":5,"map":"verdict","elem":[["10.244.1.10",{"goto":{"target":"in_0123"}}]]}}]}
        """#), table: NFTTable(.inet, "swcni_netpol"))
        let state = PolicyTableState(listing: listing)
        #expect(state.hasBaseChain)
        #expect(state.chains == ["forward", "in_0123"])
        #expect(Set(state.sets["peer_1_4"]!.keys) == ["10.244.1.11"])
        #expect(Set(state.sets["port_1_6"]!.keys) == ["fd00::1 . tcp . 80", "fd00::2 . udp . 81"])
        #expect(Set(state.sets["ingress_4"]!.keys) == ["10.244.1.10 : goto in_0123"])
    }
}
