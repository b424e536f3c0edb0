#!/usr/bin/env python3
"""apply_fuzz.py - whatever `nstopo validate` accepts must apply.

    fuzz/apply_fuzz.py [--seed N] [--count N] [--nstopo PATH]
    fuzz/apply_fuzz.py --regress [--nstopo PATH]

Generates small labs that look valid (nodes, veth links, bridges, macvlans
on veth parents, addresses in a few small subnets, routes with gateways,
intercepts, sysctls, MTUs, MACs), runs `nstopo validate` on each, and
applies every accepted one in a sandbox of its own (scripts/sandbox.sh: a
private network and mount namespace, a tmpfs on /run).  There:

  - apply must succeed, or fail only for a kernel module this machine
    lacks, named as such by nstopo ("this kernel has no 'dummy' link
    type"), and then leave the sandbox as it was;
  - `nstopo status` right after must exit 0 and say "as planned";
  - destroy must succeed and leave the sandbox as it was before apply:
    links (ip -d -j link), addresses, routes of every table, /run/netns,
    /run/nstopo and the host sysctls a lab may touch.

Every lab that breaks one of these is saved in fuzz/apply-regressions/
(with what went wrong in its first lines) and replayed first on every run:
a regression passes when validate refuses it or it applies cleanly.
--regress replays them only.  The fuzzing runs for FUZZ_SECONDS (60);
--seed makes a run repeatable (lab i of seed S is always the same lab).
Ends with "N passed, N failed" (a lab refused by validate is neither).
Needs root; without it (or without namespaces) it skips, except in CI.
"""
import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGRESS_DIR = os.path.join(TOP, "fuzz", "apply-regressions")
SANDBOX = os.path.join(TOP, "scripts", "sandbox.sh")
MISSING = re.compile(r"this kernel has no '([a-z_]+)' (link type|qdisc)")
HOST_SYSCTLS = ("net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding",
                "net.ipv6.conf.default.accept_dad",
                "net.ipv4.conf.all.rp_filter")

# ---------------------------------------------------------------- generate


