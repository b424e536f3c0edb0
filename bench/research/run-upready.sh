#!/bin/sh
# run-upready.sh N TOPO LOAD - upready for ack and getlink (and equal
# ifindexes for pair), quiet (LOAD=0) or while churn makes and drops
# 2000 namespaces in another sandbox (LOAD=1).  Waits for an idle
# machine between runs (measure.py waitslab 0 = 0.5 s idle).
cd "$(dirname "$0")/../.."
n=${1:-1000} topo=${2:-pair} load=${3:-0}
idle() { python3 bench/research/settle.py 30; }
for same in "" 1; do
	[ "$topo" = bridge ] && [ -n "$same" ] && continue
	for mode in ack getlink; do
		idle
		if [ "$load" = 1 ]; then
			scripts/sandbox.sh bench/research/churn 2000 30 2>/dev/null &
			cpid=$!
			sleep 4	# the first round made; its frees run meanwhile
		fi
		UPREADY_SAME_IDX=$same scripts/sandbox.sh bench/research/upready "$n" $mode "$topo" ${K:-300}
		[ "$load" = 1 ] && { kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; }
		echo
	done
done
