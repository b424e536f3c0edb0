#!/usr/bin/env python3
"""measure.py - the timing and arithmetic half of bench/run.sh.

  measure.py run [-o FILE] CMD...  run CMD, its stdout sent to FILE (default: to
                                   stderr); print "START END SECONDS MAXRSS_KIB"
                                   (CLOCK_MONOTONIC, so times from different
                                   processes compare; MAXRSS is the largest
                                   child's peak, from getrusage(RUSAGE_CHILDREN));
                                   exit with CMD's status
  measure.py now                   print CLOCK_MONOTONIC seconds
  measure.py slab                  print net_namespace active_objs (/proc/slabinfo,
                                   after flushing SLUB's per-CPU slabs)
  measure.py waitslab BASE SECS    poll /proc/slabinfo every 20 ms until
                                   net_namespace active_objs <= BASE, i.e. every
                                   namespace made since BASE was read has been
                                   freed by the kernel, or until the machine
                                   has been idle for 0.5 s (the kernel's
                                   clean-up is over, though 6.18 may still
                                   count some of them); print the monotonic
                                   time (of the start of the quiet) and the
                                   count then, or "timeout" after SECS
  measure.py sub A B               print A - B
  measure.py median X...           print the median of the numbers among X
                                   ("?" if there are none; words are skipped)
  measure.py minmax X...           print "MIN-MAX" of the numbers among X (the same)
  measure.py report RAW OUT.md     medians, ratios and verdicts from RAW, appended
                                   to OUT.md and printed (RAW has lines
                                   "N TOOL ROUND APPLY DESTROY KDONE RSS_KIB" or
                                   "N TOOL ROUND failed")

The timer lives in this process, so the Python start-up is never counted:
only fork+exec of CMD is, for every tool alike.
"""
import os
import resource
import statistics
import subprocess
import sys
import time


SHRINK = "/sys/kernel/slab/net_namespace/shrink"


def slab_line():
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith("net_namespace "):
                return line.split()
    raise SystemExit("measure.py: no net_namespace line in /proc/slabinfo")


def slab_active():
    # SLUB counts the free objects parked in per-CPU slabs as active, up to
    # a few dozen net_namespace objects: flush them first (kmem_cache_shrink,
    # harmless), so the count is close to the namespaces that really exist.
    try:
        with open(SHRINK, "w") as f:
            f.write("1")
    except OSError:
        pass
    return int(slab_line()[1])


def cmd_run(argv):
    out = sys.stderr
    if argv[:1] == ["-o"]:
        out = open(argv[1], "w")
        argv = argv[2:]
    start = time.monotonic()
    rc = subprocess.call(argv, stdout=out)
    end = time.monotonic()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{start:.6f} {end:.6f} {end - start:.6f} {rss}")
    return rc


def cpu_busy():
    # Jiffies every CPU spent on anything but idle and iowait, so far.
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4]


def cmd_waitslab(base, secs):
    # Done when the count is back to BASE: every namespace freed.  On 6.18
    # the last of them can stay counted long after the kernel has run
    # their clean-up (until the sandbox itself ends, seen here), so also
    # done when the whole machine has been idle for QUIET s (under 5% of
    # one CPU: the clean-up work is over); then the time the quiet began.
    quiet, step = 0.5, 0.05
    hz = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + secs
    calm_t, busy0, count = None, cpu_busy(), None
    next_slab = 0.0
    while True:
        t = time.monotonic()
        if t >= next_slab:
            count = slab_active()
            next_slab = t + 0.25
            if count <= base:
                print(f"{t:.6f} {count}")
                return 0
        time.sleep(step)
        busy = cpu_busy()
        if (busy - busy0) / hz > 0.05 * step:
            calm_t = None
        elif calm_t is None:
            calm_t = t
        busy0 = busy
        if calm_t is not None and time.monotonic() - calm_t >= quiet:
            print(f"{calm_t:.6f} {max(count, base)}")
            return 0
        if t > deadline:
            print("timeout")
            return 1


# Targets from the issue.  Ratios and growth are judged at the largest N
# measured with every tool; the same ratios at smaller N are informative.
TARGETS = {
    "apply nstopo/floor": ("<=", 1.25),
    "destroy nstopo/floor": ("<=", 1.25),
    "apply ip-batch/nstopo": (">=", 8),
    "apply ip-single/nstopo": (">=", 25),
}
TOOLS = ["nstopo", "floor", "ip-batch", "ip-single"]


def verdict(value, op, target):
    if value is None:
        return "n/a"
    ok = value <= target if op == "<=" else value >= target
    return "PASS" if ok else "FAIL"


def fmt(x, nd=3):
    return "-" if x is None else f"{x:.{nd}f}"


