#!/usr/bin/env python3
"""schemacheck.py - `nstopo schema` against files, for t-schema.sh.

usage: schemacheck.py SCHEMA.json valid FILE...
       schemacheck.py SCHEMA.json invalid DIR
       schemacheck.py SCHEMA.json values NSTOPO

Prints one line a check, "PASS what" or "FAIL what: why", for the shell
to count.  The schema itself must be a valid draft-07 schema.

Files are read as an editor with yaml-language-server reads them: YAML
1.2's core schema (true/false only are booleans, 0o/0x numbers, no base
60), duplicate keys and aliases that contain themselves are errors.

valid: every FILE must load and validate.

invalid: every NNN-*.yaml of the invalid corpus is one of three kinds,
each checked to be so:
  - listed in YAML below: an editor cannot read it as one YAML 1.2
    document (syntax, tags, merge keys, duplicate keys): it must fail to
    load;
  - listed in SEMANTIC below, with why: the file is well formed, every
    value of the right type, range and choices, and what is wrong needs
    the whole file (a name that resolves nowhere, a clash) or a rule of
    validate.c between values: the schema must accept it, so that the
    list stays true;
  - any other: invalid for structural reasons (an unknown key, a wrong
    type, a value out of range, a word not among the choices, a name's
    characters, a link's kind without its keys): the schema must reject it.

values: single values put in a tiny topology, each through `nstopo
validate` and through the schema: the two must agree (the patterns the
schema writes for names, addresses, MACs, times, against the C code that
reads them).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import jsonschema
import yaml

# An editor cannot read these as one YAML 1.2 document.
YAML = {
    "001-yaml-syntax-unclosed-flow-mapping": "syntax error",
    "002-yaml-syntax-bad-indentation": "syntax error",
    "003-yaml-syntax-tab-indentation": "syntax error",
    "008-two-documents": "two documents",
    "051-duplicate-node": "duplicate key",
    "052-duplicate-interface-key": "duplicate key",
    "053-duplicate-keys-several": "duplicate key",
    "128-alias-recursive": "an alias inside its own anchor",
    "129-alias-recursive-mapping": "an alias inside its own anchor",
    "130-alias-unknown": "an alias without an anchor",
    "132-tag-custom": "an unknown tag",
    "133-tag-python-object": "an unknown tag",
    "134-nesting-too-deep": "one ']' more than '[' (nstopo stops at the depth first)",
    "138-merge-key-scalar": "a merge key with a scalar",
    "139-merge-key-sequence-of-scalars": "a merge key with a scalar",
    "140-mapping-key-not-scalar": "a mapping as a key",
    "185-tag-contradicts-value": "a tag its value contradicts (!!int true)",
}

# Well formed; what is wrong is beyond a schema.
SEMANTIC = {
    "054-duplicate-interface-via-links": "two links make one interface",
    "055-link-unknown-node": "an endpoint names no node or bridge",
    "056-link-unknown-bridge": "an endpoint names no node or bridge",
    "057-link-unknown-name": "an endpoint names no node or bridge",
    "058-endpoint-bare-node": "a bare BRIDGE is good, a bare NODE not: "
                              "which one a name is, the file says",
    "059-endpoint-ambiguous": "a name that is both a node and a bridge",
    "063-link-bridge-to-itself": "both ends on one bridge",
    "064-bridge-unknown-node": "a bridge in a node the file lacks",
    "065-interface-not-created": "settings for an interface nothing makes",
    "066-interface-typo-suggestion": "settings for an interface nothing "
                                     "makes",
    "067-mac-on-lo": "lo has no MAC: an interface's name decides",
    "086-address-multicast": "a well-formed address that is no unicast "
                             "address (validate.c)",
    "087-address-ipv6-multicast": "a well-formed address that is no "
                                  "unicast address (validate.c)",
    "088-address-zero-network": "a well-formed address that is no unicast "
                                "address (validate.c)",
    "090-address-ipv6-loopback": "::1 belongs to lo: an interface's name "
                                 "decides",
    "092-address-twice-in-namespace": "a clash between two interfaces",
    "093-address-twice-on-interface": "a clash within a list",
    "095-route-default-without-via": "default takes its family from via: "
                                     "a rule between two values",
    "096-route-host-bits": "host bits: arithmetic on the prefix",
    "097-route-via-family-mismatch": "families of two values",
    "098-route-gateway-unreachable": "the gateway against the node's "
                                     "subnets",
    "099-route-gateway-own-address": "the gateway against the node's "
                                     "addresses",
    "100-route-gateway-link-local-no-dev": "a link-local via needs dev: "
                                           "a rule between two values",
    "101-route-dev-missing": "a dev the node lacks",
    "102-route-blackhole-with-via": "a type against other keys' values",
    "107-route-duplicate": "two routes alike",
    "108-route-clashes-connected": "a route against the kernel's own",
    "109-route-clashes-local": "a route against the kernel's own",
    "113-route-gateway-on-down-interface": "a gateway on an interface "
                                           "that is down",
    "114-intercept-in-host": "host is a node name like another to a "
                             "schema",
    "115-intercept-host-bits": "host bits: arithmetic on the prefix",
    "116-intercept-loopback": "a prefix against the kernel's own routes",
    "122-sysctl-unknown-interface": "a sysctl of an interface the node "
                                    "lacks",
    "124-defaults-route-own-gateway": "a default route against a node's "
                                      "addresses",
    "125-defaults-default-route-without-via": "default takes its family "
                                              "from via: a rule between "
                                              "two values",
    "143-bridge-1024-ports": "ports counted over all links",
    "146-host-lo-mtu": "the host's lo: a node's name decides",
    "147-ipv6-address-mtu-1200": "an MTU against the addresses",
    "148-onlink-without-via": "onlink needs via: a rule between two "
                              "values of validate.c",
    "151-x-key-near-nodes": "x-nodes is the user's own: the nodes are "
                            "missing, which references show",
    "152-x-key-near-links": "x-links is the user's own: the links are "
                            "missing, which routes show",
    "153-ifname-byte-a0-a-grave": "a byte the kernel's isspace() takes (0xA0) inside a UTF-8 name: a string pattern sees characters, not bytes",
    "159-lo-address-127-0-0-1": "lo's own address: what the kernel has already",
    "160-lo-address-ipv6-loopback": "lo's own address: what the kernel has already",
    "161-route-fe80-metric-256": "the kernel's own route, by key",
    "162-route-local-broadcast": "the kernel's own local route, by key",
    "163-route-local-loopback": "the kernel's own local route, by key",
    "164-intercept-broadcast": "the kernel's own local route, by key",
    "165-gateway-broadcast": "a gateway the kernel refuses, by address class",
    "166-gateway-multicast": "a gateway the kernel refuses, by address class",
    "167-gateway-unspecified": "a gateway the kernel refuses, by address class",
    "168-gateway-ipv6-unspecified": "a gateway the kernel refuses, by address class",
    "169-gateway-ipv6-multicast": "a gateway the kernel refuses, by address class",
    "170-gateway-loopback": "a gateway the kernel refuses, by address class",
    "171-macvlan-mtu-above-parent": "an MTU checked against another interface's",
    "172-macvlan-mac-of-parent": "a MAC checked against another interface's",
    "173-macvlan-mac-of-sibling": "a MAC checked against another interface's",
    "174-macvlan-two-passthru": "two links on one parent",
    "175-macvlan-beside-passthru": "two links on one parent",
    "176-macvlan-parent-bridge-port": "a parent that is another link's bridge port",
    "177-mac-duplicate-on-bridge": "a MAC checked against other interfaces'",
    "178-route-ff00-metric-256": "the kernel's own route, by key",
    "179-host-lo-address": "lo's own address: what the kernel has already",
    "180-macvlan-passthru-mac": "a MAC the kernel replaces, by mode",
    "181-macvlan-parent-lo": "a parent by name (lo)",
    "182-route-local-lo-prefix": "the kernel's own local route, by key",
    "184-number-leading-zero": "YAML 1.2 reads 01500 as 1500 (1.1 as octal): a schema sees only the number",
    "186-tag-says-another-type": "a tag naming another type: the loader gives the schema the value alone",
    "188-sysctl-number-octal": "a sysctl value the kernel would read back otherwise: values are free text",
    "189-gateway-own-onlink": "a gateway that is the node's own address",
    "190-mtu-below-1280-no-ipv6": "IPv6 settings on an interface whose MTU leaves it without IPv6",
    "191-ipv6-disabled": "IPv6 settings with IPv6 disabled",
    "192-gateway-behind-reject-route": "a gateway hidden by another route",
    "193-ipv6-gateway-through-gateway": "a gateway hidden by another route",
    "194-gateway-after-device-route": "a gateway reached only through a later route",
    "195-onlink-gateway-local-or-elsewhere": "an onlink gateway covered by another route or subnet",
    "196-dad-without-carrier": "DAD on a link that never gets carrier",
    "183-merge-key-twice": "two << keys: a loader that knows merge keys (YAML 1.1) takes both; a schema sees the merged mapping",
    "198-vxlan-vni-clash": "two links with one VNI on one machine",
    "199-host-unknown": "host: names a machine hosts: lacks",
    "201-node-bridge-across-hosts": "a node's bridge with a port on another machine",
    "202-host-without-hosts": "host: without hosts:",
    "203-forward-unknown-node": "a forward to a node the file lacks",
    "204-forward-socket-taken": "two forwards on one socket: a clash",
    "206-forward-to-unreachable": "a target against the node's subnets "
                                  "and routes",
    "208-bridge-querier-on-host-lan": "a querier on a bridge with a port the host had",
    "209-onlink-gateway-routed-elsewhere": "an onlink gateway against the "
                                           "node's other routes",
    "210-address-subnet-broadcast": "an address against its own prefix "
                                    "length (every host bit set)",
    "211-ipv6-gateway-via-lo-route": "a gateway against the node's "
                                     "subnets and routes",
    "212-ipv6-gateway-dev-lo": "a gateway's family against its device",
    "213-ipv6-gateway-in-lo-subnet": "a gateway against the node's "
                                     "addresses on lo",
    "214-ipv6-gateway-under-reject-route-of-lower-metric": "a gateway "
    "against the metrics of the node's reject routes",
}


class Loader(yaml.SafeLoader):
    """YAML 1.2 core schema, as yaml-language-server reads a file."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            anchor = self.peek_event().anchor
            if anchor in self._open:
                raise yaml.composer.ComposerError(
                    None, None, "alias *%s inside its own anchor" % anchor,
                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        if anchor:
            self._open.discard(anchor)
        return node

    def construct_mapping(self, node, deep=False):
        seen = set()
        for k, _ in node.value:
            if isinstance(k, yaml.ScalarNode) and k.tag != \
                    "tag:yaml.org,2002:merge":
                if k.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, "duplicate key %r" % k.value,
                        k.start_mark)
                seen.add(k.value)
        return super().construct_mapping(node, deep)