class Gen:
    """One lab from one seed: a dict that is dumped as YAML."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.seed = seed

    def pick(self, seq):
        return self.r.choice(list(seq))

    def chance(self, p):
        return self.r.random() < p

    def mac(self):
        # A small pool, so that duplicates happen.
        return "02:00:00:00:%02x:%02x" % (self.r.randrange(2),
                                          self.r.randrange(1, 6))

    def lab(self):
        r = self.r
        n_nodes = r.randint(2, 5)
        nodes = ["n%d" % i for i in range(n_nodes)]
        self.nodes = {n: {} for n in nodes}
        self.ifs = {n: [] for n in nodes + ["host"]}
        self.links = []
        self.bridges = {}
        # L2 segments: each gets subnets; an interface takes addresses
        # from its segment's.
        self.segs = []
        seg_of = {}

        def new_seg():
            k = len(self.segs)
            plen4 = self.pick([24, 24, 24, 29, 30, 31])
            plen6 = self.pick([64, 64, 64, 120, 127])
            self.segs.append({
                "v4": ("10.%d.%d.0" % (r.randrange(3), k), plen4),
                "v6": ("fd00:%x::" % k, plen6),
            })
            return k

        def ifname(node):
            name = "eth%d" % len(self.ifs[node])
            self.ifs[node].append(name)
            return name

        for b in range(r.choice([0, 0, 1, 2])):
            name = "br%d" % b
            where = self.pick(["host"] + nodes)
            self.bridges[name] = {"node": where, "seg": new_seg()}
            self.ifs[where].append(name)
            seg_of[(where, name)] = self.bridges[name]["seg"]
        veths = []
        for _ in range(r.randint(1, 5)):
            a = self.pick(nodes + ["host"] * (1 if self.chance(0.2) else 0))
            if self.bridges and self.chance(0.4):
                br = self.pick(self.bridges)
                bn = self.bridges[br]["node"]
                if a == bn:
                    continue
                ia = ifname(a)
                port = None
                if self.chance(0.5):
                    port = "p%d" % len(self.ifs[bn])
                    self.ifs[bn].append(port)
                self.links.append([a + ":" + ia,
                                   br + (":" + port if port else "")])
                seg_of[(a, ia)] = self.bridges[br]["seg"]
                if port:
                    veths.append((bn, port, a, ia, True))
                continue
            b = self.pick(n for n in nodes if n != a)
            ia, ib = ifname(a), ifname(b)
            link = [a + ":" + ia, b + ":" + ib]
            if self.chance(0.15):
                link = {"endpoints": link,
                        "mtu": self.pick([1280, 1400, 1500, 9000])}
            self.links.append(link)
            seg = new_seg()
            seg_of[(a, ia)] = seg_of[(b, ib)] = seg
            veths.append((a, ia, b, ib, False))
        # macvlans on veth ends (the node ends: a bridge port is refused)
        parents = [(n, i) for (n, i, m, j, port) in veths if not port]
        parents += [(m, j) for (n, i, m, j, port) in veths]
        self.mvs = []
        for _ in range(r.choice([0, 0, 1, 2, 3])):
            if not parents:
                break
            pn, pi = self.pick(parents)
            en = self.pick(nodes + ["host"] * self.chance(0.1))
            ei = "mv%d" % len(self.ifs[en])
            self.ifs[en].append(ei)
            link = {"kind": "macvlan", "endpoint": en + ":" + ei,
                    "parent": pn + ":" + pi}
            if self.chance(0.5):
                link["mode"] = self.pick(["bridge", "private", "vepa",
                                          "passthru", "source"])
            if self.chance(0.15):
                link["mtu"] = self.pick([1280, 1400, 1500, 9000])
            self.links.append(link)
            seg_of[(en, ei)] = seg_of.get((pn, pi), new_seg())
            self.mvs.append((en, ei))
            if self.chance(0.2):
                parents.append((en, ei))
        # A bridge takes a veth end of its namespace as a listed port.
        for br, v in self.bridges.items():
            ends = [(n, i) for (n, i, m, j, port) in veths
                    if n == v["node"] and not port] + \
                   [(m, j) for (n, i, m, j, port) in veths
                    if m == v["node"] and not port]
            if ends and self.chance(0.3):
                n, i = self.pick(ends)
                v["ports"] = [i]
                seg_of[(n, i)] = v["seg"]
        if self.chance(0.03):  # kinds this machine may lack
            en = self.pick(nodes)
            ei = "d%d" % len(self.ifs[en])
            self.ifs[en].append(ei)
            self.links.append({"kind": "dummy", "endpoint": en + ":" + ei})
            seg_of[(en, ei)] = new_seg()
        self.seg_of = seg_of
        self.used, self.on_seg, self.mine = {}, {}, {}
        self.nodes["host"] = {}
        for n in nodes + ["host"]:
            self.iface_cfgs(n)
        for n in nodes:
            self.node_rest(n)
        if self.mine["host"] and self.chance(0.2):
            self.nodes["host"]["routes"] = [self.route("host",
                                                       self.mine["host"])]
        top = {"version": 1, "name": "fz%d" % (self.seed % 100000),
               "namespace-prefix": "fz-"}
        nd = {n: (self.nodes[n] or None) for n in nodes}
        if self.nodes.get("host"):
            nd["host"] = self.nodes["host"]
        top["nodes"] = nd
        if self.bridges:
            top["bridges"] = {
                b: dict(([("node", v["node"])] if v["node"] != "host"
                         else []) +
                        ([("ports", v["ports"])] if "ports" in v else []))
                or None
                for b, v in self.bridges.items()}
        top["links"] = self.links
        return top

    def addr(self, seg, fam, edge=False):
        """A host of the segment's subnet: unused unless @edge (which may
        also give its network or broadcast address)."""
        net, plen = self.segs[seg][fam]
        full = 32 if fam == "v4" else 128
        size = 2 ** min(full - plen, 16)
        used = self.used.setdefault((seg, fam), set())
        lo, hi = (0, size) if edge or size <= 2 else (1, size - 1)
        for _ in range(20):
            host = self.r.randrange(lo, hi)
            if edge or host not in used:
                break
        used.add(host)
        if fam == "v4":
            a, b, c, _ = (int(x) for x in net.split("."))
            v = (a << 24) | (b << 16) | (c << 8) | host
            text = "%d.%d.%d.%d" % (v >> 24, v >> 16 & 255, v >> 8 & 255,
                                    v & 255)
        else:
            text = "%s%x" % (net, host) if host else net
        return text, plen

    def iface_cfgs(self, n):
        """Interfaces of node @n: addresses (recorded per segment, for
        the gateways of other nodes), MTU, MAC, up."""
        r = self.r
        ifs = {}
        self.mine[n] = []
        for i in self.ifs[n]:
            seg = self.seg_of.get((n, i))
            if seg is None:
                continue
            cfg = {}
            addrs = []
            for fam in ("v4", "v6"):
                small = self.segs[seg][fam][1] >= (31 if fam == "v4"
                                                   else 127)
                for _ in range(r.choice([0, 1, 1, 1, 1 if small else 2])):
                    a, plen = self.addr(seg, fam, edge=self.chance(0.05))
                    addrs.append("%s/%d" % (a, plen))
                    self.on_seg.setdefault((seg, fam), []).append((n, a))
            if addrs:
                cfg["addresses"] = sorted(set(addrs))
            if n != "host" or i.startswith("br"):
                if self.chance(0.1):
                    cfg["mtu"] = self.pick([1280, 1400, 1500, 9000, 9000,
                                            1279])
                if self.chance(0.15):
                    cfg["mac"] = self.mac()
                if self.chance(0.04):
                    cfg["up"] = False
            if n != "host" and self.chance(0.1):
                cfg["accept-ra"] = self.chance(0.5)
            if n != "host" and self.chance(0.05):
                cfg["rate"] = self.pick(["10mbit", "1gbit"])
            if cfg:
                ifs[i] = cfg
            if cfg.get("up", True):
                self.mine[n].append((i, seg))
        if n != "host" and self.chance(0.1):
            ifs["lo"] = {"addresses": [self.pick(
                ["127.0.0.2/8", "10.99.%d.1/32" % r.randrange(3),
                 "fd99::%x/128" % r.randrange(1, 4)])]}
        if ifs:
            self.nodes[n]["interfaces"] = ifs

    def node_rest(self, n):
        """Sysctls, routes and intercepts of node @n."""
        body = self.nodes[n]
        mine = self.mine[n]
        sysctl = {}
        if self.chance(0.3):
            sysctl["net.ipv4.ip_forward"] = self.pick([0, 1])
        if self.chance(0.2):
            sysctl["net.ipv6.conf.all.forwarding"] = self.pick([0, 1])
        if self.chance(0.2):
            sysctl["net.ipv4.conf.all.rp_filter"] = self.pick([0, 1, 2])
        if mine and self.chance(0.15):
            i, _ = self.pick(mine)
            key = self.pick(["net.ipv6.conf.%s.disable_ipv6",
                             "net.ipv4.conf.%s.rp_filter",
                             "net.ipv6.conf.%s.accept_dad"])
            sysctl[key % i] = self.pick([0, 1])
        if sysctl:
            body["sysctl"] = sysctl
        routes, seen = [], set()
        for _ in range(self.r.choice([0, 0, 1, 2, 3])):
            rt = self.route(n, mine)
            key = (rt["to"], rt.get("table"), rt.get("metric"))
            if key not in seen:
                seen.add(key)
                routes.append(rt)
        if routes:
            body["routes"] = routes
        if self.chance(0.15):
            body["intercept"] = sorted({self.target(mine, intercept=True)
                                        for _ in range(self.r.randint(1, 2))})

    def target(self, mine, intercept=False):
        """A destination: far away mostly, else on a subnet of the node
        (an address of it, its broadcast...)."""
        r = self.r
        fam = self.pick(["v4", "v4", "v6"])
        if r.random() < 0.7 or not mine:
            if fam == "v4":
                return "10.%d.%d.0/24" % (200 + r.randrange(3),
                                          r.randrange(4))
            return "fd%02x:%x::/64" % (0x80 + r.randrange(3), r.randrange(4))
        if self.chance(0.1):  # what the kernel has of its own
            return self.pick(["127.0.0.1", "127.255.255.255", "::1",
                              "fe80::/64", "ff00::/8", "127.0.0.0/8",
                              "224.0.0.0/4", "10.99.0.0/24"])
        i, seg = self.pick(mine)
        a, plen = self.addr(seg, fam, edge=True)
        if intercept or self.chance(0.5):
            return a
        if self.chance(0.3):  # the subnet itself
            net, plen = self.segs[seg][fam]
            return "%s/%d" % (net, plen)
        return "%s/%d" % (a, 32 if fam == "v4" else 128)

    def gateway(self, n, mine, fam):
        """A neighbour's address on a segment of @n, or now and then any
        address of such a subnet."""
        on = self.on_seg
        near = [(i, seg, a) for i, seg in mine
                if any(m == n for m, _ in on.get((seg, fam), []))
                for m, a in on.get((seg, fam), []) if m != n]
        if near and not self.chance(0.1):
            return self.pick(near)
        i, seg = self.pick(mine)
        return i, seg, self.addr(seg, fam, edge=True)[0]

    def route(self, n, mine):
        rt = {"to": "default" if self.chance(0.2) else self.target(mine)}
        fam = "v6" if ":" in rt["to"] else self.pick(["v4", "v4", "v6"]) \
            if rt["to"] == "default" else "v4"
        kind = self.r.random()
        if kind < 0.1 or not mine:
            rt["type"] = self.pick(["blackhole", "unreachable", "prohibit",
                                    "local"])
        elif kind < 0.8:
            i, seg, gw = self.gateway(n, mine, fam)
            rt["via"] = gw
            if self.chance(0.3):
                rt["dev"] = i
            if self.chance(0.1):
                rt["onlink"] = True
                rt["dev"] = i
        else:
            rt["dev"] = self.pick(mine)[0] if self.chance(0.9) else "lo"
        if rt["to"] == "default" and "via" not in rt:
            rt["to"] = "0.0.0.0/0" if fam == "v4" else "::/0"
        if self.chance(0.2):
            rt["metric"] = self.pick([0, 5, 256, 1024])
        if self.chance(0.1):
            rt["table"] = self.pick(["main", "local", 100])
        return rt


PLAIN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")


def yaml_scalar(v):
    if v is None:
        return "{}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if PLAIN.match(v) and v.lower() not in ("true", "false", "yes", "no",
                                            "on", "off", "null", "y", "n"):
        return v
    return json.dumps(v)  # a JSON string is a YAML double-quoted one


def yaml_dump(v, indent=0):
    """Block mappings, flow sequences of scalars or mappings."""
    pad = " " * indent
    out = []
    if isinstance(v, dict):
        for k, x in v.items():
            if isinstance(x, dict) and x:
                out.append("%s%s:" % (pad, yaml_scalar(k)))
                out.append(yaml_dump(x, indent + 2))
            elif isinstance(x, list):
                out.append("%s%s:" % (pad, yaml_scalar(k)))
                for item in x:
                    out.append("%s  - %s" % (pad, flow(item)))
            else:
                out.append("%s%s: %s" % (pad, yaml_scalar(k),
                                         yaml_scalar(x)))
    return "\n".join(out)


def flow(v):
    if isinstance(v, dict):
        return "{" + ", ".join("%s: %s" % (yaml_scalar(k), flow(x))
                               for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return yaml_scalar(v)


def generate(seed):
    return "# apply_fuzz seed %d\n%s\n" % (seed, yaml_dump(Gen(seed).lab()))

# ------------------------------------------------------------------ check


def sh(args, timeout=60):
    try:
        p = subprocess.run(args, capture_output=True, text=True,
                           timeout=timeout, errors="replace")
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %d s" % timeout


VOLATILE = {"stats", "stats64", "valid_life_time", "preferred_life_time",
            "operstate_change_count", "carrier_changes", "carrier_up_count",
            "carrier_down_count", "min_mtu"}


def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in sorted(v.items())
                if k not in VOLATILE}
    if isinstance(v, list):
        return [norm(x) for x in v]
    return v


def snapshot():
    """The sandbox's host as nstopo could change it."""
    snap = {}
    for name, cmd in (("links", ["ip", "-d", "-j", "link", "show"]),
                      ("addrs", ["ip", "-j", "addr", "show"])):
        rc, out, _ = sh(cmd)
        snap[name] = norm(json.loads(out or "[]"))
    for fam in ("-4", "-6"):
        snap["routes" + fam] = sh(["ip", fam, "route", "show", "table",
                                   "all"])[1]
    for d in ("/run/netns", "/run/nstopo"):
        entries = []
        for root, dirs, files in os.walk(d):
            entries += [os.path.join(root, x) for x in dirs + files]
        snap[d] = sorted(entries) if os.path.exists(d) else None
    snap["sysctl"] = {k: sh(["sysctl", "-n", k])[1].strip()
                      for k in HOST_SYSCTLS}
    return snap


