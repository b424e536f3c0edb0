#!/usr/bin/env python3
"""pings.py - the connectivity checks of a topology, for t-examples.sh.

usage: pings.py TOPOLOGY.yaml PLANJSON

Prints one check a line, "VERB NETNS ADDRESS", where VERB is ping (NETNS
must reach ADDRESS) or noping (it must not), and NETNS is a namespace name
as `ip netns exec` takes it, or "host" for the namespace nstopo runs in.

The checks come from annotations in the topology file, comment lines
(by convention at its end) of the form

    # test: ping FROM ADDRESS [ADDRESS...]
    # test: noping FROM ADDRESS [ADDRESS...]

where FROM is a node name (mapped to its namespace through the plan, so
a namespace-prefix is applied) or "host".  A link-local ADDRESS carries
its zone: fe80::1%eth0.

    # test: local IFNAME ADDRESS/LEN [ADDRESS/LEN...]

is no check but a set-up, which t-examples.sh makes before the lab is
applied: the addresses on IFNAME of the test's own namespace (a lab over
several machines whose hosts' addresses are then all this one runs
whole, as on one machine).

A file without annotations gets derived checks instead: every node pings
every address of another node in the same subnet, except nodes with an
intercept (a local route for a whole address family answers for
everyone, so a ping proves nothing there).
"""
import ipaddress
import json
import re
import sys

ANNOTATION = re.compile(r"^#\s*test:\s*(\S+)\s+(\S+)\s+(.+)$")


def annotations(path, node_ns):
    checks = []
    with open(path) as f:
        for line in f:
            m = ANNOTATION.match(line.strip())
            if not m:
                continue
            verb, node, addrs = m.groups()
            if verb == "local":
                continue
            if verb not in ("ping", "noping"):
                raise SystemExit(f"{path}: unknown test verb {verb!r}")
            ns = node_ns.get(node, node)
            checks += [(verb, ns, a) for a in addrs.split()]
    return checks


def derived(ops):
    intercepting = {op["netns"] for op in ops
                    if op["op"] == "route.add" and op["type"] == "local"
                    and op["to"] in ("0.0.0.0/0", "::/0")}
    addrs = [(op["netns"], ipaddress.ip_interface(op["address"]))
             for op in ops if op["op"] == "addr.add"]
    addrs = [(ns, a) for ns, a in addrs
             if ns not in intercepting and not a.ip.is_link_local]
    return [("ping", ns, str(b.ip))
            for ns, a in addrs for other, b in addrs
            if ns != other and a.network == b.network]


def main(argv):
    if len(argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        ops = json.load(f)["ops"]
    node_ns = {op["node"]: op["netns"] for op in ops
               if op["op"] == "netns.add" and "node" in op}
    checks = annotations(argv[0], node_ns)
    if not checks:
        print(f"pings.py: {argv[0]}: no '# test:' lines, derived checks",
              file=sys.stderr)
        checks = derived(ops)
    for verb, ns, addr in dict.fromkeys(checks):
        print(verb, ns, addr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