Loader.yaml_implicit_resolvers = {}
for tag, regexp, first in [
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
     "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)"
              r"(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
              r"|\.(?:nan|NaN|NAN))$", "-+.0123456789"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("merge", r"^(?:<<)$", "<"),
]:
    Loader.add_implicit_resolver("tag:yaml.org,2002:" + tag,
                                 re.compile(regexp), list(first))


def construct_bool(loader, node):
    return loader.construct_scalar(node) in ("true", "True", "TRUE")


def construct_int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith("0o"):
        return int(v[2:], 8)
    return int(v, 0) if v.startswith("0x") else int(v, 10)


Loader.add_constructor("tag:yaml.org,2002:bool", construct_bool)
Loader.add_constructor("tag:yaml.org,2002:int", construct_int)


def load(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8")
    loader = Loader(text)
    loader._open = set()
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def errors(validator, doc):
    """The schema's complaints, one short line each."""
    out = []
    for e in validator.iter_errors(doc):
        where = "/".join(str(p) for p in e.absolute_path) or "(top)"
        out.append("%s: %s" % (where, e.message[:160]))
    return sorted(out)


def say(ok, what, why=""):
    print("%s %s%s" % ("PASS" if ok else "FAIL", what,
                       ": " + why if why and not ok else ""))


def check_valid(validator, files):
    for f in files:
        try:
            doc = load(f)
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            say(False, f + " loads", str(e).replace("\n", " ")[:200])
            continue
        errs = errors(validator, doc)
        say(not errs, f + " is valid by the schema", "; ".join(errs[:3]))


def check_invalid(validator, d):
    names = sorted(f[:-5] for f in os.listdir(d)
                   if re.match(r"^[0-9]{3}-.*\.yaml$", f))
    for listed in sorted(set(YAML) | set(SEMANTIC)):
        if listed not in names:
            say(False, listed, "listed, but not in the corpus")
    for name in names:
        path = os.path.join(d, name + ".yaml")
        try:
            doc = load(path)
            loaded, why = True, ""
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError,
                ValueError) as e:
            loaded, why = False, str(e).replace("\n", " ")[:200]
        if name in YAML:
            say(not loaded, "%s: not one YAML 1.2 document (%s)" %
                (name, YAML[name]), "it loads")
            continue
        if not loaded:
            say(False, name + " loads", why)
            continue
        errs = errors(validator, doc)
        if name in SEMANTIC:
            say(not errs, "%s: the schema accepts it (%s)" %
                (name, SEMANTIC[name]),
                "rejected, take it off SEMANTIC: " + "; ".join(errs[:2]))
        else:
            say(bool(errs), name + ": the schema rejects it",
                "the schema accepts it")


