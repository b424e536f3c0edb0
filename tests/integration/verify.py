#!/usr/bin/env python3
"""verify.py - check that the kernel holds what an nstopo plan made.

usage: verify.py [PLANJSON|-]          the lab is up, exactly as planned
       verify.py --gone [PLANJSON|-]   nothing of the lab is left

PLANJSON is the output of `nstopo plan --json FILE` (standard input when
absent or "-").  The live state is read with `ip -j` in each namespace and
with `ip netns exec NS cat /proc/sys/...` for sysctls.  Every problem is
printed on its own line; the exit status is 1 if there is any, else 0.

What "up" means, op by op:
  netns.add   the namespace is listed by `ip netns list` and its pin
              /run/netns/NAME is a mount point (nsfs)
  link.add    the interface (and a veth's peer) exists in its namespace,
              of the right kind, with the planned mtu, mac, master and
              up state; later link.set ops on it change master/up/mtu/mac
  (host)      a link made in the host namespace carries ifalias
              "nstopo:LAB/NAME" and a non-default group
  (netns)     the lo of each namespace the lab made carries ifalias
              "nstopo:LAB"
  addr.add    the address is on its device with its prefix length; an
              IPv6 one is not tentative (DAD is off) and not dadfailed
  route.add   a route with that destination, table, type, gateway, dev
              and metric exists
  sysctl.set  reading the key back gives the last value written to it
  qdisc.add   the interface's root qdisc is netem (netem given) or tbf,
              and a tbf's rate is the planned one
  port.add    the host's interface is a port of the bridge; adopted, it
              keeps no global address (the bridge has them)
  relay.start a process nstopo-relay that logs to /run/nstopo/LAB/relay.log
              holds a socket listening on each forward's address, in the
              forward's namespace (`ss -lnp`)
With --gone, a host port is no longer a port of the lab's bridge, and no
relay of the lab runs.
"""
import ipaddress
import json
import os
import subprocess
import sys

NETNS_DIR = "/run/netns"
STATE_DIR = "/run/nstopo"
TABLES = {"main": 254, "local": 255, "default": 253, "unspec": 0}


def run(argv):
    """Run a command; return its stdout, or None if it failed."""
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return r.stdout if r.returncode == 0 else None


def label(ns):
    return "host" if ns in (None, "host") else ns


class Kernel:
    """Live state of the namespaces, read once each and cached."""

    def __init__(self):
        self.cache = {}

    def ip_json(self, ns, *args):
        key = (label(ns),) + args
        if key not in self.cache:
            argv = ["ip"]
            if label(ns) != "host":
                argv += ["-n", ns]
            out = run(argv + ["-j"] + list(args))
            self.cache[key] = json.loads(out) if out and out.strip() else None
        return self.cache[key]

    def links(self, ns):
        """ifname -> `ip -d -j link` entry; None if the namespace is gone."""
        data = self.ip_json(ns, "-d", "link", "show")
        if data is None:
            return None
        return {link["ifname"]: link for link in data}

    def addrs(self, ns):
        data = self.ip_json(ns, "addr", "show") or []
        return {link["ifname"]: link.get("addr_info", []) for link in data}

    def routes(self, ns, family):
        return self.ip_json(ns, "-" + family, "route", "show", "table",
                            "all") or []

    def sysctls(self, ns, keys):
        """Read keys in one process per namespace: key -> text or None."""
        paths = [sysctl_path(k) for k in keys]
        script = ('for f; do printf "%s\\t" "$f"; '
                  'tr "\\n" " " < "$f" 2>/dev/null || printf "\\001"; '
                  'echo; done')
        argv = ["sh", "-c", script, "sh"] + paths
        if label(ns) != "host":
            argv = ["ip", "netns", "exec", ns] + argv
        out = run(argv) or ""
        vals = {}
        for line in out.splitlines():
            path, _, val = line.partition("\t")
            vals[path] = None if "\001" in val else val.strip()
        return {k: vals.get(p) for k, p in zip(keys, paths)}


def sysctl_path(key):
    """sysctl(8) naming: dots separate, a slash is a dot inside a name."""
    return "/proc/sys/" + "".join(
        "/" if c == "." else "." if c == "/" else c for c in key)


