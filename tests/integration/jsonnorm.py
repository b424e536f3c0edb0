#!/usr/bin/env python3
"""jsonnorm.py - print `ip -j` output with counters and timers removed, so
two dumps of an unchanged machine compare equal."""
import json
import sys

VOLATILE = {"stats", "stats64", "valid_life_time", "preferred_life_time",
            "operstate_change_count", "carrier_changes", "carrier_up_count",
            "carrier_down_count", "min_mtu"}


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in sorted(v.items()) if k not in VOLATILE}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


print(json.dumps(clean(json.load(sys.stdin)), indent=1, sort_keys=True))
