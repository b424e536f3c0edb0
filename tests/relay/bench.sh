#!/bin/sh
# bench.sh RELAY_DRIVE - throughput and latency through a forward against
# the direct paths, in a sandbox of its own:
#   scripts/sandbox.sh sh tests/relay/bench.sh build/rel/tests/relay_drive
# A "web" node on a veth from the host runs iperf3, sockperf and an echo
# service; the relay listens on [::1] in the host and connects from web's
# namespace to fd00::80.  Paths measured from a client in the host:
#   veth     host -> veth -> fd00::80 (no relay)
#   forward  host -> [::1]:PORT -> relay -> (socket in web) -> fd00::80
# and, for reference, a client inside web to fd00::80 (web's loopback,
# what the relay's second leg is).  Needs iperf3 and sockperf.
# BENCH_SECONDS (5) per run, BENCH_ROUNDS (3) rounds; median (min-max).
set -u
RD=${1:?usage: bench.sh RELAY_DRIVE}
SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
[ "${NSTOPO_IN_SANDBOX:-}" = 1 ] || { echo "bench.sh: run it in scripts/sandbox.sh" >&2; exit 2; }
"$(dirname "$0")/../../scripts/install-deps.sh" relay-bench || exit 1
W=$(mktemp -d /run/relay-bench.XXXXXX)
PIDS=""
RELAY=""
cleanup() {
	[ -n "$RELAY" ] && "$RD" stop $RELAY 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
	ip netns del web 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP PIPE
bg_web() { ip netns exec web "$@" > /dev/null 2>&1 & PIDS="$PIDS $!"; }

ip netns add web
ip link add veth-web type veth peer eth0 netns web
ip addr add fd00::1/64 dev veth-web nodad
ip addr add 10.0.0.1/24 dev veth-web
ip link set veth-web up
ip -n web link set lo up
ip -n web addr add fd00::80/64 dev eth0 nodad
ip -n web addr add 10.0.0.80/24 dev eth0
ip -n web link set eth0 up
bg_web iperf3 -s -B fd00::80 -p 5201
bg_web sockperf server --tcp -i 10.0.0.80 -p 11111	# 3.7: IPv4 only
bg_web sockperf server -i 10.0.0.80 -p 11112
bg_web "$RD" echod fd00::80 7
sleep 1

start_relay() {
	[ -n "$RELAY" ] && "$RD" stop $RELAY
	RELAY=$("$RD" start -l "$W/relay.log" "$@" \
		'tcp,[::1]:8201,web:[fd00::80]:5201' \
		'tcp,127.0.0.1:8111,web:10.0.0.80:11111' \
		'udp,127.0.0.1:8112,web:10.0.0.80:11112' \
		'tcp,[::1]:8007,web:[fd00::80]:7') || exit 1
}

# gbps [IPERF3_ARGS...]: one iperf3 run's received Gbit/s
gbps() {
	iperf3 -t "$SECS" -J "$@" 2>/dev/null | python3 -c 'import json,sys
try:
    print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("nan")'
}
# sp ADDR PORT [--tcp]: one sockperf ping-pong of 64 B messages, its
# median in us (sockperf's latency is half the round trip)
sp() {
	sockperf ping-pong -i "$1" -p "$2" ${3:-} -t "$SECS" -m 64 2>&1 |
		sed -n 's/.*percentile 50.000 = *//p'
}
# field KEY TEXT: the number after KEY= in relay_drive's output
field() { printf '%s\n' "$2" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
# stat NAME: "median (min-max)" of the numbers in $W/NAME
stat() {
	sort -n "$W/$1" | awk '{ v[NR] = $1 } END {
		if (!NR) { print "-"; exit }
		printf "%s (%s-%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
add() { echo "$2" >> "$W/$1"; }
best() { sort -n "$W/$1" | tail -1; }

# cpu_ms PID: the user + system CPU time of PID so far, in ms
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' "/proc/$1/stat"
}
# cpu_4g NAME ADDR PORT [IPERF3_ARGS]: an iperf3 run of 4 GB; add to
# NAME-client and NAME-server their CPU ms per GB (iperf3's own
# cpu_utilization_percent over the run's duration)
cpu_4g() {
	name=$1; shift
	iperf3 -c "$1" -p "$2" -n 4G -J ${3:-} 2>/dev/null | python3 -c 'import json,sys
e = json.load(sys.stdin)["end"]
t = e["sum_received"]["seconds"]
c = e["cpu_utilization_percent"]
print(int(c["host_total"] / 100 * t * 1000 / 4.295), int(c["remote_total"] / 100 * t * 1000 / 4.295))' > "$W/cpu.tmp"
	read cl sv < "$W/cpu.tmp"
	add "$name-client" "$cl"
	add "$name-server" "$sv"
}
# relay_cpu NAME PIPE_BYTES [IPERF3_ARGS]: the same through the forward,
# and the relay's CPU ms per GB (/proc/PID/stat) in NAME-relay
relay_cpu() {
	name=$1 pipe=$2; shift 2
	start_relay -p "$pipe"
	c0=$(cpu_ms ${RELAY% *})
	cpu_4g "$name" ::1 8201 "$@"
	c1=$(cpu_ms ${RELAY% *})
	add "$name-relay" $(( (c1 - c0) * 1000 / 4295 ))
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
r=1
while [ $r -le "$ROUNDS" ]; do
	# The order rotates, so that a burst of load elsewhere on the
	# machine does not always fall on the same path.
	for what in fwd64k fwd1m veth; do
		case $what in
		fwd64k) start_relay -p 65536; a=::1 p=8201 ;;
		fwd1m) start_relay -p 1048576; a=::1 p=8201 ;;
		veth) a=fd00::80 p=5201 ;;
		esac
		add "$what" "$(gbps -c $a -p $p)"
		add "$what-R" "$(gbps -c $a -p $p -R)"
		add "$what-P4" "$(gbps -c $a -p $p -P 4)"
	done
	add inweb "$(ip netns exec web sh -c "$(command -v iperf3) -c fd00::80 -p 5201 -t $SECS -J" |
		python3 -c 'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))')"
	relay_cpu cpu64k 65536
	relay_cpu cpu1m 1048576
	cpu_4g cpuveth fd00::80 5201
	start_relay
	add sp-tcp-fwd "$(sp 127.0.0.1 8111 --tcp)"
	add sp-tcp-veth "$(sp 10.0.0.80 11111 --tcp)"
	add sp-udp-fwd "$(sp 127.0.0.1 8112)"
	add sp-udp-veth "$(sp 10.0.0.80 11112)"
	o=$("$RD" rr ::1 8007 20000); add rr-fwd "$(field median "$o")"; add rr-fwd-p99 "$(field p99 "$o")"
	o=$("$RD" rr fd00::80 7 20000); add rr-veth "$(field median "$o")"; add rr-veth-p99 "$(field p99 "$o")"
	o=$("$RD" connrate ::1 8007 3000); add cr-fwd "$(field median "$o")"; add crr-fwd "$(field rate "$o")"
	o=$("$RD" connrate fd00::80 7 3000); add cr-veth "$(field median "$o")"; add crr-veth "$(field rate "$o")"
	r=$((r + 1))
