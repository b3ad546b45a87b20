import NFTables

extension NFTablesTransaction {
    /// The JSON of one rule as a transaction writes it (used to fingerprint rule lists).
    static func ruleText(_ rule: NFTRule) -> String {
        var tx = NFTablesTransaction()
        tx.add(rule)
        return tx.text
    }
}
