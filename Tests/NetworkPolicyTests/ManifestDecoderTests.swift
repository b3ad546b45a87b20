import NetworkPolicy
import Testing
import JSONSupport

@Suite("manifest decoding")
struct ManifestDecoderTests {
    func decode(_ text: String) throws -> ManifestObjects {
        try ManifestDecoder(source: "test.json").decode(try JSONParser.parse(text))
    }

    @Test func namespacePodAndPolicyInAList() throws {
        let objects = try decode(#"""
        {"apiVersion":"v1","kind":"List","items":[
          {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x","labels":{"ns":"x"}}},
          {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"x","labels":{"pod":"a"}},
           "spec":{"containers":[{"name":"c","ports":[{"name":"serve-80-tcp","containerPort":80},{"name":"serve-80-udp","containerPort":80,"protocol":"UDP"}]}]},
           "status":{"podIP":"10.244.1.10","podIPs":[{"ip":"10.244.1.10"},{"ip":"fd00::10"}]}},
          {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ignored"}},
          {"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"p","namespace":"x"},
           "spec":{"podSelector":{"matchLabels":{"pod":"a"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["db","cache"]}]},
                   "ingress":[{"from":[{"podSelector":{}},{"namespaceSelector":{"matchLabels":{"ns":"y"}},"podSelector":{"matchLabels":{"pod":"b"}}},
                                       {"ipBlock":{"cidr":"10.0.0.0/8","except":["10.1.0.0/16"]}}],
                               "ports":[{"port":80},{"port":"serve-81-udp","protocol":"UDP"},{"port":1000,"endPort":2000,"protocol":"SCTP"},{"protocol":"UDP"}]}],
                   "egress":[{}]}}
        ]}
        """#)
        #expect(objects.namespaces == [Namespace(name: "x", labels: ["ns": "x"])])
        #expect(objects.namespaces[0].labels["kubernetes.io/metadata.name"] == "x")
        #expect(objects.pods == [Pod(namespace: "x", name: "a", labels: ["pod": "a"], ips: [IPAddress("10.244.1.10")!, IPAddress("fd00::10")!],
                                    ports: [ContainerPort(name: "serve-80-tcp", port: 80), ContainerPort(name: "serve-80-udp", port: 80, proto: .udp)])])
        let policy = try #require(objects.policies.first)
        #expect(policy.podSelector.description == "pod=a,tier notin (cache,db)")
        #expect(policy.declaredPolicyTypes == nil)
        #expect(policy.policyTypes == [.ingress, .egress])
        #expect(policy.egress == [PolicyRule()])
        #expect(policy.ingress == [PolicyRule(
            peers: [.pods(podSelector: .everything, namespaceSelector: nil),
                    .pods(podSelector: LabelSelector(matchLabels: ["pod": "b"]), namespaceSelector: LabelSelector(matchLabels: ["ns": "y"])),
                    .ipBlock(IPBlock(cidr: CIDR("10.0.0.0/8")!, except: [CIDR("10.1.0.0/16")!]))],
            ports: [PolicyPort(port: .number(80)), PolicyPort(proto: .udp, port: .named("serve-81-udp")),
                    PolicyPort(proto: .sctp, port: .number(1000), endPort: 2000), PolicyPort(proto: .udp)])])
    }

    @Test func singleObjectsAndTopLevelArrays() throws {
        let one = try decode(#"{"kind":"NetworkPolicy","metadata":{"name":"deny"},"spec":{"podSelector":{},"policyTypes":["Egress"]}}"#)
        #expect(one.policies == [NetworkPolicy(namespace: "default", name: "deny", policyTypes: [.egress])])
        #expect(one.policies[0].policyTypes == [.egress])
        let many = try decode(#"[{"kind":"Namespace","metadata":{"name":"a"}},{"kind":"PodList","items":[{"kind":"Pod","metadata":{"name":"p"}}]}]"#)
        #expect(many.namespaces.map(\.name) == ["a"])
        #expect(many.pods.map(\.ref) == [ObjectRef(namespace: "default", name: "p")])
        #expect(many.pods[0].ips.isEmpty)
        let finished = try decode(#"{"kind":"Pod","metadata":{"name":"job"},"status":{"phase":"Succeeded","podIP":"10.0.0.9"}}"#)
        #expect(finished.pods[0].ips.isEmpty, "a finished pod's address may belong to a new pod")
    }

    @Test func errorsSayWhereAndWhy() {
        let cases: [(String, String)] = [
            (#"{"kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"ingress":[{"ports":[{"port":"http","endPort":90}]}]}}"#,
             "test.json: $.spec.ingress[0].ports[0].endPort: endPort needs a numeric port"),
            (#"{"kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"ingress":[{"from":[{"ipBlock":{"cidr":"10.0.0.0/8"},"podSelector":{}}]}]}}"#,
             "test.json: $.spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector"),
            (#"{"kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"podSelector":{"matchExpressions":[{"key":"a","operator":"Has"}]}}}"#,
             "test.json: $.spec.podSelector.matchExpressions[0].operator: expected In, NotIn, Exists or DoesNotExist"),
            (#"{"kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"podSelector":{"matchExpressions":[{"key":"a","operator":"In","values":[]}]}}}"#,
             "test.json: $.spec.podSelector.matchExpressions[0].values: In needs values"),
            (#"{"kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"egress":[{"to":[{"ipBlock":{"cidr":"10.0.0.0/8","except":["11.0.0.0/16"]}}]}]}}"#,
             "test.json: $.spec.egress[0].to[0].ipBlock.except[0]: 11.0.0.0/16 is not inside 10.0.0.0/8"),
            (#"{"kind":"NetworkPolicy","metadata":{"name":"p"},"spec":{"ingress":[{"ports":[{"port":80,"protocol":"ICMP"}]}]}}"#,
             "test.json: $.spec.ingress[0].ports[0].protocol: expected TCP, UDP or SCTP"),
            (#"{"kind":"Pod","metadata":{"name":"p"},"status":{"podIP":"10.0.0.300"}}"#,
             "test.json: $.status.podIP: not an IP address: 10.0.0.300"),
            (#"{"kind":"List","items":[{"kind":"Pod","metadata":{}}]}"#, "test.json: $.items[0].metadata.name: missing or not a string"),
        ]
        for (text, message) in cases {
            #expect(throws: ManifestError.self) { try decode(text) }
            do {
                _ = try decode(text)
            } catch {
                #expect("\(error)" == message)
            }
        }
    }

    @Test func selectorSemantics() {
        let labels: Labels = ["app": "web", "tier": "front"]
        #expect(LabelSelector().matches(labels))
        #expect(LabelSelector(matchLabels: ["app": "web"]).matches(labels))
        #expect(!LabelSelector(matchLabels: ["app": "web", "x": "y"]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "missing", op: .notIn, values: ["a"])]).matches(labels), "NotIn matches an absent key")
        #expect(!LabelSelector(matchExpressions: [.init(key: "app", op: .notIn, values: ["web"])]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "app", op: .in, values: ["db", "web"])]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "missing", op: .in, values: ["a"])]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "tier", op: .exists)]).matches(labels))
        #expect(!LabelSelector(matchExpressions: [.init(key: "tier", op: .doesNotExist)]).matches(labels))
        #expect(LabelSelector(matchExpressions: [.init(key: "zone", op: .doesNotExist)]).matches(labels))
    }

    @Test func addresses() {
        #expect(IPAddress("fd00:0:0::10")?.description == "fd00::10")
        #expect(IPAddress("::ffff:10.1.2.3")?.bytes.suffix(4) == [10, 1, 2, 3])
        #expect(IPAddress("1.2.3") == nil && IPAddress("1::2::3") == nil && IPAddress("01234::") == nil)
        #expect(CIDR("10.1.2.3/16")?.description == "10.1.0.0/16")
        #expect(CIDR("10.1.0.0/16")!.contains(IPAddress("10.1.255.1")!))
        #expect(!CIDR("10.1.0.0/16")!.contains(IPAddress("10.2.0.1")!))
        #expect(CIDR("0.0.0.0/0")!.contains(IPAddress("203.0.113.9")!))
        #expect(!CIDR("0.0.0.0/0")!.contains(IPAddress("fd00::1")!))
        #expect(CIDR("fd00::/8")!.contains(IPAddress("fdff::1")!))
    }
}