done

echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), kernel $(uname -r), $(nproc) cores," \
	"load $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end;" \
	"$ROUNDS rounds of ${SECS} s runs: median (min-max)"
echo
echo "| TCP throughput, Gbit/s | forward, 64 KiB pipes | forward, 1 MiB pipes | veth (direct) |"
echo "|---|---:|---:|---:|"
echo "| iperf3, 1 stream | $(stat fwd64k) | $(stat fwd1m) | $(stat veth) |"
echo "| iperf3 -R (server sends) | $(stat fwd64k-R) | $(stat fwd1m-R) | $(stat veth-R) |"
echo "| iperf3 -P 4 | $(stat fwd64k-P4) | $(stat fwd1m-P4) | $(stat veth-P4) |"
echo "| best of the rounds, 1 stream | $(best fwd64k) | $(best fwd1m) | $(best veth) |"
echo
echo "| CPU ms per GB (iperf3 -n 4G) | forward, 64 KiB pipes | forward, 1 MiB pipes | veth (direct) |"
echo "|---|---:|---:|---:|"
echo "| iperf3 client (sender) | $(stat cpu64k-client) | $(stat cpu1m-client) | $(stat cpuveth-client) |"
echo "| relay | $(stat cpu64k-relay) | $(stat cpu1m-relay) | - |"
echo "| iperf3 server (receiver) | $(stat cpu64k-server) | $(stat cpu1m-server) | $(stat cpuveth-server) |"
echo
echo "iperf3 inside web to its own fd00::80 (the relay's second leg alone): $(stat inweb) Gbit/s"
echo
echo "| Latency, us | forward | veth (direct) |"
echo "|---|---:|---:|"
echo "| sockperf ping-pong TCP, 64 B, one way (half RTT), median | $(stat sp-tcp-fwd) | $(stat sp-tcp-veth) |"
echo "| sockperf ping-pong UDP, 64 B, one way (half RTT), median | $(stat sp-udp-fwd) | $(stat sp-udp-veth) |"
echo "| relay_drive rr, 1 B round trip, median | $(stat rr-fwd) | $(stat rr-veth) |"
echo "| relay_drive rr, 1 B round trip, p99 | $(stat rr-fwd-p99) | $(stat rr-veth-p99) |"
echo "| relay_drive connrate: connect, 1 B echo, close, median | $(stat cr-fwd) | $(stat cr-veth) |"
echo "| connections per second, one at a time | $(stat crr-fwd) | $(stat crr-veth) |"
echo
echo "relay log: $(grep -c ' accepted ' "$W/relay.log") connections accepted, $(grep -c ' closed' "$W/relay.log") closed"
