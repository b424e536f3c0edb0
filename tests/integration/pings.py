#!/usr/bin/env python3
"""pings.py - the connectivity checks of a topology, for t-examples.sh.

usage: pings.py TOPOLOGY.yaml PLANJSON

Prints one check a line, "VERB NETNS ADDRESS", where VERB is ping (NETNS
must reach ADDRESS) or noping (it must not), and NETNS is a namespace name
as `ip netns exec` takes it, or "host" for the namespace nstopo runs in;
or, for a forward, "forward PROTO NETNS DIAL TO_NETNS FAMILY ADDRESS PORT":
a client in NETNS that dials DIAL ("[::1]:8080", "127.0.0.1:53") must
reach a service (which the test starts) on ADDRESS:PORT (IPv4 or IPv6 as
FAMILY says) in TO_NETNS, through the lab's relay.

The checks come from annotations in the topology file, comment lines
(by convention at its end) of the form

    # test: ping FROM ADDRESS [ADDRESS...]
    # test: noping FROM ADDRESS [ADDRESS...]

    # test: forward PROTO LISTEN [LISTEN...]

where FROM is a node name (mapped to its namespace through the plan, so
a namespace-prefix is applied) or "host".  A link-local ADDRESS carries
its zone: fe80::1%eth0.  A forward is named by its protocol and its
`listen` as the plan writes it ("[::1]:8080", "edge:0.0.0.0:53"); the
client dials it from the namespace it listens in (a wildcard address as
loopback).

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


def split_endpoint(text):
    """ "[NODE:]ADDR:PORT" -> (ADDR, PORT); ADDR of IPv6 without brackets"""
    if "[" in text:
        addr, port = text[text.index("[") + 1:].split("]:")
        return addr, port
    return tuple(text.split(":")[-2:])


def forward_check(path, forwards, proto, listen):
    for fw in forwards:
        if fw["proto"] != proto or fw["listen"] != listen:
            continue
        addr, port = split_endpoint(fw["listen"])
        ip = ipaddress.ip_address(addr)
        if ip.is_unspecified:
            addr = "::1" if ip.version == 6 else "127.0.0.1"
        dial = f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"
        to, to_port = split_endpoint(fw["to"])
        family = ipaddress.ip_address(to).version
        return ("forward", proto, f"{fw['listen_netns']} {dial} "
                f"{fw['to_netns']} {family} {to} {to_port}")
    raise SystemExit(f"{path}: no {proto} forward listens on {listen}")


def annotations(path, node_ns, forwards):
    checks = []
    with open(path) as f:
        for line in f:
            m = ANNOTATION.match(line.strip())
            if not m:
                continue
            verb, node, addrs = m.groups()
            if verb == "local":
                continue
            if verb == "forward":
                checks += [forward_check(path, forwards, node, a)
                           for a in addrs.split()]
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
    forwards = [fw for op in ops if op["op"] == "relay.start"
                for fw in op["forwards"]]
    checks = annotations(argv[0], node_ns, forwards)
    if not checks:
        print(f"pings.py: {argv[0]}: no '# test:' lines, derived checks",
              file=sys.stderr)
        checks = derived(ops)
    for verb, ns, addr in dict.fromkeys(checks):
        print(verb, ns, addr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
