# t-shaping.sh - per-interface rate (a tbf root qdisc) and netem (a netem
# root, with the tbf under it when a rate is given too).  A rate shows in
# tc and slows a real TCP transfer to about that rate; without it the
# same transfer is much faster.  netem is probed in the sandbox first: a
# kernel that has it must delay pings as asked, one without it must fail
# the apply with a clear message and leave nothing.  Either way something
# is asserted.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# root_qdisc NETNS IFNAME: "KIND RATE" of the root qdisc (RATE in bytes/s,
# or - when it has none); a tbf under a netem root adds " / tbf RATE"
qdiscs() {
	ip netns exec "$1" tc -j qdisc show dev "$2" | python3 -c '
import json, sys
qs = json.load(sys.stdin)
root = [q for q in qs if q.get("root")]
if not root:
    print("none")
    sys.exit()
out = "%s %s" % (root[0]["kind"], root[0].get("options", {}).get("rate", "-"))
for q in qs:
    if q.get("kind") == "tbf" and q.get("parent", "").startswith(root[0]["handle"]):
        out += " / tbf %s" % q.get("options", {}).get("rate", "-")
print(out)'
}

# The transfer: BYTES over TCP from a to b; prints the seconds it took,
# from b's first byte received to the last.
cat > "$WORK/recv.py" <<'EOF'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001))
s.listen(1)
s.settimeout(20)
open(sys.argv[2], "w").close()          # listening
c, _ = s.accept()
c.settimeout(20)
n, t0 = 0, None
while True:
    d = c.recv(65536)
    if not d:
        break
    if t0 is None:
        t0 = time.monotonic()
    n += len(d)