# KEY: (topology text with {} for the value, values...).  Each value is
# written as given, so quoting is part of the test.
VALUES = {
    "node name": ("nodes:\n  {}: {{}}\n",
                  ["r1", "R-1", "a.b_c", "-r", ".", "..", "r/1", "r 1",
                   "\"rü\"", "x" * 32, "x" * 33, "host", "\"1\""]),
    "lab name": ("name: {}\nnodes: {{r1: {{}}}}\n",
                 ["lab1", "a-b", "Lab", "-a", "a_b", "a" * 24, "a" * 25,
                  "\"\""]),
    "namespace-prefix": ("namespace-prefix: {}\nnodes: {{r1: {{}}}}\n",
                         ["\"\"", "x-", "a.b_c-", "a/b", "a b",
                          "x" * 32, "x" * 33]),
    "interface name": ("nodes:\n  r1:\n    interfaces:\n      {0}: {{}}\n"
                       "bridges:\n  {0}: {{node: r1}}\n",
                       ["eth0", "e.1", "e-1_x", "\"e:1\"", "e/1", "e%d",
                        "\".\"", "\"..\"", "all", "default", "x" * 15,
                        "x" * 16, "\"e 1\"", "\"e\\t1\""]),
    "address": ("nodes:\n  r1:\n    interfaces:\n"
                "      eth0: {{addresses: [{}]}}\nlinks:\n"
                "  - {{kind: dummy, endpoint: r1:eth0}}\n",
                ["10.0.0.1/24", "10.0.0.1/32", "10.0.0.1/0",
                 "10.0.0.1/33", "10.0.0.1/024", "10.0.0.1", "010.0.0.1/8",
                 "10.0.256.1/24", "10.0.0/24", "\"fd00::1/64\"",
                 "\"fd00::1/128\"", "\"fd00::1/129\"", "\"fd00:0:0:0:0:0:0:1/64\"",
                 "\"fd00:0:0:0:0:0:0:0:1/64\"", "\"fd00::1::1/64\"",
                 "\"::ffff:10.0.0.1/120\"", "\"1:2:3:4:5:6:10.0.0.1/64\"",
                 "\"1:2:3:4:5:6:7::/64\"", "\"::2:3:4:5:6:7:8/64\"",
                 "\"fd00::12345/64\"", "\"fe80::1%eth0/64\"",
                 "\"FD00::A/64\"", "\"fd00::/64\""]),
    "gateway": ("nodes:\n  r1:\n    interfaces:\n"
                "      eth0: {{addresses: [10.0.0.1/8, \"fd00::1/16\"]}}\n"
                "    routes: [{{to: default, via: {}}}]\n"
                "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
                ["10.0.0.2", "10.0.0.2/32", "\"fd00::2\"", "10.0.0.256"]),
    "mac": ("nodes:\n  r1:\n    interfaces:\n      eth0: {{mac: {}}}\n"
            "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
            ["\"02:00:00:00:00:01\"", "\"02:AB:cd:00:00:01\"",
             "\"01:00:00:00:00:01\"", "\"00:00:00:00:00:00\"",
             "\"02:00:00:00:00\"", "\"02-00-00-00-00-01\"",
             "\"2:0:0:0:0:1\"", "\"02:00:00:00:00:01:02\""]),
    "mtu": ("nodes:\n  r1:\n    interfaces:\n      eth0: {{mtu: {}}}\n"
            "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
            ["68", "67", "1500", "65535", "65536", "\"1500\"", "\"67\"",
             "\"70000\"", "1500.5", "-1", "abc", "true"]),
    "metric": ("nodes:\n  r1:\n    routes: [{{to: 192.0.2.0/24, "
               "type: blackhole, metric: {}}}]\n",
               ["0", "4294967295", "4294967296", "\"4294967295\"",
                "\"4294967296\"", "\"99999999999\""]),
    "up": ("nodes:\n  r1:\n    interfaces:\n      eth0: {{up: {}}}\n"
           "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
           ["true", "false", "yes", "No", "ON", "off", "\"true\"",
            "maybe", "1", "0"]),
    "delay": ("nodes:\n  r1:\n    interfaces:\n"
              "      eth0: {{netem: {{delay: {}}}}}\n"
              "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
              ["10ms", "250us", "1.5s", "60s", "10", "1.5", ".5ms",
               "60000", "60001", "-1ms", "10 ms", "10m", "1e3us", "nan",
               "0x10ms", "\"10\"", "\"60001\""]),
    "loss": ("nodes:\n  r1:\n    interfaces:\n"
             "      eth0: {{netem: {{loss: {}}}}}\n"
             "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
             ["1%", "0.5", "100", "100%", "0", "101", "-1", "1 %",
              "abc", "\"5\"", "1e1"]),
    "rate": ("nodes:\n  r1:\n    interfaces:\n      eth0: {{rate: {}}}\n"
             "links:\n  - {{kind: dummy, endpoint: r1:eth0}}\n",
             ["10mbit", "500Kbit", "1gbit", "2mbps", "1000000", "8",
              "7", "10mb", "fast", "\"1000\""]),
    "sysctl key": ("nodes:\n  r1:\n    sysctl: {{{}: 1}}\n",
                   ["net.ipv4.ip_forward", "net.ipv4.conf.all.rp_filter",
                    "net.core.some_thing-x@y+z",
                    "kernel.panic", "net", "net.", "net..x", "net.ipv4.tcp_*",
                    "net./.x", "net.//.x", "net.///.x", "net./a.x"]),
    "route type": ("nodes:\n  r1:\n    routes: [{{to: 192.0.2.0/24, "
                   "type: {}}}]\n",
                   ["blackhole", "unreachable", "prohibit", "nat",
                    "Blackhole"]),
    "table": ("nodes:\n  r1:\n    routes: [{{to: 192.0.2.0/24, "
              "type: blackhole, table: {}}}]\n",
              ["main", "local", "default", "100", "0", "\"7\"", "mian"]),
    "link kind": ("nodes: {{r1: {{}}}}\nlinks:\n"
                  "  - {{kind: {}, endpoint: r1:e0}}\n",
                  ["dummy", "veth", "macvlan", "vlan", "bridge", "vxlan"]),
    "macvlan mode": ("nodes: {{r1: {{}}}}\nlinks:\n"
                     "  - {{kind: dummy, endpoint: r1:p0}}\n"
                     "  - {{kind: macvlan, endpoint: r1:m0, parent: r1:p0, "
                     "mode: {}}}\n",
                     ["bridge", "private", "vepa", "passthru", "l2",
                      "bogus"]),
    "ipvlan mode": ("nodes: {{r1: {{}}}}\nlinks:\n"
                    "  - {{kind: dummy, endpoint: r1:p0}}\n"
                    "  - {{kind: ipvlan, endpoint: r1:m0, parent: r1:p0, "
                    "mode: {}}}\n",
                    ["l2", "l3", "l3s", "bridge"]),
    "vlan id": ("nodes: {{r1: {{}}}}\nlinks:\n"
                "  - {{kind: dummy, endpoint: r1:p0}}\n"
                "  - {{kind: vlan, endpoint: r1:v0, parent: r1:p0, "
                "id: {}}}\n",
                ["1", "4094", "0", "4095", "\"10\"", "\"5000\""]),
    "link keys": ("nodes: {{r1: {{}}, r2: {{}}}}\nlinks:\n"
                  "  - {{kind: dummy, endpoint: r1:p0}}\n  - {}\n",
                  ["{endpoints: [r1:a, r2:a]}", "[r1:a, r2:a]",
                   "{kind: veth, endpoints: [r1:a, r2:a]}",
                   "{endpoints: [r1:a, r2:a], mode: bridge}",
                   "{kind: dummy, endpoint: r1:d}",
                   "{kind: dummy, endpoint: r1:d, parent: r1:p0}",
                   "{kind: dummy, endpoints: [r1:a, r2:a]}",
                   "{kind: vlan, endpoint: r1:v, parent: r1:p0}",
                   "{kind: vlan, endpoint: r1:v, parent: r1:p0, id: 5, "
                   "mode: l2}",
                   "{kind: macvlan, endpoint: r1:m}",
                   "{kind: macvlan, endpoint: r1:m, parent: r1:p0, id: 3}",
                   "{kind: ipvlan, endpoint: r1:m, parent: r1:p0}",
                   "[r1:a]", "[r1:a, r2:a, r2:b]", "{mtu: 1400}"]),
    "forward listen": ("nodes: {{r1: {{}}}}\nforwards:\n"
                       "  - {{listen: {}, to: \"r1:127.0.0.1:80\"}}\n",
                       ["\"127.0.0.1:8080\"", "\"[::1]:8080\"",
                        "\"0.0.0.0:1\"", "\"[::]:65535\"",
                        "\"r1:127.0.0.1:8081\"", "\"host:[::1]:8080\"",
                        "\"::1:8080\"", "\"[::1]\"", "\"127.0.0.1\"",
                        "\"127.0.0.1:0\"", "\"127.0.0.1:65536\"",
                        "\"127.0.0.1:0080\"", "\"127.0.0.1:http\"",
                        "\"[fe80::1%eth0]:80\"", "\"-r:127.0.0.1:80\"",
                        "\"010.0.0.1:80\"", "8080"]),
    "forward to": ("nodes: {{r1: {{}}}}\nforwards:\n"
                   "  - {{listen: \"[::1]:8080\", to: {}}}\n",
                   ["\"r1:127.0.0.1:80\"", "\"r1:[::1]:80\"",
                    "\"127.0.0.1:80\"", "\"r1:[::1]\"",
                    "\"r1:127.0.0.1:65536\""]),
    "forward proto": ("nodes: {{r1: {{}}}}\nforwards:\n"
                      "  - {{listen: \"[::1]:8080\", to: "
                      "\"r1:127.0.0.1:80\", proto: {}}}\n",
                      ["tcp", "udp", "sctp", "TCP"]),
}