def diff(a, b):
    keys = [k for k in a if a[k] != b.get(k)]
    return ", ".join(keys)


def check_one(path, nstopo):
    """Inside a sandbox: apply, status, destroy.  A JSON line out."""
    def result(res, why="", detail=""):
        print(json.dumps({"result": res, "why": why,
                          "detail": detail[-3000:]}))
        return 0

    sh(["ip", "link", "set", "lo", "up"])
    before = snapshot()
    t0 = time.monotonic()
    rc, out, err = sh([nstopo, "apply", path])
    t_apply = time.monotonic() - t0
    if rc != 0:
        m = MISSING.search(err)
        after = snapshot()
        if rc == 1 and m and after == before:
            return result("skip", "missing " + m.group(1))
        if after != before:
            return result("fail", "apply failed (%d) and left %s" %
                          (rc, diff(before, after)), err)
        return result("fail", "apply failed (%d)" % rc, err)
    rc, sout, serr = sh([nstopo, "status", path])
    # Where the file turns DAD on, an address is tentative for a moment
    # after apply returns (nstopo.yaml(5)): only that may wait, a while.
    for _ in range(75):
        rows = [x for x in (sout + serr).splitlines()
                if re.search(r"\s(missing|different|extra)\s", x)]
        if rc != 3 or not rows or \
                not all("tentative (DAD running)" in x for x in rows):
            break
        time.sleep(0.2)
        rc, sout, serr = sh([nstopo, "status", path])
    status_ok = rc == 0 and "as planned" in sout + serr
    drc, dout, derr = sh([nstopo, "destroy", path])
    after = snapshot()
    if not status_ok:
        return result("fail", "status right after apply exited %d" % rc,
                      sout + serr)
    if drc != 0:
        return result("fail", "destroy failed (%d)" % drc, dout + derr)
    if after != before:
        return result("fail", "destroy left %s" % diff(before, after),
                      json.dumps({k: after[k] for k in after
                                  if after[k] != before[k]})[:3000])
    return result("pass", "%.3f s" % t_apply)


