# t-ownership.sh - nstopo never takes over what is not its own: a planned
# namespace or host interface that exists already makes apply refuse,
# before anything changes; destroy leaves such objects alone too.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
spec=tests/integration/labs/spec-example.yaml
"$NSTOPO" plan --json "$spec" > "$WORK/spec.json"

# foreign_link [-n NS] link add NAME: someone else's interface (a dummy; a bridge
# where the kernel has no dummy driver)
foreign_link() {
	ip "$@" type dummy 2>/dev/null || ip "$@" type bridge
}

# A namespace h1 of someone else's, with an interface and an address.
ip netns add h1
foreign_link -n h1 link add d0
ip -n h1 addr add 192.0.2.9/24 dev d0
ns_id() {
	echo "$(stat -L -c %i /run/netns/h1 2>&1)" \
		"$(ip -n h1 -o addr show dev d0 2>&1 | awk '{ print $1, $4 }')"
}
want=$(ns_id)
snapshot "$WORK/before"
out=$("$NSTOPO" apply "$spec" 2>&1)
check_eq "existing namespace h1: apply exits 1" 1 $?
check_match "existing namespace h1: the message names it" \
	"namespace h1 already exists .*not part of lab lab1" "$out"
snapshot "$WORK/after"
check "existing namespace h1: nothing created or changed" \
	diff -u "$WORK/before" "$WORK/after"
check_eq "existing namespace h1: intact (same namespace, d0, address)" \
	"$want" "$(ns_id)"
check "existing namespace h1: destroy --lab lab1 succeeds" \
	"$NSTOPO" destroy --lab lab1
check_eq "existing namespace h1: intact after destroy --lab" \
	"$want" "$(ns_id)"
check_eq "existing namespace h1: still listed" "h1" "$(ip netns list)"
ip netns del h1
umount /run/netns && rmdir /run/netns # as ip netns add made it

# host_if_id NAME: what must not change about a host interface
host_if_id() {
	ip -o addr show dev "$1" 2>&1 | awk '{ print $1, $2, $4 }' | tr '\n' ' '
}
# An interface with a planned host name: the bridge, then a bridge port.
for name in br-lab rtr h2-eth0; do
	foreign_link link add "$name"
	ip addr add 192.0.2.10/24 dev "$name"
	want=$(host_if_id "$name")
	snapshot "$WORK/before"
	out=$("$NSTOPO" apply "$spec" 2>&1)
	check_eq "existing host interface $name: apply exits 1" 1 $?
	check_match "existing host interface $name: the message names it" \
		"interface $name already exists in the host namespace and is not part of lab lab1" \
		"$out"
	snapshot "$WORK/after"
	check "existing host interface $name: nothing created or changed" \
		diff -u "$WORK/before" "$WORK/after"
	check_eq "existing host interface $name: intact (ifindex, address)" \
		"$want" "$(host_if_id "$name")"
	"$NSTOPO" destroy --lab lab1 > /dev/null
	check_eq "existing host interface $name: intact after destroy --lab" \
		"$want" "$(host_if_id "$name")"
	ip link del "$name"
done
check_clean "nothing left after the refusals"

# A lab's host link replaced by someone else's while the lab is up:
# destroy removes the rest and leaves the stranger alone, with a warning.
snapshot "$WORK/before"
check "apply the lab" "$NSTOPO" apply "$spec"
ip link del rtr
foreign_link link add rtr
want=$(ip -o link show dev rtr | cut -d: -f1)
out=$("$NSTOPO" destroy --lab lab1 2>&1)
check_eq "destroy with a foreign rtr: exit 0" 0 $?
check_match "destroy warns that rtr is not the lab's" \
	"interface rtr in the host does not carry lab lab1's mark: left alone" "$out"
check_eq "the foreign rtr is intact" "$want" \
	"$(ip -o link show dev rtr | cut -d: -f1)"
check_match "the rest of the lab is gone" "host: link rtr still exists" \
	"$(verify.py --gone "$WORK/spec.json")"
check_eq "... and nothing but rtr is left over" "link rtr" "$(leftovers)"
ip link del rtr
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"
finish
