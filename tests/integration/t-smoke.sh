# t-smoke.sh - the spec's example lab: up, checks, down, nothing left.
. "$TOP/tests/integration/lib.sh"
snapshot "$WORK/before"
check "apply spec example" "$NSTOPO" apply tests/integration/labs/spec-example.yaml
check "h1 pings router" ip netns exec h1 ping -c1 -W2 10.0.1.1
check "h1 pings h2 across router and bridge" ip netns exec h1 ping -c1 -W2 10.0.2.2
check "h1 pings router over IPv6" ip netns exec h1 ping -c1 -W2 fd00:1::1
check "destroy" "$NSTOPO" destroy tests/integration/labs/spec-example.yaml
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"
finish