def mount_points():
    points = set()
    with open("/proc/self/mountinfo") as f:
        for line in f:
            field = line.split()[4]
            # mountinfo escapes space, tab, newline, backslash as \ooo
            points.add(field.encode().decode("unicode_escape"))
    return points


def netns_names():
    out = run(["ip", "netns", "list"]) or ""
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def network(text, family):
    """A destination as ip prints it ("default", "10.0.0.1", ...)."""
    if text == "default":
        text = "0.0.0.0/0" if family == "4" else "::/0"
    return ipaddress.ip_network(text, strict=False)


def same_addr(a, b):
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return False


def table_id(entry):
    t = entry.get("table", "main")
    return TABLES[t] if t in TABLES else int(t)


def family_of(text):
    return "6" if ":" in text else "4"


class Plan:
    """What the plan says must exist, folded op by op."""

    def __init__(self, doc):
        self.lab = doc["lab"]
        self.count = doc["count"]
        self.namespaces = []
        self.links = {}      # (ns, name) -> wanted attributes
        self.host_links = []  # names made in the host namespace
        self.addrs = []      # (ns, dev, "addr/plen")
        self.routes = []     # (ns, op)
        self.sysctls = {}    # ns -> {key: value}, last write wins
        self.qdiscs = []     # (ns, dev, kind, rate in bytes/s or None)
        self.ports = []      # (port, bridge, adopt)
        self.forwards = []   # the relay's: {proto, listen, listen_netns...}
        for op in doc["ops"]:
            getattr(self, "op_" + op["op"].replace(".", "_"),
                    self.op_ignore)(op)

    def op_ignore(self, op):
        pass

    def op_netns_add(self, op):
        self.namespaces.append(op["netns"])

    def new_link(self, end, kind):
        key = (label(end["netns"]), end["name"])
        self.links[key] = {
            "kind": kind,
            "mtu": end.get("mtu"),
            "mac": end.get("mac"),
            "master": end.get("master"),
            "up": end.get("up", False),
        }
        if key[0] == "host":
            self.host_links.append(end["name"])

    def op_link_add(self, op):
        kind = op.get("type", "veth")
        self.new_link(op["link"], kind)
        if "peer" in op:
            self.new_link(op["peer"], kind)

    def op_link_set(self, op):
        end = op["link"]
        want = self.links.setdefault((label(end["netns"]), end["name"]), {})
        for attr in ("mtu", "mac", "master"):
            if end.get(attr) is not None:
                want[attr] = end[attr]
        if end.get("up"):
            want["up"] = True

    def op_addr_add(self, op):
        self.addrs.append((label(op["netns"]), op["dev"], op["address"]))

    def op_route_add(self, op):
        self.routes.append((label(op["netns"]), op))

    def op_qdisc_add(self, op):
        kind = "netem" if "netem" in op else "tbf"
        rate = op.get("rate_bytes") if kind == "tbf" else None
        self.qdiscs.append((label(op["netns"]), op["dev"], kind, rate))

    def op_port_add(self, op):
        self.ports.append((op["port"], op["bridge"], op.get("adopt", False)))

    def op_relay_start(self, op):
        self.forwards += op["forwards"]

    def op_sysctl_set(self, op):
        self.sysctls.setdefault(label(op["netns"]), {})[op["key"]] = \
            op["value"]


def check_namespaces(plan, problems):
    listed, mounts = netns_names(), mount_points()
    for ns in plan.namespaces:
        if ns not in listed:
            problems.append(f"netns {ns}: not in `ip netns list`")
        if os.path.join(NETNS_DIR, ns) not in mounts:
            problems.append(f"netns {ns}: {NETNS_DIR}/{ns} is not a mount")


