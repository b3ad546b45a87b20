import ArgumentParser
import CNIRuntime
import CNISpec
import JSONSupport

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the container to the network: ADD through every plugin; print the result; cache it.")
    @OptionGroup var network: NetworkOptions
    @OptionGroup var attachment: AttachmentOptions

    func run() throws {
        let list = try prepare("add", network)
        let rt = try prepare("add", attachment)
        guard FileSystem.exists(rt.netns) else {
            throw Output.fail("add", CNIError(.unknownContainer, "network namespace \(rt.netns) does not exist"))
        }
        Output.printJSON(try reporting("add", version: list.cniVersion) { () throws(RuntimeError) in try network.runtime().add(list, rt) })
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "CHECK every plugin against the cached ADD result (needs CNI version 0.4.0 or newer).")
    @OptionGroup var network: NetworkOptions
    @OptionGroup var attachment: AttachmentOptions

    func run() throws {
        let list = try prepare("check", network)
        let rt = try prepare("check", attachment)
        let outcome = try reporting("check", version: list.cniVersion) { () throws(RuntimeError) in try network.runtime().check(list, rt) }
        if outcome == .disabled {
            Output.info("network \"\(list.name)\" sets disableCheck; nothing checked")
        }
    }
}

struct Del: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the container from the network: DEL in reverse order; drop the cached result.")
    @OptionGroup var network: NetworkOptions
    @OptionGroup var attachment: AttachmentOptions

    func run() throws {
        let list = try prepare("del", network)
        let rt = try prepare("del", attachment)
        try reporting("del", version: list.cniVersion) { () throws(RuntimeError) in try network.runtime().del(list, rt) }
    }
}

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "DEL stale cached attachments, then send GC with the valid attachments to every plugin.",
        discussion: """
            Without --valid or --all-stale, a cached attachment is stale when its recorded netns no \
            longer exists, and the remaining cached attachments are the valid list sent to the \
            plugins (cnictl's cache is then taken as the complete list of this network's \
            attachments). Prints a JSON report on stdout.
            """)
    @OptionGroup var network: NetworkOptions

    @Option(name: .customLong("valid"), help: "A valid attachment CONTAINERID/IFNAME (repeatable).")
    var valid: [String] = []

    @Flag(name: .customLong("all-stale"), help: "Treat every attachment as stale (send an empty valid list).")
    var allStale = false

    func run() throws {
        let list = try prepare("gc", network)
        var explicit: [CNIAttachment]?
        if allStale {
            guard valid.isEmpty else { throw ValidationError("--all-stale and --valid exclude each other") }
            explicit = []
        } else if !valid.isEmpty {
            explicit = []
            for text in valid {
                guard let attachment = GCPlan.parseAttachment(text) else {
                    throw ValidationError("invalid --valid \"\(text)\": expected CONTAINERID/IFNAME")
                }
                explicit!.append(attachment)
            }
        }
        let report = try reporting("gc", version: list.cniVersion) { () throws(RuntimeError) in
            try network.runtime().gc(list, explicitValid: explicit)
        }
        if !report.gcSent {
            Output.info(
                list.disableGC
                    ? "network \"\(list.name)\" sets disableGC; nothing deleted, GC not sent"
                    : "network \"\(list.name)\" uses CNI version \(list.cniVersion); GC needs 1.1.0, not sent to plugins")
        }
        func attachments(_ items: [CNIAttachment]) -> JSONValue {
            .array(items.map { .object(JSONObject([("containerID", .string($0.containerID)), ("ifname", .string($0.ifname))])) })
        }
        Output.printJSON(
            .object(JSONObject([("deleted", attachments(report.deleted)), ("valid", attachments(report.valid)), ("gcSent", .bool(report.gcSent))])))
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "STATUS to every plugin (CNI version 1.1.0 or newer); exit 1 with the first plugin's error.")
    @OptionGroup var network: NetworkOptions

    func run() throws {
        let list = try prepare("status", network)
        let asked = try reporting("status", version: list.cniVersion) { () throws(RuntimeError) in try network.runtime().status(list) }
        if !asked {
            Output.info("network \"\(list.name)\" uses CNI version \(list.cniVersion); STATUS needs 1.1.0, nothing asked")
        }
    }
}