def cmd_report(raw, out):
    runs = {}  # (n, tool) -> {"apply": [...], ...}
    for line in open(raw):
        f = line.split()
        if len(f) < 4:
            continue
        n, tool = int(f[0]), f[1]
        d = runs.setdefault((n, tool), {"apply": [], "destroy": [], "kdone": [],
                                        "rss": [], "timeouts": 0, "disturbed": 0,
                                        "failed": 0})
        if f[3] == "failed":
            d["failed"] += 1
            continue
        d["apply"].append(float(f[3]))
        d["destroy"].append(float(f[4]))
        if f[5] == "timeout":
            d["timeouts"] += 1
        else:
            if f[5].endswith("*"):
                d["disturbed"] += 1
            d["kdone"].append(float(f[5].rstrip("*")))
        d["rss"].append(int(f[6]))

    def med(n, tool, key):
        v = runs.get((n, tool), {}).get(key)
        return statistics.median(v) if v else None

    def ratio(a, b):
        return a / b if a is not None and b else None

    ns = sorted({n for n, _ in runs})
    lines = ["| N | tool | runs | apply s | destroy s | kernel done s "
             "| apply min-max s | destroy min-max s |",
             "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for n in ns:
        for tool in TOOLS:
            d = runs.get((n, tool))
            if not d:
                continue
            kd = fmt(med(n, tool, "kdone"))
            notes = [f"{d[k]} {w}" for k, w in (("timeouts", "timeout"),
                                                 ("disturbed", "disturbed")) if d[k]]
            if notes:
                kd += " (" + ", ".join(notes) + ")"
            nruns = str(len(d["apply"]))
            if d["failed"]:
                nruns += f" ({d['failed']} FAILED)"
            spread = ["-", "-"]
            if d["apply"]:
                spread = [f"{min(d[k]):.3f}-{max(d[k]):.3f}" for k in ("apply", "destroy")]
            lines.append(
                f"| {n} | {tool} | {nruns} "
                f"| {fmt(med(n, tool, 'apply'))} | {fmt(med(n, tool, 'destroy'))} "
                f"| {kd} | {spread[0]} | {spread[1]} |")
    lines.append("")
    lines.append("kernel done s: from the start of destroy until "
                 "/proc/slabinfo net_namespace active_objs is back to its "
                 "value before apply (every namespace freed), or until the "
                 "machine has been idle for 0.5 s (the kernel's clean-up is "
                 "over; kernel 6.18 can keep counting freed namespaces until "
                 "the sandbox ends); median of the runs that got there.  "
                 "timeouts: neither happened (another process was busy); "
                 "disturbed: the count fell below that value (another process "
                 "freed some), so the time may be early.")
    lines.append("")

    # Ratios at every N (information), verdicts at the largest N.
    lines.append("| N | apply nstopo/floor | destroy nstopo/floor "
                 "| apply ip-batch/nstopo | apply ip-single/nstopo |")
    lines.append("|---:|---:|---:|---:|---:|")
    got = {}
    for n in ns:
        r = {
            "apply nstopo/floor": ratio(med(n, "nstopo", "apply"), med(n, "floor", "apply")),
            "destroy nstopo/floor": ratio(med(n, "nstopo", "destroy"), med(n, "floor", "destroy")),
            "apply ip-batch/nstopo": ratio(med(n, "ip-batch", "apply"), med(n, "nstopo", "apply")),
            "apply ip-single/nstopo": ratio(med(n, "ip-single", "apply"), med(n, "nstopo", "apply")),
        }
        got[n] = r
        lines.append(f"| {n} | " + " | ".join(fmt(r[k], 2) for k in TARGETS) + " |")
    lines.append("")

    top = max((n for n in ns if all((n, t) in runs for t in TOOLS)), default=None)
    verdicts = []
    if top is not None:
        for key, (op, target) in TARGETS.items():
            v = got[top][key]
            verdicts.append(f"ratio {key} = {fmt(v, 2)} at N={top} "
                            f"(target {op} {target}) {verdict(v, op, target)}")
        a100, a1000 = med(100, "nstopo", "apply"), med(1000, "nstopo", "apply")
        g = ratio(a1000, a100)
        verdicts.append(f"growth nstopo apply N=100->1000 = {fmt(g, 2)} "
                        f"(target <= 12) {verdict(g, '<=', 12)}")
        rss = runs.get((1000, "nstopo"), {}).get("rss")
        mib = max(rss) / 1024 if rss else None
        verdicts.append(f"nstopo peak RSS at N=1000 = {fmt(mib, 1)} MiB "
                        f"(target <= 32) {verdict(mib, '<=', 32)}")
    lines += [v for v in verdicts]
    text = "\n".join(lines) + "\n"
    with open(out, "a") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    what, args = argv[1], argv[2:]
    if what == "run":
        return cmd_run(args)
    if what == "now":
        print(f"{time.monotonic():.6f}")
        return 0
    if what == "slab":
        print(slab_active())
        return 0
    if what == "waitslab":
        return cmd_waitslab(int(args[0]), float(args[1]))
    if what == "sub":
        print(f"{float(args[0]) - float(args[1]):.6f}")
        return 0
    if what in ("median", "minmax"):
        xs = []
        for a in args:
            try:
                xs.append(float(a))
            except ValueError:
                pass
        if not xs:
            print("?")
        elif what == "median":
            print(f"{statistics.median(xs):.6f}")
        else:
            print(f"{min(xs):.3f}-{max(xs):.3f}")
        return 0
    if what == "report":
        return cmd_report(args[0], args[1])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