def run_lab(path, nstopo):
    """validate outside, then the check in a sandbox of its own."""
    rc, out, err = sh([nstopo, "validate", path], timeout=30)
    if rc == 2:
        return "refused", err.strip().splitlines()[0] if err else ""
    if rc != 0:
        return "fail", "validate exited %d: %s" % (rc, err.strip())
    rc, out, err = sh([SANDBOX, sys.executable, os.path.abspath(__file__),
                       "--check", path, "--nstopo", nstopo], timeout=300)
    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return "fail", "the sandboxed check died (%d): %s" % (rc, err[-2000:])
    why = res["why"]
    if res["result"] == "fail" and res["detail"]:
        why += "\n" + res["detail"]
    return res["result"], why


def save_regression(text, why):
    os.makedirs(REGRESS_DIR, exist_ok=True)
    name = hashlib.sha1(text.encode()).hexdigest()[:12]
    path = os.path.join(REGRESS_DIR, name + ".yaml")
    head = "".join("# | %s\n" % line for line in why.splitlines()[:12])
    with open(path, "w") as f:
        f.write("# found by fuzz/apply_fuzz.py: validate accepted it, "
                "but:\n" + head + text)
    return path


def can_sandbox():
    if os.geteuid() != 0:
        return False
    return sh([SANDBOX, "true"])[0] == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regress", action="store_true",
                    help="replay fuzz/apply-regressions/ only")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--count", type=int, default=None,
                    help="at most this many labs")
    ap.add_argument("--nstopo", default=os.path.join(TOP, "nstopo"))
    ap.add_argument("--check", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--lab", type=int, default=None, metavar="SEED",
                    help="this one lab only (its seed, as a FAIL line "
                    "gives it)")
    ap.add_argument("--print", action="store_true",
                    help="print the lab of --lab and stop")
    a = ap.parse_args()
    nstopo = os.path.abspath(a.nstopo)
    if a.check:
        return check_one(a.check, nstopo)
    if a.print:
        sys.stdout.write(generate(a.lab or 0))
        return 0
    if not can_sandbox():
        if os.environ.get("CI") in ("true", "1", "yes"):
            print("apply_fuzz: cannot make a sandbox (root needed) in CI")
            print("0 passed, 1 failed")
            return 1
        print("apply_fuzz: skipped (needs root and unshare --net --mount)")
        print("0 passed, 0 failed")
        return 0
    passed = failed = refused = 0
    skipped = {}
    t0 = time.monotonic()

    # The regressions first: refused by validate, or clean.
    files = sorted(os.listdir(REGRESS_DIR)) if os.path.isdir(REGRESS_DIR) \
        else []
    for name in files:
        if not name.endswith(".yaml"):
            continue
        res, why = run_lab(os.path.join(REGRESS_DIR, name), nstopo)
        if res == "fail":
            failed += 1
            print("FAIL regression %s: %s" % (name, why))
        else:
            passed += 1
    n_regress = passed + failed
    print("apply_fuzz: %d regressions replayed in %.1f s, %d failed" %
          (n_regress, time.monotonic() - t0, failed))
    if a.regress:
        print("%d passed, %d failed" % (passed, failed))
        return 1 if failed else 0

    seconds = float(os.environ.get("FUZZ_SECONDS", "60"))
    seed = a.seed if a.seed is not None else int(time.time()) % 1000000
    print("apply_fuzz: seed %d, %g s" % (seed, seconds))
    t1 = time.monotonic()
    labs = clean = 0
    with tempfile.TemporaryDirectory(prefix="nstopo-applyfuzz.") as tmp:
        while time.monotonic() - t1 < seconds:
            if (a.count is not None and labs >= a.count) or \
                    (a.lab is not None and labs):
                break
            lab_seed = seed * 100000 + labs if a.lab is None else a.lab
            labs += 1
            text = generate(lab_seed)
            path = os.path.join(tmp, "lab.yaml")
            with open(path, "w") as f:
                f.write(text)
            res, why = run_lab(path, nstopo)
            if res == "refused":
                refused += 1
            elif res == "skip":
                skipped[why] = skipped.get(why, 0) + 1
            elif res == "pass":
                passed += 1
                clean += 1
            else:
                failed += 1
                saved = save_regression(text, why)
                print("FAIL lab %d (--lab %d): %s\n    saved as %s" %
                      (labs, lab_seed, why.splitlines()[0],
                       os.path.relpath(saved, TOP)))
                for line in why.splitlines()[1:8]:
                    print("    | " + line)
    took = time.monotonic() - t1
    print("apply_fuzz: %d labs in %.1f s: %d applied cleanly, %d refused "
          "by validate, %d skipped (%s), %d failed" %
          (labs, took, clean, refused,
           sum(skipped.values()),
           ", ".join("%s: %d" % kv for kv in skipped.items()) or "none",
           failed))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