def check_links(plan, k, problems):
    for ns in plan.namespaces:
        lo = (k.links(ns) or {}).get("lo", {})
        if lo.get("ifalias") != "nstopo:" + plan.lab:
            problems.append(f"{ns}: lo: ifalias {lo.get('ifalias')!r}, "
                            f"want 'nstopo:{plan.lab}'")
    for (ns, name), want in plan.links.items():
        links = k.links(ns)
        if links is None:
            problems.append(f"{ns}: cannot list links (namespace missing?)")
            continue
        have = links.get(name)
        if have is None:
            problems.append(f"{ns}: link {name}: missing")
            continue
        where = f"{ns}: link {name}"
        kind = have.get("linkinfo", {}).get("info_kind")
        if want.get("kind") and kind != want["kind"]:
            problems.append(f"{where}: kind {kind}, want {want['kind']}")
        if want.get("mtu") and have.get("mtu") != want["mtu"]:
            problems.append(f"{where}: mtu {have.get('mtu')}, "
                            f"want {want['mtu']}")
        if want.get("mac") and have.get("address", "").lower() != \
                want["mac"].lower():
            problems.append(f"{where}: mac {have.get('address')}, "
                            f"want {want['mac']}")
        if have.get("master") != want.get("master"):
            problems.append(f"{where}: master {have.get('master')}, "
                            f"want {want.get('master')}")
        is_up = "UP" in have.get("flags", [])
        if is_up != bool(want.get("up")):
            problems.append(f"{where}: {'up' if is_up else 'down'}, want "
                            f"{'up' if want.get('up') else 'down'}")
        if ns == "host":
            mark = f"nstopo:{plan.lab}/{name}"
            if have.get("ifalias") != mark:
                problems.append(f"{where}: ifalias {have.get('ifalias')!r}, "
                                f"want {mark!r}")
            if have.get("group") in (None, "default", "0"):
                problems.append(f"{where}: group {have.get('group')}, "
                                "want the lab's group")


def check_addrs(plan, k, problems):
    for ns, dev, cidr in plan.addrs:
        iface = ipaddress.ip_interface(cidr)
        infos = k.addrs(ns).get(dev)
        if infos is None:
            problems.append(f"{ns}: addr {cidr} dev {dev}: no such device")
            continue
        found = [a for a in infos
                 if same_addr(a.get("local", ""), str(iface.ip))
                 and a.get("prefixlen") == iface.network.prefixlen]
        if not found:
            problems.append(f"{ns}: addr {cidr} dev {dev}: missing")
            continue
        for flag in ("tentative", "dadfailed"):
            if found[0].get(flag):
                problems.append(f"{ns}: addr {cidr} dev {dev}: {flag}")


def route_matches(entry, op, family):
    if network(entry.get("dst", ""), family) != \
            ipaddress.ip_network(op["to"], strict=False):
        return False
    if table_id(entry) != op["table"]:
        return False
    if entry.get("type", "unicast") != op["type"]:
        return False
    if op.get("via") and not same_addr(entry.get("gateway", ""), op["via"]):
        return False
    if not op.get("via") and "gateway" in entry:
        return False
    if op.get("dev") and entry.get("dev") != op["dev"]:
        return False
    return entry.get("metric", 0) == op["metric"]


def check_routes(plan, k, problems):
    for ns, op in plan.routes:
        family = family_of(op["to"])
        if not any(route_matches(e, op, family)
                   for e in k.routes(ns, family)):
            problems.append(f"{ns}: route missing: {op['text']}")


def check_sysctls(plan, k, problems):
    for ns, want in plan.sysctls.items():
        have = k.sysctls(ns, list(want))
        for key, value in want.items():
            got = have.get(key)
            if got is None:
                problems.append(f"{ns}: sysctl {key}: cannot read it")
            elif got.split() != str(value).split():
                problems.append(f"{ns}: sysctl {key} = {got}, want {value}")


def check_qdiscs(plan, problems):
    for ns, dev, kind, rate in plan.qdiscs:
        argv = ["tc"] + (["-n", ns] if ns != "host" else [])
        out = run(argv + ["-j", "qdisc", "show", "dev", dev])
        roots = [q for q in json.loads(out or "[]") if q.get("root")]
        if not roots:
            problems.append(f"{ns}: qdisc {kind} dev {dev}: no root qdisc")
            continue
        if roots[0].get("kind") != kind:
            problems.append(f"{ns}: qdisc dev {dev}: root is "
                            f"{roots[0].get('kind')}, want {kind}")
        elif rate and roots[0].get("options", {}).get("rate") != rate:
            problems.append(f"{ns}: qdisc tbf dev {dev}: rate "
                            f"{roots[0].get('options', {}).get('rate')} "
                            f"bytes/s, want {rate}")


