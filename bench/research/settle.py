#!/usr/bin/env python3
"""settle.py [MAX_S] - wait until the kernel has freed the namespaces of
earlier runs: net_namespace active_objs (after a slab shrink) unchanged
for 1 s, or MAX_S (30) seconds.  The machine is shared, so "idle" can't
be asked for; print the count and the wait."""
import sys, time
sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/..")
from measure import slab_active
t0 = time.monotonic()
limit = float(sys.argv[1]) if len(sys.argv) > 1 else 30
last, since = slab_active(), time.monotonic()
while time.monotonic() - t0 < limit:
    time.sleep(0.25)
    c = slab_active()
    if c != last:
        last, since = c, time.monotonic()
    elif time.monotonic() - since >= 1:
        break
print(f"settle: net_namespace {last} after {time.monotonic() - t0:.1f} s", file=sys.stderr)
