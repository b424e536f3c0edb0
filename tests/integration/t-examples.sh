# t-examples.sh - every topologies/*.yaml: apply, verify against the plan,
# the connectivity its "# test:" lines promise (pings.py), destroy, and
# nothing left: the host as it was before.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# in_ns NETNS CMD...: run CMD in a lab namespace, or here for "host"
in_ns() {
	ns=$1; shift
	if [ "$ns" = host ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

n=0
for f in topologies/*.yaml; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	name=$(basename "$f" .yaml)
	plan=$WORK/$name.json
	if ! "$NSTOPO" plan --json "$f" > "$plan"; then
		bad "$name: plan --json"
		continue
	fi
	snapshot "$WORK/$name.before"
	check "$name: apply" "$NSTOPO" apply "$f"
	check "$name: kernel state matches the plan" verify.py "$plan"
	python3 "$TOP/tests/integration/pings.py" "$f" "$plan" > "$WORK/$name.pings"
	check_match "$name: has connectivity checks" . "$(cat "$WORK/$name.pings")"
	if grep -q '"op":"addr.add".*"address":"[0-9a-f:]*:' "$plan"; then
		check_match "$name: has IPv6 connectivity checks (the lab has IPv6)" \
			'^ping [^ ]+ [0-9a-f:]*:' "$(cat "$WORK/$name.pings")"
	fi
	if grep -q '"op":"addr.add".*"address":"[0-9.]*/' "$plan"; then
		check_match "$name: has IPv4 connectivity checks (the lab has IPv4)" \
			'^ping [^ ]+ [0-9.]+$' "$(cat "$WORK/$name.pings")"
	fi
	while read -r verb ns addr; do
		case $verb in
		ping) check "$name: $ns reaches $addr" \
			in_ns "$ns" ping -c1 -W2 -q "$addr" ;;
		noping) check_fail "$name: $ns does not reach $addr" \
			in_ns "$ns" ping -c1 -W1 -q "$addr" ;;
		esac
	done < "$WORK/$name.pings"
	check "$name: destroy" "$NSTOPO" destroy "$f"
	check "$name: nothing of the lab is left" verify.py --gone "$plan"
	snapshot "$WORK/$name.after"
	check "$name: host state as before" \
		diff -u "$WORK/$name.before" "$WORK/$name.after"
done
[ "$n" -gt 0 ] && ok "$n example topologies" || bad "no topologies/*.yaml"

# verify.py itself: a lab that drifted from its plan is noticed.
lab=tests/integration/labs/spec-example.yaml
"$NSTOPO" plan --json "$lab" > "$WORK/spec.json"
"$NSTOPO" apply -q "$lab"
ip -n router link set eth1 mtu 1500
ip -n h1 addr del fd00:1::2/64 dev eth0
ip -n h2 route del blackhole 198.51.100.0/24
ip netns exec router sysctl -qw net.ipv4.ip_forward=0
ip link set rtr nomaster
out=$(verify.py "$WORK/spec.json")
check_eq "verify.py fails on a drifted lab" 1 $?
for want in "router: link eth1: mtu 1500, want 9000" \
	"h1: addr fd00:1::2/64 dev eth0: missing" \
	"h2: route missing: route add blackhole 198.51.100.0/24" \
	"router: sysctl net.ipv4.ip_forward = 0, want 1" \
	"host: link rtr: master None, want br-lab"; do
	check_match "verify.py reports '$want'" "$want" "$out"
done
out=$(verify.py --gone "$WORK/spec.json")
check_eq "verify.py --gone fails while the lab is up" 1 $?
check_match "verify.py --gone names a namespace" "netns router" "$out"
"$NSTOPO" destroy -q --lab lab1
check "verify.py --gone after destroy" verify.py --gone "$WORK/spec.json"
finish
