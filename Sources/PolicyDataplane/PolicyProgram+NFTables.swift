import NFTables
import NetworkPolicy

/// The nftables objects of a program, as they are written into a transaction.
struct RenderedProgram {
    var chains: [String: [NFTRule]] = [:]
    /// Set -> elements, keyed by canonical element text (for diffs).
    var sets: [String: (set: NFTSet, elements: [String: NFTElement])] = [:]
}

extension PolicyProgram {
    /// Renders sets, maps and chains; rules only for `rulesOf` chains when given (the others
    /// get an empty rule list: an incremental update needs rules of new chains only).
    func render(_ layout: PolicyTableLayout, rulesOf: Set<String>? = nil) -> RenderedProgram {
        var out = RenderedProgram()
        // Address and named-port sets only for the families the chains match (the pods'
        // families): a single-stack cluster gets no empty sets of the other family, which
        // every read-back would fetch. The dispatch maps exist for both (the base chain
        // looks them up).
        let ruleFamilies = Set(chains.values.flatMap(\.families))
        for family in PolicyTableLayout.Family.allCases {
            let withRules = ruleFamilies.contains(family == .v4 ? .ipv4 : .ipv6)
            for (name, ips) in addressSets where withRules {
                let set = layout.addressSet(name, family)
                var elements: [String: NFTElement] = [:]
                for ip in ips where PolicyTableLayout.Family(ip.family) == family {
                    elements[ip.description] = NFTElement(.string(ip.description))
                }
                out.sets[set.name] = (set, elements)
            }
            for (name, entries) in namedPortSets where withRules {
                let set = layout.namedPortSet(name, family)
                var elements: [String: NFTElement] = [:]
                for entry in entries where PolicyTableLayout.Family(entry.ip.family) == family {
                    elements[entry.description] = NFTElement(.concat([.string(entry.ip.description), .string(entry.proto.nftName), .number(entry.port)]))
                }
                out.sets[set.name] = (set, elements)
            }
            for direction in NetworkPolicy.PolicyType.allCases {
                let map = layout.dispatchMap(direction, family)
                var elements: [String: NFTElement] = [:]
                for (ip, chain) in direction == .ingress ? ingressDispatch : egressDispatch
                where PolicyTableLayout.Family(ip.family) == family {
                    let verdict: NFTVerdict = direction == .ingress ? .goto(chain) : .jump(chain)
                    elements["\(ip) : \(direction == .ingress ? "goto" : "jump") \(chain)"] = .verdict(.string(ip.description), verdict)
                }
                out.sets[map.name] = (map, elements)
            }
        }
        for (name, chain) in chains {
            out.chains[name] = rulesOf.map { $0.contains(name) } ?? true ? chain.nftRules(layout) : []
        }
        return out
    }

    /// The base chain: replies pass, then the sender's egress, then the receiver's ingress.
    static func forwardRules(_ layout: PolicyTableLayout) -> [NFTRule] {
        var rules = [NFTRule(chain: layout.forwardChain, statements: [.ctState([.established, .related]), .accept], comment: "replies of allowed connections")]
        // Neighbour discovery between pods of one bridge crosses this hook through
        // br_netfilter; without it no IPv6 peer of an isolated pod could be resolved.
        let neighbourDiscovery = ["nd-router-solicit", "nd-router-advert", "nd-neighbor-solicit", "nd-neighbor-advert"]
        rules.append(NFTRule(
            chain: layout.forwardChain,
            statements: [.l4proto("ipv6-icmp"), .match(left: .payload(protocol: "icmpv6", field: "type"), op: .equal, right: .set(neighbourDiscovery.map { .string($0) })), .accept],
            comment: "IPv6 neighbour discovery"))
        for direction in [NetworkPolicy.PolicyType.egress, .ingress] {
            for family in PolicyTableLayout.Family.allCases {
                let key = NFTExpression.payload(protocol: family.payloadProtocol, field: direction == .egress ? "saddr" : "daddr")
                rules.append(NFTRule(
                    chain: layout.forwardChain,
                    statements: [.vmap(key: key, map: .named(layout.dispatchMap(direction, family).name))],
                    comment: "\(direction == .egress ? "egress of the sending" : "ingress of the receiving") pod"))
            }
        }
        return rules
    }
}

