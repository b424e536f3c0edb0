# t-smoke.sh - the spec's example lab: up, checks, down, nothing left.
. "$TOP/tests/integration/lib.sh"
snapshot "$WORK/before"
procs() { grep -c ' - proc ' /proc/self/mountinfo; }
procs_before=$(procs)
check "apply spec example" "$NSTOPO" apply tests/integration/labs/spec-example.yaml
check "status" "$NSTOPO" status -q --lab lab1
# apply's writer thread and status look at /proc/sys through a procfs of
# their own, in a mount namespace of their own: none of it shows here.
check_eq "no procfs mounted in the host's mount namespace" "$procs_before" "$(procs)"
check "h1 pings router" ip netns exec h1 ping -c1 -W2 10.0.1.1
check "h1 pings h2 across router and bridge" ip netns exec h1 ping -c1 -W2 10.0.2.2
check "h1 pings router over IPv6" ip netns exec h1 ping -c1 -W2 fd00:1::1
# The DAD sysctls of a new namespace are written by a second thread while
# apply goes on; they must be in place before the node's links were made.
for n in router h1 h2 proxy; do
	check_eq "$n: all.accept_dad" 0 \
		"$(ip netns exec "$n" sysctl -n net.ipv6.conf.all.accept_dad)"
	check_eq "$n: default.accept_dad" 0 \
		"$(ip netns exec "$n" sysctl -n net.ipv6.conf.default.accept_dad)"
	check_eq "$n: eth0.accept_dad (from default, at creation)" 0 \
		"$(ip netns exec "$n" sysctl -n net.ipv6.conf.eth0.accept_dad)"
	check_eq "$n: no tentative address" "" \
		"$(ip netns exec "$n" ip -6 addr show tentative)"
done
# A veth is made with one transmit queue per end (what it uses anyway;
# the kernel's default, one per CPU, costs two RCU waits to cut down).
check_match "veth: h1's end has one tx queue" ' numtxqueues 1 ' \
	"$(ip -n h1 -d link show eth0)"
check_match "veth: its peer in router too" ' numtxqueues 1 ' \
	"$(ip -n router -d link show eth0)"
check "destroy" "$NSTOPO" destroy tests/integration/labs/spec-example.yaml
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"

# 70 namespaces, each with a sysctl of its interface, under a low fd
# limit: apply counts two fds a namespace, so it must hold no sysctl
# handle of a namespace it has left.
{
	echo "name: fdlab"; echo "nodes:"
	i=1; while [ $i -le 70 ]; do
		echo "  n$i: {sysctl: {net.ipv6.conf.eth0.accept_ra: 0}}"; i=$((i + 1))
	done
	echo "links:"
	i=1; while [ $i -lt 70 ]; do
		echo "  - [n$i:eth0, n$((i + 1)):eth0]"; i=$((i + 2))
	done
} > "$WORK/fdlab.yaml"
check "70 namespaces with interface sysctls apply under ulimit -S -n 100" \
	sh -c 'ulimit -S -n 100 && exec "$1" apply -q "$2"' - "$NSTOPO" "$WORK/fdlab.yaml"
check_eq "the last one's sysctl is written" 0 \
	"$(ip netns exec n70 sysctl -n net.ipv6.conf.eth0.accept_ra 2>&1)"
check "destroy it" "$NSTOPO" destroy -q --lab fdlab

# Namespace handles are a bounded cache: a lab far larger than the
# open-files limit applies, is checked and goes away under it, soft and
# hard (so nstopo cannot raise it).  And with only 4 handles, every op
# that needs two namespaces at once (a pair between nodes, a route via a
# link whose handle was closed) reopens what it needs.
sh "$TOP/bench/gen-big.sh" 300 2 fd300 > "$WORK/fd300.yaml"
check "300 namespaces apply under ulimit -n 64 (soft and hard)" \
	sh -c 'ulimit -n 64 && exec "$1" apply -q "$2"' - "$NSTOPO" "$WORK/fd300.yaml"
check "...status says as planned under it" \
	sh -c 'ulimit -n 64 && exec "$1" status -q --lab fd300' - "$NSTOPO"
check "...h300 reaches h2 (the same bridge) over IPv6" \
	ip netns exec h300 ping -6 -c1 -W2 fd00:2::1
check "...destroy under it" \
	sh -c 'ulimit -n 64 && exec "$1" destroy -q --lab fd300' - "$NSTOPO"
check_eq "...no namespace left" "" "$(ls /run/netns 2>/dev/null | grep -x 'h[0-9]*' | head -3)"
check "a routed lab with 4 namespace handles: apply" \
	env NSTOPO_MAX_HANDLES=4 "$NSTOPO" apply -q "$TOP/topologies/router.yaml"
check "...status, no drift" env NSTOPO_MAX_HANDLES=4 "$NSTOPO" status -q "$TOP/topologies/router.yaml"
check "...destroy" env NSTOPO_MAX_HANDLES=4 "$NSTOPO" destroy -q "$TOP/topologies/router.yaml"

# More namespaces than a private procfs serves before it is replaced
# (PROC_RENEW, 256): apply's writer and status renew theirs on the way,
# and the namespaces after that still get, and show, their sysctls.
sh "$TOP/bench/gen-star.sh" 260 > "$WORK/star260.yaml"
check "260-node star: apply" "$NSTOPO" apply -q "$WORK/star260.yaml"
for n in h1 h258 h260; do
	check_eq "260-node star: $n default.accept_dad" 0 \
		"$(ip netns exec "$n" sysctl -n net.ipv6.conf.default.accept_dad 2>&1)"
done
check "260-node star: status, no drift" "$NSTOPO" status -q --lab star260
check_eq "260-node star: still no procfs in the host's mount namespace" \
	"$procs_before" "$(procs)"
check "260-node star: destroy" "$NSTOPO" destroy -q --lab star260
finish
