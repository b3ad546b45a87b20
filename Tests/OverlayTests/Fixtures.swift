import CNISpec
import Netlink

@testable import Overlay
import JSONSupport

/// Builds a `VxlanConfig` from the JSON text of the plugin object.
func vxlanConfig(_ json: String) throws(CNIError) -> VxlanConfig {
    let value: JSONValue
    do { value = try JSONParser.parse(json) } catch { throw CNIError(.decodingFailure, "test JSON", details: error.description) }
    guard case .object(let object) = value else { throw CNIError(.decodingFailure, "test JSON is not an object") }
    return try VxlanConfig(networkName: "net", reader: JSONFieldReader(object))
}

func node(_ name: String, _ ip: String, _ cidrs: String...) -> ClusterNode {
    ClusterNode(name: name, underlayIP: InetAddress(ip)!, podCIDRs: cidrs.map { InetPrefix($0)! })
}

let threeNodes = """
    "nodes": [
      {"name": "a", "underlayIP": "192.168.1.1", "podCIDRs": ["10.244.1.0/24"]},
      {"name": "b", "underlayIP": "192.168.1.2", "podCIDRs": ["10.244.2.0/24", "fd00:2::/64"]},
      {"name": "c", "underlayIP": "10.9.0.3", "podCIDRs": ["10.244.3.0/24"], "vtepMAC": "02:00:00:00:00:03"}
    ]
    """
