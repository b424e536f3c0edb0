#!/usr/bin/env python3
"""hostcmp.py - compare what the host has, exactly, but for lifetimes.

usage: hostcmp.py snap FILE
       hostcmp.py same BEFORE AFTER
       hostcmp.py moved BEFORE AFTER PORT BRIDGE

snap writes FILE: the time (CLOCK_MONOTONIC) and the output of
`ip -d -j addr show`, `ip -d -j -4 route show table all` and
`ip -d -j -6 route show table all`, as ip printed it.

same: AFTER has what BEFORE had, every field of every interface, address
and route, in the same order, byte for byte once parsed, except
lifetimes, which count down: an address's finite valid_life_time and
preferred_life_time and a route's expires may be lower in AFTER, by at
most the seconds between the two snapshots plus 2, never higher.  Prints
each difference; exit 1 if there is one.

moved: while a lab is up, BRIDGE carries what PORT had: each address of
PORT in BEFORE that is not the kernel's (link-local) is on BRIDGE in
AFTER, the same but for its label (PORT's name in it becomes BRIDGE's)
and lifetimes; each route through PORT (a nexthop of a multipath route
included) that the kernel did not make (proto kernel) is in AFTER with
BRIDGE in place of PORT, the same but for expires; and PORT keeps none of
them.
"""
import json
import subprocess
import sys
import time

LIFETIMES = ("valid_life_time", "preferred_life_time")
FOREVER = 4294967295
CMDS = {
    "addr": ["ip", "-d", "-j", "addr", "show"],
    "route4": ["ip", "-d", "-j", "-4", "route", "show", "table", "all"],
    "route6": ["ip", "-d", "-j", "-6", "route", "show", "table", "all"],
}


def snap(path):
    out = {"time": time.monotonic()}
    for key, cmd in CMDS.items():
        out[key] = json.loads(subprocess.check_output(cmd) or b"[]")
    with open(path, "w") as f:
        json.dump(out, f)


def load(path):
    with open(path) as f:
        return json.load(f)


def lifetime_ok(was, now, slack):
    """A lifetime that counts down: lower by at most slack, never higher."""
    if was == FOREVER or now == FOREVER:
        return was == now
    return was - slack <= now <= was


def expires_s(v):
    return int(str(v).rstrip("sec"))


def diff(a, b, slack, where, out):
    """Every difference between a and b, lifetimes within slack."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            w = f"{where}.{k}"
            if k not in a or k not in b:
                out.append(f"{w}: {a.get(k, '(none)')!r} -> "
                           f"{b.get(k, '(none)')!r}")
            elif k in LIFETIMES and isinstance(a[k], int):
                if not lifetime_ok(a[k], b[k], slack):
                    out.append(f"{w}: {a[k]} -> {b[k]} (slack {slack}s)")
            elif k == "expires":
                if not lifetime_ok(expires_s(a[k]), expires_s(b[k]), slack):
                    out.append(f"{w}: {a[k]} -> {b[k]} (slack {slack}s)")
            else:
                diff(a[k], b[k], slack, w, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: {len(a)} items -> {len(b)}")
            ka = [json.dumps(x, sort_keys=True) for x in a]
            kb = [json.dumps(x, sort_keys=True) for x in b]
            for x in ka:
                if x not in kb:
                    out.append(f"  only before: {x}")
            for x in kb:
                if x not in ka:
                    out.append(f"  only after:  {x}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, slack, f"{where}[{i}]", out)
    elif a != b:
        out.append(f"{where}: {a!r} -> {b!r}")


def slack_of(before, after):
    return int(after["time"] - before["time"]) + 2


def same(bpath, apath):
    before, after = load(bpath), load(apath)
    slack = slack_of(before, after)
    out = []
    for key in CMDS:
        diff(before[key], after[key], slack, key, out)
    for line in out:
        print(line)
    return 1 if out else 0


def addrs_of(snapshot, dev):
    for link in snapshot["addr"]:
        if link.get("ifname") == dev:
            return link.get("addr_info", [])
    return None


def kernels(a):
    return a.get("family") == "inet6" and a.get("scope") == "link"


def relabel(a, port, bridge):
    a = dict(a)
    label = a.get("label")
    if label == port or (label or "").startswith(port + ":"):
        a["label"] = (bridge + label[len(port):])[:15]
    return a


def routes_through(snapshot, dev):
    for key in ("route4", "route6"):
        for r in snapshot[key]:
            if r.get("protocol") == "kernel":
                continue
            if r.get("dev") == dev or any(
                    n.get("dev") == dev for n in r.get("nexthops", [])):
                yield r


def on(r, port, bridge):
    r = json.loads(json.dumps(r))
    if r.get("dev") == port:
        r["dev"] = bridge
    for n in r.get("nexthops", []):
        if n.get("dev") == port:
            n["dev"] = bridge
    for k in ("flags",):  # linkdown, dead: the state of the port's link
        r.pop(k, None)
        for n in r.get("nexthops", []):
            n.pop(k, None)
    return r


def key_of(r):
    return json.dumps({k: v for k, v in r.items() if k != "expires"},
                      sort_keys=True)


def moved(bpath, apath, port, bridge):
    before, after = load(bpath), load(apath)
    slack = slack_of(before, after)
    out = []
    want = [relabel(a, port, bridge) for a in addrs_of(before, port) or []
            if not kernels(a)]
    have = addrs_of(after, bridge)
    if have is None:
        out.append(f"{bridge}: no such interface")
        have = []
    for a in want:
        match = [h for h in have if h.get("local") == a.get("local")]
        if not match:
            out.append(f"{bridge}: lacks address {json.dumps(a)}")
            continue
        d = []
        diff(a, match[0], slack, f"{bridge} {a.get('local')}", d)
        out += d
    left = [a for a in addrs_of(after, port) or [] if not kernels(a)]
    for a in left:
        out.append(f"{port}: still has address {json.dumps(a)}")
    after_routes = {key_of(on(r, port, bridge)): r
                    for r in routes_through(after, bridge)}
    for r in routes_through(before, port):
        w = on(r, port, bridge)
        got = after_routes.get(key_of(w))
        if got is None:
            out.append(f"lacks route {json.dumps(w)}")
            continue
        d = []
        diff(w, on(got, port, bridge), slack, f"route {w.get('dst')}", d)
        out += d
    for r in routes_through(after, port):
        out.append(f"{port}: still has route {json.dumps(r)}")
    for line in out:
        print(line)
    return 1 if out else 0


def main(argv):
    if argv[:1] == ["snap"] and len(argv) == 2:
        snap(argv[1])
        return 0
    if argv[:1] == ["same"] and len(argv) == 3:
        return same(argv[1], argv[2])
    if argv[:1] == ["moved"] and len(argv) == 5:
        return moved(*argv[1:])
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
