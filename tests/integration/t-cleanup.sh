# t-cleanup.sh - after destroy nothing is left: no namespace, pin, mount,
# link, address, route or state file; also when a process still runs in a
# node at destroy --keep-processes time (the namespace outlives its pin,
# unnamed).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
spec=tests/integration/labs/spec-example.yaml
star=$WORK/star50.yaml
gen_star 50 "$star"
"$NSTOPO" plan --json "$spec" > "$WORK/spec.json"
"$NSTOPO" plan --json "$star" > "$WORK/star.json"
snapshot "$WORK/before"

for lab in spec star; do
	eval file=\$$lab
	check "$lab: apply" "$NSTOPO" apply "$file"
	check "$lab: verify" verify.py "$WORK/$lab.json"
	check "$lab: destroy" "$NSTOPO" destroy "$file"
	check_clean "$lab: no namespace, pin, mount, link, address, route, state"
	check_eq "$lab: ip netns list is empty" "" "$(ip netns list)"
	check_fail "$lab: /run/netns is gone" test -e /run/netns
	check_fail "$lab: /run/nstopo is gone" test -e /run/nstopo
	snapshot "$WORK/after"
	check "$lab: host state as before" diff -u "$WORK/before" "$WORK/after"
done

# Objects removed by hand while the lab is up: destroy removes the rest.
check "apply spec" "$NSTOPO" apply "$spec"
ip netns del h2
ip link del rtr
out=$("$NSTOPO" destroy --lab lab1 2>&1)
check_eq "destroy after a namespace and a host link were removed by hand" \
	0 $?
check_clean "... and nothing is left"

# busy LAB NODE...: a process runs in each NODE while the lab is destroyed
# (--keep-processes: it stays)
busy() {
	lab=$1; shift
	eval file=\$$lab
	check "$lab busy: apply" "$NSTOPO" apply "$file"
	pids="" pairs=""
	for node in "$@"; do
		ip netns exec "$node" sleep 30 &
		pids="$pids $!" pairs="$pairs $node:$!"
		wait_comm $! sleep
	done
	out=$("$NSTOPO" destroy --keep-processes "$file" 2>&1)
	check_eq "$lab busy: destroy succeeds" 0 $?
	for pair in $pairs; do
		node=${pair%:*} pid=${pair#*:}
		check_match "$lab busy: destroy warns about sleep in $node" \
			"warning: namespace $node: process $pid \(sleep\) still runs in it" \
			"$out"
	done
	check "$lab busy: pins and host links are gone" \
		verify.py --gone "$WORK/$lab.json"
	check_clean "$lab busy: nothing left while the processes still run"
	for pid in $pids; do
		check "$lab busy: sleep $pid still runs" kill -0 "$pid"
		kill "$pid"
		wait "$pid" 2>/dev/null
	done
	check_clean "$lab busy: nothing left after the processes are gone"
	snapshot "$WORK/after"
	check "$lab busy: host state as before" \
		diff -u "$WORK/before" "$WORK/after"
}
busy spec h1 h2
busy star h1

# A destroy of many namespaces hands their pins to threads, which
# check each (its lo's mark) and remove it (op_netns.c, reaper.c): each
# case of the check, among the star's 50, and nothing else.  h7 is
# another's namespace now under the node's name; h8's pin was unmounted
# by hand (an empty file is left); h9's is gone.
check "many: apply" "$NSTOPO" apply -q "$star"
ip netns del h7
ip netns add h7
umount /run/netns/h8
ip netns del h9
out=$("$NSTOPO" destroy "$star" 2>&1)
check_eq "many: destroy succeeds" 0 $?
check_match "many: another's namespace under a node's name is left alone" \
	"warning: namespace h7 does not carry lab star50's mark: left alone" "$out"
check_eq "many: and it is the only warning" 1 \
	"$(printf '%s\n' "$out" | grep -c warning)"
check_match "many: the others are counted (h8 and h9 as removed)" \
	"^lab star50 is down: 49 namespaces" "$out"
check "many: another's namespace is still there" ip netns exec h7 true
check_fail "many: the empty pin is gone" test -e /run/netns/h8
check_eq "many: no other pin is left" "h7" "$(ls /run/netns)"
ip netns del h7
# (/run/netns stayed for the foreign pin: the next destroy tidies it)
check "many: apply and destroy again" \
	sh -c '"$0" apply -q "$1" && "$0" destroy -q "$1"' "$NSTOPO" "$star"
check_clean "many: nothing left"
finish
