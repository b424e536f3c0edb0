#!/bin/sh
# flood.sh NSTOPO FILE [LABEL] - one apply of a star lab (gen-star.sh: bridge
# br0, nodes h1..hN) by NSTOPO, in a sandbox of its own: the seconds apply
# took, the seconds until the lab is usable (bench/run.sh's check: h(N-1)
# reaches hN over IPv6 and IPv4 and hN reaches h1 over IPv6, each ping
# with a 1 s timeout, so ~1 s steps), both from the start of apply, and
# the packets br0 sent out of its ports (the sum of their tx_packets),
# counted from the start of apply, at its return and 0.5, 2, 5, 10 and 20
# s after.  One line:
#   LABEL apply=S usable=S tx@ret=P tx@0.5=P ... tx@20=P
# Then destroy.  Used for the start-up flood figures of the querier and
# the node defaults (README, Performance).
set -eu
if [ "${NSTOPO_IN_SANDBOX:-}" != 1 ]; then
	exec "$(dirname "$0")/../../scripts/sandbox.sh" "$0" "$@"
fi
bin=$1 file=$2 label=${3:-$(basename "$file")}
cd "$(dirname "$0")/../.."
m() { python3 bench/measure.py "$@"; }
n=$(grep -c '^  h[0-9]*:$' "$file")
tx() {
	ip -s -j link show master br0 | python3 -c '
import json, sys
print(sum(l["stats64"]["tx"]["packets"] for l in json.load(sys.stdin)))'
}
t0=$(m now)
"$bin" apply -q "$file"
t1=$(m now)
# usable, in the background: its own file, written when it is
usable() {
	a=$((n - 1))
	last6=fd00::$(printf %x "$n")
	last4=10.$((100 + n / 65536)).$((n / 256 % 256)).$((n % 256))
	until ip netns exec "h$a" ping -q -c 1 -W 1 "$last6" >/dev/null 2>&1 &&
		ip netns exec "h$n" ping -q -c 1 -W 1 fd00::1 >/dev/null 2>&1 &&
		ip netns exec "h$a" ping -q -c 1 -W 1 "$last4" >/dev/null 2>&1; do
		:
	done
	m sub "$(m now)" "$t0" >"$1"
}
ufile=$(mktemp)
usable "$ufile" &
up=$!
line="$label apply=$(m sub "$t1" "$t0") tx@ret=$(tx)"
for at in 0.5 2 5 10 20; do
	wait_s=$(python3 -c "import sys; print(max(0, $t1 + $at - $(m now)))")
	sleep "$wait_s"
	line="$line tx@$at=$(tx)"
done
wait "$up"
echo "$line usable=$(cat "$ufile")"
rm -f "$ufile"
"$bin" destroy -q --lab "$(sed -n 's/^name: //p' "$file")"
