#!/usr/bin/env python3
"""lanrig.py - the LAN a lab with host ports expects, for t-examples.sh.

usage: lanrig.py PLANJSON

A bridge with `ports:` takes interfaces the host already has (its NIC).
To apply such a lab in a sandbox, t-examples.sh makes each port itself: a
veth to a namespace playing the LAN (a router with radvd).  This prints,
from the plan, what that LAN must look like, one item a line:

    port PORT BRIDGE RIGIF RIG4 PORT4 RIG6 PORT6 PREFIX6
    static NETNS ADDRESS        a service's own address (no length)
    slaac NETNS IFNAME PREFIX6  a service that makes an address by SLAAC

RIG4/RIG6 are the LAN router's addresses and PORT4/PORT6 the port's (with
their lengths), in the subnets the services on the bridge use (the first
of each family; a documentation or ULA subnet when they have none), and
PREFIX6 is the /64 the router advertises.  A service is a node whose
interface is a port of the bridge, through a veth.
"""
import ipaddress
import json
import sys

DEFAULT4 = ipaddress.ip_network("192.0.2.0/24")
DEFAULT6 = ipaddress.ip_network("fd00:5e::/64")


def main(argv):
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[0]) as f:
        ops = json.load(f)["ops"]
    used = {ipaddress.ip_interface(op["address"]).ip
            for op in ops if op["op"] == "addr.add"}
    # host-side names of each bridge's ports, and the far end of each veth
    members, far = {}, {}
    for op in ops:
        for key in ("link", "peer"):
            end = op.get(key)
            if end and end.get("netns") == "host" and end.get("master"):
                members.setdefault(end["master"], set()).add(end["name"])
        if op["op"] == "link.add" and op.get("type") == "veth":
            a, b = op["link"], op["peer"]
            if b["netns"] == "host" and a["netns"] != "host":
                far[b["name"]] = (a["netns"], a["name"])
            elif a["netns"] == "host" and b["netns"] != "host":
                far[a["name"]] = (b["netns"], b["name"])
    seen = set()
    for n, op in enumerate(o for o in ops if o["op"] == "port.add"):
        if op["bridge"] in seen:
            raise SystemExit(f"lanrig.py: bridge {op['bridge']} has more "
                             "than one host port; one LAN each is supported")
        seen.add(op["bridge"])
        services = [far[m] for m in sorted(members.get(op["bridge"], ()))
                    if m in far]
        statics = [(ns, ipaddress.ip_interface(o["address"]))
                   for o in ops if o["op"] == "addr.add"
                   for ns, dev in services
                   if o["netns"] == ns and o["dev"] == dev]
        slaac = [(ns, dev) for ns, dev in services
                 if any(o["op"] == "sysctl.set" and o["netns"] == ns and
                        o["key"] == f"net.ipv6.conf.{dev}.autoconf" and
                        o["value"] == "1" for o in ops)]
        net4 = next((a.network for _, a in statics if a.version == 4),
                    DEFAULT4)
        net6 = next((a.network for _, a in statics
                     if a.version == 6 and a.network.prefixlen == 64),
                    DEFAULT6)
        free4 = (h for h in net4.hosts() if h not in used)
        free6 = (h for h in net6.hosts() if h not in used)
        rig4, port4 = next(free4), next(free4)
        rig6, port6 = next(free6), next(free6)
        print("port", op["port"], op["bridge"], f"lan{n}",
              f"{rig4}/{net4.prefixlen}", f"{port4}/{net4.prefixlen}",
              f"{rig6}/{net6.prefixlen}", f"{port6}/{net6.prefixlen}", net6)
        for ns, a in statics:
            print("static", ns, a.ip)
        for ns, dev in slaac:
            print("slaac", ns, dev, net6)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