# Where the schema is looser than nstopo, and why.  Each must still be so.
LOOSER = {
    ("delay", "\"60001\""): "a number in quotes is text to an editor: "
                             "its form is checked, not its size",
}


def check_values(validator, nstopo):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "v.yaml")
        for key, (text, values) in VALUES.items():
            for v in values:
                t = text.format(v)
                with open(path, "w") as f:
                    f.write(t)
                r = subprocess.run([nstopo, "validate", path],
                                   capture_output=True, text=True)
                by_nstopo = r.returncode == 0
                try:
                    by_schema = not errors(validator, load(path))
                except yaml.YAMLError:
                    by_schema = False
                what = "%s %s: nstopo %s, the schema %s" % (
                    key, v, "accepts" if by_nstopo else "refuses",
                    "accepts" if by_schema else "refuses")
                if (key, v) in LOOSER:
                    say(by_schema and not by_nstopo, "%s (%s)" %
                        (what, LOOSER[(key, v)]), "take it off LOOSER")
                    continue
                say(by_nstopo == by_schema, what,
                    "they differ: " + r.stderr.strip()[:160])


def undescribed(node, path="", out=None):
    """The keys the schema names without a description."""
    out = [] if out is None else out
    if isinstance(node, dict):
        for k, v in node.get("properties", {}).items():
            if isinstance(v, dict) and "description" not in v and \
                    not re.search(r"/(if|then)$", path):
                out.append(path + "/" + k)
        for k, v in node.items():
            undescribed(v, path + "/" + k, out)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            undescribed(v, "%s/%d" % (path, i), out)
    return out


def main():
    schema_path, mode = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    try:
        jsonschema.Draft7Validator.check_schema(schema)
        say(True, "the schema is a valid draft-07 schema")
    except jsonschema.SchemaError as e:
        say(False, "the schema is a valid draft-07 schema", e.message)
        return
    validator = jsonschema.Draft7Validator(schema)
    missing = undescribed(schema)
    say(not missing, "every key has a description", " ".join(missing[:5]))
    if mode == "valid":
        check_valid(validator, sys.argv[3:])
    elif mode == "invalid":
        check_invalid(validator, sys.argv[3])
    elif mode == "values":
        check_values(validator, sys.argv[3])
    else:
        sys.exit("usage: schemacheck.py SCHEMA valid FILE...|invalid DIR"
                 "|values NSTOPO")


if __name__ == "__main__":
    main()