def check_ports(plan, k, problems):
    links = k.links("host") or {}
    for port, bridge, adopt in plan.ports:
        have = links.get(port)
        if have is None:
            problems.append(f"host: port {port}: missing")
            continue
        if have.get("master") != bridge:
            problems.append(f"host: port {port}: master {have.get('master')}"
                            f", want {bridge}")
        if adopt:
            for a in k.addrs("host").get(port, []):
                if a.get("scope") == "global" and not a.get("dynamic"):
                    problems.append(f"host: port {port} keeps address "
                                    f"{a.get('local')}/{a.get('prefixlen')}"
                                    f" (adopted: {bridge} has it)")


def relay_pids(lab):
    """The live processes nstopo-relay whose log is the lab's."""
    log = os.path.join(STATE_DIR, lab, "relay.log")
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if f.read().strip() != "nstopo-relay":
                    continue
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] in "ZX":
                    continue
            if os.readlink(f"/proc/{pid}/fd/1") == log:
                pids.append(int(pid))
        except OSError:
            continue
    return pids


def check_relay(plan, problems):
    if not plan.forwards:
        return
    pids = relay_pids(plan.lab)
    if len(pids) != 1:
        problems.append(f"host: relay: {len(pids)} processes, want 1")
        return
    for fw in plan.forwards:
        ns = label(fw["listen_netns"])
        argv = ["ss", "-Hlnp", "-t" if fw["proto"] == "tcp" else "-u"]
        if ns != "host":
            argv = ["ip", "netns", "exec", ns] + argv
        text = fw["listen"]  # [NODE:]ADDR:PORT, IPv6 in brackets
        local = text[text.index("["):] if "[" in text else \
            ":".join(text.split(":")[-2:])
        holder = f"pid={pids[0]},"
        if not any(line.split()[3] == local and holder in line
                   for line in (run(argv) or "").splitlines()
                   if len(line.split()) > 3):
            problems.append(f"{ns}: forward {fw['proto']} {fw['listen']}: "
                            f"relay {pids[0]} does not listen there")


def verify_up(plan):
    k, problems = Kernel(), []
    check_namespaces(plan, problems)
    check_links(plan, k, problems)
    check_addrs(plan, k, problems)
    check_routes(plan, k, problems)
    check_sysctls(plan, k, problems)
    check_qdiscs(plan, problems)
    check_ports(plan, k, problems)
    check_relay(plan, problems)
    return problems


def verify_gone(plan):
    problems = []
    listed, mounts = netns_names(), mount_points()
    for ns in plan.namespaces:
        pin = os.path.join(NETNS_DIR, ns)
        if ns in listed:
            problems.append(f"netns {ns}: still in `ip netns list`")
        if os.path.lexists(pin):
            problems.append(f"netns {ns}: {pin} still exists")
        if pin in mounts:
            problems.append(f"netns {ns}: {pin} is still mounted")
    host = Kernel().links("host") or {}
    for name in plan.host_links:
        if name in host:
            problems.append(f"host: link {name} still exists")
    for name, link in host.items():
        alias = link.get("ifalias") or ""
        if alias == "nstopo:" + plan.lab or \
                alias.startswith("nstopo:" + plan.lab + "/"):
            problems.append(f"host: link {name} still carries the lab's mark")
    for port, bridge, _ in plan.ports:
        if host.get(port, {}).get("master") == bridge:
            problems.append(f"host: port {port} is still a port of {bridge}")
    for pid in relay_pids(plan.lab):
        problems.append(f"host: relay {pid} of the lab still runs")
    if os.path.lexists(os.path.join(STATE_DIR, plan.lab)):
        problems.append(f"{STATE_DIR}/{plan.lab}: state still there")
    return problems


def main(argv):
    gone = "--gone" in argv
    args = [a for a in argv if a != "--gone"]
    if len(args) > 1 or any(a.startswith("-") and a != "-" for a in args):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    src = args[0] if args else "-"
    with (sys.stdin if src == "-" else open(src)) as f:
        plan = Plan(json.load(f))
    problems = verify_gone(plan) if gone else verify_up(plan)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
