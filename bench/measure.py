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
                                   freed by the kernel; print the monotonic time
                                   it happened and the count then, or "timeout"
                                   after SECS
  measure.py sub A B               print A - B
  measure.py report RAW OUT.md     medians, ratios and verdicts from RAW, appended
                                   to OUT.md and printed (RAW has lines
                                   "N TOOL ROUND APPLY DESTROY KDONE RSS_KIB" or
                                   "N TOOL ROUND failed")

The timer lives in this process, so the Python start-up is never counted:
only fork+exec of CMD is, for every tool alike.
"""
import resource
import statistics
import subprocess
import sys
import time


SHRINK = "/sys/kernel/slab/net_namespace/shrink"


def slab_active():
    # SLUB counts the free objects parked in per-CPU slabs as active, up to
    # a few dozen net_namespace objects: flush them first (kmem_cache_shrink,
    # harmless), so the count is the namespaces that really exist.
    try:
        with open(SHRINK, "w") as f:
            f.write("1")
    except OSError:
        pass
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith("net_namespace "):
                return int(line.split()[1])
    raise SystemExit("measure.py: no net_namespace line in /proc/slabinfo")


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


def cmd_waitslab(base, secs):
    deadline = time.monotonic() + secs
    while True:
        t = time.monotonic()
        count = slab_active()
        if count <= base:
            print(f"{t:.6f} {count}")
            return 0
        if t > deadline:
            print("timeout")
            return 1
        time.sleep(0.02)


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
                 "value before apply (every namespace freed); median of the "
                 "runs that got there.  timeouts: the count never came back "
                 "(another process was making namespaces); disturbed: it fell "
                 "below that value (another process freed some), so the time "
                 "may be early.")
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
    if what == "report":
        return cmd_report(args[0], args[1])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
