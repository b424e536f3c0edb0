#!/usr/bin/env python3
"""foldjoins.py < RECORDS - journal records (one a line, numbers stripped),
with each late bridge join folded back into the step that raised the port.

A port whose peer is a node end comes up in one step
(`k=link.set [ns=N] name=P up=1 [mark=1]`) and joins its bridge in a later
one (`k=link.set [ns=N] name=P master=B up=1`); nstopo 0.1.0 did both in
the first.  Prints the records as 0.1.0 would have written them: the join
dropped, its master= put into the first step.  Other records pass as
they are."""
import re
import sys

SET = re.compile(r"^k=link\.set((?: ns=\S+)?) name=(\S+)( master=\S+)? up=1( mark=1)?$")

out = []
raised = {}
for line in sys.stdin.read().splitlines():
    m = SET.match(line)
    if m and not m.group(3):
        raised[(m.group(1), m.group(2))] = len(out)
    elif m and (m.group(1), m.group(2)) in raised:
        i = raised.pop((m.group(1), m.group(2)))
        out[i] = out[i].replace(" up=1", m.group(3) + " up=1", 1)
        continue
    out.append(line)
print("\n".join(out))