extension PolicyChain {
    func nftRules(_ layout: PolicyTableLayout) -> [NFTRule] {
        let chain = layout.chain(name)
        let peerField = direction == .ingress ? "saddr" : "daddr"
        var rules: [NFTRule] = []
        let families = PolicyTableLayout.Family.allCases.filter { self.families.contains($0 == .v4 ? .ipv4 : .ipv6) }
        for rule in self.rules {
            var portMatch: [NFTStatement] = []
            var portFamilySpecific = false
            switch rule.port {
            case .any: break
            case .proto(let proto): portMatch = [.l4proto(proto.nftName)]
            case .ranges(let proto, let ranges):
                let values: [NFTExpression] = ranges.map { $0.count == 1 ? .number($0.lowerBound) : .range(.number($0.lowerBound), .number($0.upperBound)) }
                portMatch = [.l4proto(proto.nftName), .match(left: .payload(protocol: "th", field: "dport"), op: .equal, right: values.count == 1 ? values[0] : .set(values))]
            case .named(let proto, _, _): portMatch = [.l4proto(proto.nftName)]; portFamilySpecific = true
            }
            func namedPortMatch(_ family: PolicyTableLayout.Family) -> [NFTStatement] {
                guard case .named(_, let set, _) = rule.port else { return [] }
                return [.match(
                    left: .concat([.payload(protocol: family.payloadProtocol, field: "daddr"), .meta("l4proto"), .payload(protocol: "th", field: "dport")]),
                    op: .equal, right: .named(layout.namedPortSet(set, family).name))]
            }
            let verdict: [NFTStatement] = [.counter, direction == .ingress ? .accept : .return]
            let comment = String(rule.ref.description.utf8.prefix(NFTRule.maxCommentBytes))!
            switch rule.peer {
            case .any:
                if portFamilySpecific {
                    for family in families {
                        rules.append(NFTRule(chain: chain, statements: portMatch + namedPortMatch(family) + verdict, comment: comment))
                    }
                } else {
                    rules.append(NFTRule(chain: chain, statements: portMatch + verdict, comment: comment))
                }
            case .podSet(let set):
                for family in families {
                    let peer = NFTStatement.match(left: .payload(protocol: family.payloadProtocol, field: peerField), op: .equal, right: .named(layout.addressSet(set, family).name))
                    rules.append(NFTRule(chain: chain, statements: [peer] + portMatch + namedPortMatch(family) + verdict, comment: comment))
                }
            case .block(let block):
                let family = PolicyTableLayout.Family(block.cidr.family)
                let left = NFTExpression.payload(protocol: family.payloadProtocol, field: peerField)
                var statements: [NFTStatement] = [.match(left: left, op: .equal, right: Self.prefix(block.cidr))]
                let except = Self.outermost(block.except)
                if !except.isEmpty {
                    statements.append(.match(left: left, op: .notEqual, right: except.count == 1 ? Self.prefix(except[0]) : .set(except.map(Self.prefix))))
                }
                rules.append(NFTRule(chain: chain, statements: statements + portMatch + namedPortMatch(family) + verdict, comment: comment))
            }
        }
        rules = Self.withoutRepeatedMatches(rules)
        let names = policies.map(\.description).joined(separator: ",")
        let prefix = String((PolicyTableLayout.logPrefixTag + "\(direction == .ingress ? "ingress" : "egress") \(names) ").utf8.prefix(120))!
        rules.append(NFTRule(
            chain: chain, statements: [.counter, .nflog(group: layout.logGroup, prefix: prefix), .drop],
            comment: String("drop: isolated by \(names)".utf8.prefix(NFTRule.maxCommentBytes))!))
        return rules
    }

    /// The rules without those whose statements repeat an earlier rule's. Every allowing rule
    /// of a chain has the same verdict, so a repeat never matches a packet the first did not
    /// take already: it would only cost a rule to load and to walk, and keep a counter at
    /// zero. Policies that repeat one another's peers and ports (common in real clusters, and
    /// in the benchmark's synthetic 5000) leave one rule, named after the first of them.
    static func withoutRepeatedMatches(_ rules: [NFTRule]) -> [NFTRule] {
        var seen: Set<String> = []
        seen.reserveCapacity(rules.count)
        return rules.filter { seen.insert($0.statements.map(NFTNativeSyntax.statement).joined(separator: " ")).inserted }
    }

    static func prefix(_ cidr: CIDR) -> NFTExpression {
        // A CIDR's text always parses as an NFTPrefix (same grammar, validated when decoded).
        guard let prefix = try? NFTPrefix(cidr.description) else { return .string(cidr.address.description) }
        return .prefix(prefix)
    }

    /// Except ranges without the ones inside another (an anonymous interval set rejects overlaps).
    static func outermost(_ ranges: [CIDR]) -> [CIDR] {
        let unique = Array(Set(ranges))
        return unique.filter { range in !unique.contains { $0 != range && $0.contains(range) } }
            .sorted { ($0.address, $0.length) < ($1.address, $1.length) }
    }
}
