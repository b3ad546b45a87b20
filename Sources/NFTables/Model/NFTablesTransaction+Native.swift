extension NFTablesTransaction {
    /// The same commands in nft's native syntax: one script, one batch (through
    /// `NFTablesScriptRunner`). An `add table` followed by sets, chains, rules and elements
    /// of that table is written as one `table <family> <name> { ... }` block, its sets first
    /// (elements inline), then its chains (rules inline), each in the order they were added;
    /// every other command is one line.
    public var nativeText: String {
        var out = ""
        var index = 0
        while index < steps.count {
            if case .table(.add, let table) = steps[index] {
                let end = blockEnd(of: table, from: index + 1)
                if end > index + 1 {
                    out += Self.block(table, steps[(index + 1)..<end])
                    index = end
                    continue
                }
            }
            out += Self.line(steps[index]) + "\n"
            index += 1
        }
        return out
    }

    /// The end of the run of commands after `start` that a block of `table` can hold: adds of
    /// its sets, chains and rules, and elements of a set added in the run.
    private func blockEnd(of table: NFTTable, from start: Int) -> Int {
        var sets: Set<String> = []
        var chains: Set<String> = []
        var end = start
        loop: while end < steps.count {
            switch steps[end] {
            case .set(.add, let set) where set.table == table: sets.insert(set.name)
            case .chain(.add, let chain) where chain.table == table: chains.insert(chain.name)
            case .rule(.add, let rule) where rule.chain.table == table && chains.contains(rule.chain.name): break
            case .elements(.add, let set, _) where set.table == table && sets.contains(set.name): break
            default: break loop
            }
            end += 1
        }
        return end
    }

    private static func block(_ table: NFTTable, _ commands: ArraySlice<Command>) -> String {
        var sets: [NFTSet] = [], elements: [String: [NFTElement]] = [:]
        var chains: [NFTChain] = [], rules: [String: [NFTRule]] = [:]
        for command in commands {
            switch command {
            case .set(_, let set): sets.append(set)
            case .elements(_, let set, let added): elements[set.name, default: []] += added
            case .chain(_, let chain): chains.append(chain)
            case .rule(_, let rule): rules[rule.chain.name, default: []].append(rule)
            default: break
            }
        }
        var out = "table \(table) {\n"
        for set in sets {
            out += "\t\(set.isMap ? "map" : "set") \(set.name) {\n\t\t\(typeLine(set))\n"
            if !set.flags.isEmpty { out += "\t\tflags " + set.flags.map(\.rawValue).joined(separator: ",") + "\n" }
            if let members = elements[set.name], !members.isEmpty { out += "\t\telements = { \(elementList(members)) }\n" }
            out += "\t}\n"
        }
        for chain in chains {
            out += "\tchain \(chain.name) {\n"
            if let base = chain.base { out += "\t\t\(baseLine(base))\n" }
            for rule in rules[chain.name] ?? [] { out += "\t\t" + NFTNativeSyntax.rule(rule) + "\n" }
            out += "\t}\n"
        }
        return out + "}\n"
    }

    private static func line(_ command: Command) -> String {
        switch command {
        case .table(let verb, let table): return "\(verb.rawValue) table \(table)"
        case .chain(let verb, let chain):
            let head = "\(verb.rawValue) chain \(chain.table) \(chain.name)"
            guard verb == .add || verb == .create, let base = chain.base else { return head }
            return head + " { \(baseLine(base)) }"
        case .rule(let verb, let rule):
            return "\(verb.rawValue) rule \(rule.chain.table) \(rule.chain.name) " + NFTNativeSyntax.rule(rule)
        case .deleteRule(let chain, let handle): return "delete rule \(chain.table) \(chain.name) handle \(handle)"
        case .set(let verb, let set):
            let head = "\(verb.rawValue) \(set.isMap ? "map" : "set") \(set.table) \(set.name)"
            guard verb == .add || verb == .create else { return head }
            let flags = set.flags.isEmpty ? "" : " flags " + set.flags.map(\.rawValue).joined(separator: ",") + ";"
            return head + " { \(typeLine(set));\(flags) }"
        case .elements(let verb, let set, let elements):
            return "\(verb.rawValue) element \(set.table) \(set.name) { \(elementList(elements)) }"
        }
    }

    private static func typeLine(_ set: NFTSet) -> String {
        "type " + set.keyType.joined(separator: " . ") + (set.mapsTo.map { " : " + $0 } ?? "")
    }

    private static func baseLine(_ base: NFTBaseChain) -> String {
        "type \(base.type.rawValue) hook \(base.hook.rawValue) priority \(base.priority); policy \(base.policy.rawValue);"
    }

    private static func elementList(_ elements: [NFTElement]) -> String {
        elements.map { element in
            NFTNativeSyntax.expression(element.key) + (element.data.map { " : " + NFTNativeSyntax.expression($0) } ?? "")
        }.joined(separator: ", ")
    }
}
