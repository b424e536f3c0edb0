# t-rollback.sh - a failed apply leaves the machine exactly as it was: a
# fault injected at every step, real conflicts at several steps, and
# --keep, which leaves the partial lab for destroy --lab.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
spec=tests/integration/labs/spec-example.yaml

# The spec example, plus host objects whose undo is not "delete the
# namespace": a host sysctl (restored), an address on the host's lo and a
# host route (deleted one by one).
host=$WORK/host-objects.yaml
sed -e '/^  host:  /a\    sysctl: {net.ipv4.ip_forward: 1}' \
	-e '/^  host:  /a\    routes: [{to: 198.18.0.0/24, type: blackhole}]' \
	-e '/^      br-lab: {addresses/a\      lo: {addresses: [192.0.2.1/32]}' \
	"$spec" > "$host"

# fault_everywhere FILE: NSTOPO_FAULT_AT=1..N, each must roll back fully
fault_everywhere() {
	name=$(basename "$1" .yaml)
	n=$(plan_count "$1")
	check_match "$name: the plan has steps" '^[1-9][0-9]*$' "$n"
	snapshot "$WORK/before"
	i=1
	while [ "$i" -le "$n" ]; do
		out=$(NSTOPO_FAULT_AT=$i "$NSTOPO" apply "$1" 2>&1)
		rc=$?
		snapshot "$WORK/after"
		if [ "$rc" = 1 ] &&
			printf '%s\n' "$out" | grep -q "step $i of $n failed: .*fault injected" &&
			diff -u "$WORK/before" "$WORK/after" > "$WORK/diff"; then
			ok "$name: fault at step $i/$n: exit 1, rolled back"
		else
			bad "$name: fault at step $i/$n: exit $rc, or not rolled back"
			printf '%s\n' "$out" | sed 's/^/     | /' | head -10
			sed 's/^/     | /' "$WORK/diff" | head -30
			"$NSTOPO" destroy -q --lab lab1 # clean for the next step
		fi
		i=$((i + 1))
	done
}
fault_everywhere "$spec"
fault_everywhere "$host"

# conflict DESC FILE REGEX: apply FILE fails on a real conflict (exit 1,
# the message matches REGEX) and leaves the machine as it was
conflict() {
	snapshot "$WORK/before"
	out=$("$NSTOPO" apply "$2" 2>&1)
	check_eq "$1: apply exits 1" 1 $?
	check_match "$1: the message names the step, object and reason" "$3" "$out"
	check_match "$1: says it rolled back" "rolled back" "$out"
	snapshot "$WORK/after"
	check "$1: state as before" diff -u "$WORK/before" "$WORK/after"
	check_fail "$1: no lab state is left" test -e /run/nstopo/lab1
}

sed '/^      net.ipv6.conf.all.forwarding: 1$/a\      net.ipv4.conf.all.no_such_key: 1' \
	"$spec" > "$WORK/sysctl-first.yaml"
step=$(plan_step "$WORK/sysctl-first.yaml" \
	"sysctl net.ipv4.conf.all.no_such_key=1 @router")
conflict "unknown sysctl in the first node" "$WORK/sysctl-first.yaml" \
	"step $step of [0-9]+ failed: sysctl net\\.ipv4\\.conf\\.all\\.no_such_key=1 @router .*: No such file or directory"

sed '/^  proxy:$/a\    sysctl: {net.ipv4.conf.all.no_such_key: 1}' \
	"$spec" > "$WORK/sysctl-last.yaml"
conflict "unknown sysctl in the last node" "$WORK/sysctl-last.yaml" \
	'step [0-9]+ of [0-9]+ failed: sysctl net\.ipv4\.conf\.all\.no_such_key=1 @proxy .*: No such file or directory'

ip addr add 192.0.2.1/32 dev lo
conflict "address on the host's lo exists" "$host" \
	'step [0-9]+ of [0-9]+ failed: addr add 192\.0\.2\.1/32 dev lo @host .*: File exists'
check_match "the pre-existing address on lo is intact" \
	'inet 192\.0\.2\.1/32 scope global lo' "$(ip addr show dev lo)"
check_eq "host ip_forward restored" 0 "$(cat /proc/sys/net/ipv4/ip_forward)"
ip addr del 192.0.2.1/32 dev lo

ip route add blackhole 198.18.0.0/24
conflict "host route exists" "$host" \
	'step [0-9]+ of [0-9]+ failed: route add blackhole 198\.18\.0\.0/24 @host .*: File exists'
check_match "the pre-existing route is intact (not nstopo's: proto static)" \
	'^blackhole 198\.18\.0\.0/24 *$' "$(ip route show 198.18.0.0/24)"
check_fail "the lab's address on lo was removed again" \
	sh -c 'ip addr show dev lo | grep -q 192.0.2.1'
ip route del blackhole 198.18.0.0/24

# --keep: the partial lab stays, apply finishes it, destroy --lab clears it
# (the fault is at the step after the last node's link is made: the host
# bridge, made first, and every namespace are there)
snapshot "$WORK/before"
at=$(($(plan_step "$host" "link add eth0 type veth peer proxy-eth0 netns host @proxy") + 1))
out=$(NSTOPO_FAULT_AT=$at "$NSTOPO" apply --keep "$host" 2>&1)
check_eq "--keep: apply exits 1" 1 $?
check_match "--keep: says the partial lab is left" "partial lab is left" "$out"
check "--keep: the namespaces made are still there" \
	sh -c 'ip netns list | grep -q router && ip netns list | grep -q proxy'
check "--keep: the host bridge is still there" ip link show br-lab
check "--keep: the journal is still there" test -s /run/nstopo/lab1/journal
check "--keep: status says partial" sh -c '"$1" list | grep -q "lab1.*partial"' - "$NSTOPO"
out=$("$NSTOPO" apply "$host" 2>&1)
check_eq "--keep: applying again finishes it" 0 $?
check_match "--keep: ... in place" "lab lab1 is up: changed in place" "$out"
check "--keep: ... as planned" "$NSTOPO" status -q "$host"
check "--keep: destroy --lab removes it" "$NSTOPO" destroy --lab lab1
check_clean "--keep: nothing left"
snapshot "$WORK/after"
check "--keep: state as before" diff -u "$WORK/before" "$WORK/after"
finish
