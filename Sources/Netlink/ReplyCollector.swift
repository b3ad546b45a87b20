import CMnl
#if canImport(Glibc)
import Glibc
#endif

/// Gathers the replies to one request, in the order they arrive, until it is answered:
/// by an acknowledgement (`NLMSG_ERROR`, error 0 or not) or, for a dump, by `NLMSG_DONE`.
/// Messages with another sequence number (late answers to an earlier request) or addressed
/// to another port are dropped (libmnl's `mnl_nlmsg_seq_ok` / `mnl_nlmsg_portid_ok` rules).
struct ReplyCollector {
    let sequence: UInt32
    let portID: UInt32
    private(set) var replies: [NetlinkReply] = []
    private(set) var finished = false
    private(set) var interrupted = false
    private(set) var failure: NetlinkAcknowledgement?

    init(sequence: UInt32, portID: UInt32) {
        self.sequence = sequence
        self.portID = portID
    }

    mutating func consume(_ messages: [NetlinkReply]) {
        for message in messages where !finished && message.sequence == sequence
            && (message.portID == 0 || portID == 0 || message.portID == portID)
        {
            if message.isDumpInterrupted { interrupted = true }
            switch Int32(message.type) {
            case NLMSG_NOOP:
                continue
            case NLMSG_ERROR:
                let ack = NetlinkAcknowledgement(error: message)
                    ?? NetlinkAcknowledgement(errno: EBADMSG, kernelMessage: "truncated NLMSG_ERROR from the kernel")
                if ack.errno != 0 { failure = ack }
                finished = true
            case NLMSG_DONE:
                let ack = NetlinkAcknowledgement(done: message)
                if ack.errno != 0 { failure = ack }
                finished = true
            case NLMSG_OVERRUN:
                failure = NetlinkAcknowledgement(errno: ENOBUFS, kernelMessage: "netlink overrun: messages were lost")
                finished = true
            default:
                replies.append(message)
            }
        }
    }
}

extension NetlinkAcknowledgement {
    init(errno: Int32, kernelMessage: String?) {
        self.errno = errno
        self.kernelMessage = kernelMessage
        self.badAttributeOffset = nil
    }
}