print(n, "%.3f" % (time.monotonic() - t0))
EOF
cat > "$WORK/send.py" <<'EOF'
import socket, sys
c = socket.create_connection((sys.argv[1], 5001), timeout=20)
c.sendall(b"x" * int(sys.argv[2]))
c.shutdown(socket.SHUT_WR)
c.recv(1)                               # until b has it all and closes
EOF
BYTES=409600
# transfer: prints "BYTES SECONDS" as b received them
transfer() {
	rm -f "$WORK/listening"
	ip netns exec b python3 "$WORK/recv.py" 10.70.0.2 "$WORK/listening" \
		> "$WORK/recv.out" 2>&1 &
	rpid=$!
	i=0
	while [ ! -e "$WORK/listening" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	ip netns exec a python3 "$WORK/send.py" 10.70.0.2 "$BYTES" > /dev/null 2>&1
	wait "$rpid"
	cat "$WORK/recv.out"
}

# -- rate -----------------------------------------------------------------
lab=$WORK/rate.yaml
cat > "$lab" <<'EOF'
name: rate
nodes:
  a: {interfaces: {eth0: {addresses: [10.70.0.1/24], rate: 2mbit}}}
  b: {interfaces: {eth0: {addresses: [10.70.0.2/24], rate: 10mbit}}}
links:
  - [a:eth0, b:eth0]
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/rate.json"
check "rate: apply" "$NSTOPO" apply "$lab"
check "rate: kernel state matches the plan" verify.py "$WORK/rate.json"
check_eq "rate: a's eth0 has a root tbf at 2mbit (250000 bytes/s)" \
	"tbf 250000" "$(qdiscs a eth0)"
check_eq "rate: b's eth0 has a root tbf at 10mbit (1250000 bytes/s)" \
	"tbf 1250000" "$(qdiscs b eth0)"
out=$(transfer)
set -- $out
check_eq "rate: the transfer arrived whole" "$BYTES" "${1:-}"
# 400 KiB at 2 Mbit/s: 1.64 s of payload alone
ideal=$(awk -v b="$BYTES" 'BEGIN { printf "%.3f", b * 8 / 2e6 }')
echo "     400 KiB at 2mbit: ${2:-?} s (payload alone: $ideal s)"
check "rate: the transfer takes 0.6 to 1.6 times the ideal ($ideal s): ${2:-?} s" \
	awk -v t="${2:-0}" -v i="$ideal" 'BEGIN { exit !(t >= 0.6 * i && t <= 1.6 * i) }'
status_out=$("$NSTOPO" status "$lab" 2>&1)
check_eq "rate: status exits 0" 0 $?
check_match "rate: status: as planned" '0 missing, 0 different, 0 extra' "$status_out"
check "rate: destroy" "$NSTOPO" destroy "$lab"
check_clean "rate: nothing left"

sed 's/, rate: [0-9a-z]*}/}/' "$lab" > "$WORK/norate.yaml"
check "no rate: apply" "$NSTOPO" apply "$WORK/norate.yaml"
check_eq "no rate: a's eth0 has no tbf" noqueue "$(qdiscs a eth0 | cut -d' ' -f1)"
out=$(transfer)
set -- $out
check_eq "no rate: the transfer arrived whole" "$BYTES" "${1:-}"
echo "     400 KiB without a rate: ${2:-?} s"
check "no rate: the transfer is much faster (under 0.25 x $ideal s): ${2:-?} s" \
	awk -v t="${2:-99}" -v i="$ideal" 'BEGIN { exit !(t < 0.25 * i) }'
check "no rate: destroy" "$NSTOPO" destroy "$WORK/norate.yaml"
check_clean "no rate: nothing left"

# -- netem, as this kernel allows -----------------------------------------
ip link add probe-n type veth peer probe-m
if tc qdisc add dev probe-n root netem delay 1ms > /dev/null 2>&1; then
	has_netem=yes
else
	has_netem=
fi
ip link del probe-n
host_objects | sort > "$WORK/labkit.base"

# a and b both delay by 50 ms (b with a rate under its netem); c delays,
# d does not; e has every netem setting
lab=$WORK/netem.yaml
cat > "$lab" <<'EOF'
name: netem
nodes:
  a: {interfaces: {eth0: {addresses: [10.71.0.1/24], netem: {delay: 50ms}}}}
  b:
    interfaces:
      eth0: {addresses: [10.71.0.2/24], netem: {delay: 50ms}, rate: 10mbit}
  c: {interfaces: {eth0: {addresses: [10.72.0.1/24], netem: {delay: 50ms}}}}
  d: {interfaces: {eth0: {addresses: [10.72.0.2/24]}}}
  e:
    interfaces:
      eth0:
        netem: {delay: 10ms, jitter: 1ms, loss: 1%, duplicate: 1%,
                reorder: 5%, corrupt: 0.5%}
  f: {}
links:
  - [a:eth0, b:eth0]
  - [c:eth0, d:eth0]
  - [e:eth0, f:eth0]
EOF
"$NSTOPO" plan --json "$lab" > "$WORK/netem.json"
# min_rtt FROM TO: the smallest of 5 ping round trips, in ms
min_rtt() {
	ip netns exec "$1" ping -c5 -i0.2 -q "$2" |
		sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p'
}
if [ -n "$has_netem" ]; then
	echo "     this kernel has netem: the lab must come up and delay"
	check "netem: apply" "$NSTOPO" apply "$lab"
	check "netem: kernel state matches the plan" verify.py "$WORK/netem.json"
	check_match "netem: a's eth0 has a root netem" '^netem ' "$(qdiscs a eth0)"
	check_match "netem: b's eth0 has a root netem with a tbf at 10mbit under it" \
		'^netem .* / tbf 1250000$' "$(qdiscs b eth0)"
	check_match "netem: e's eth0 (every setting) has a root netem" '^netem ' \
		"$(qdiscs e eth0)"
	rtt=$(min_rtt a 10.71.0.2)
	echo "     delay on both ends: rtt ${rtt:-?} ms"
	check "netem: 50 ms each way: the round trip is >= 95 ms (${rtt:-?} ms)" \
		awk -v r="${rtt:-0}" 'BEGIN { exit !(r >= 95) }'
	rtt=$(min_rtt c 10.72.0.2)
	echo "     delay on one end: rtt ${rtt:-?} ms"
	check "netem: 50 ms one way: the round trip is >= 48 ms (${rtt:-?} ms)" \
		awk -v r="${rtt:-0}" 'BEGIN { exit !(r >= 48 && r < 95) }'
	check "netem: destroy" "$NSTOPO" destroy "$lab"
else
	echo "     this kernel has no netem: the apply must fail cleanly"
	out=$("$NSTOPO" apply "$lab" 2>&1)
	check_eq "netem: apply exits 1" 1 $?
	check_match "netem: the message says the kernel lacks netem" \
		"this kernel has no 'netem' qdisc" "$out"
	check_match "netem: the message names the step" \
		"step [0-9]+ of [0-9]+ failed: qdisc add dev eth0 root netem" "$out"
	check_match "netem: rolled back" "rolled back" "$out"
	check_fail "netem: no lab state is left" test -e /run/nstopo/netem
fi
check "netem: nothing of the lab is left" verify.py --gone "$WORK/netem.json"
check_clean "netem: nothing left"
finish
