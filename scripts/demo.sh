#!/bin/sh
# demo.sh NSTOPO [LAB.yaml] - the README's main job: in a private sandbox
# (nothing reaches the host), bring an example lab up, show it, ping
# across it, check it, tear it down.
set -eu
bin=${1:?usage: demo.sh NSTOPO [LAB.yaml]}
lab=${2:-topologies/router.yaml}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ "${NSTOPO_IN_SANDBOX:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "demo: needs root (it makes network namespaces, in a sandbox)" >&2
		exit 1
	fi
	exec "$top/scripts/sandbox.sh" "$0" "$@"
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "plan: what apply will do"
run "$bin" plan "$lab" | head -n 20
say "apply"
run "$bin" apply "$lab"
say "the lab, as ip sees it"
run ip netns list
for ns in $(ip netns list | awk '{print $1}' | sort); do
	printf -- '--- %s\n' "$ns"
	ip -n "$ns" -br addr
	ip -n "$ns" route
done
say "traffic across it"
# The first address of another node, pinged from the first node.
first=$(ip netns list | awk '{print $1}' | sort | head -n 1)
"$bin" plan --json "$lab" | python3 -c '
import json, sys
ops = json.load(sys.stdin)["ops"]
addrs = [(o["netns"], o["address"].split("/")[0]) for o in ops if o["op"] == "addr.add" and o["netns"] != "host"]
src = sorted({ns for ns, _ in addrs})[0]
for ns, a in [x for x in addrs if x[0] != src][:4]:
    print(src, a)
' | while read -r src addr; do
	printf '$ ip netns exec %s ping -c 1 %s: ' "$src" "$addr"
	ip netns exec "$src" ping -c 1 -W 2 "$addr" | grep -o '[0-9]* received'
done
say "status: the kernel against the plan"
run "$bin" status "$lab"
say "destroy"
run "$bin" destroy "$lab"
run ip netns list
echo "(empty: nothing left)"
