# t-forwards.sh - `forwards:` end to end: services in node web reached
# through forwards from the host and from other nodes (client has no link
# at all), TCP and UDP, IPv4 and IPv6 (socat, iperf3); client resets do
# not hurt the relay; status reports it (and a relay killed by hand);
# an edit of the forwards restarts it; destroy stops it, also after
# kill -9 of nstopo during or after apply, and without a journal.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

for prog in socat iperf3; do
	if ! command -v $prog > /dev/null 2>&1; then
		bad "$prog is installed (scripts/install-deps.sh test)"
		finish
		exit 1
	fi
done

lab=$WORK/fwd.yaml
cat > "$lab" <<'EOF'
name: fwd
namespace-prefix: fwd-
nodes:
  web:
    interfaces:
      eth0: {addresses: [10.0.0.80/24, "fd00::80/64"]}
    forwards:                 # into web: `to` may leave the node out
      - {listen: "127.0.0.1:8080", to: "10.0.0.80:80"}
      - {listen: "[::1]:8080", to: "[fd00::80]:80"}
  edge:
    interfaces:
      eth0: {addresses: [10.0.0.1/24, "fd00::1/64"]}
  client: {}                  # no link: web only through the relay
links:
  - [web:eth0, edge:eth0]
forwards:
  - {listen: "127.0.0.1:8053", to: "web:10.0.0.80:53", proto: udp}
  - {listen: "[::1]:8053", to: "web:[fd00::80]:53", proto: udp}
  - {listen: "client:127.0.0.1:9080", to: "web:[fd00::80]:80"}
  - {listen: "client:[::1]:9080", to: "web:10.0.0.80:80"}
  - {listen: "client:0.0.0.0:9053", to: "web:10.0.0.80:53", proto: udp}
  - {listen: "client:[::1]:9053", to: "web:[fd00::80]:53", proto: udp}
  - {listen: "edge:[::]:9080", to: "web:[fd00::80]:80"}
  - {listen: "[::1]:5201", to: "web:[fd00::80]:5201"}
  - {listen: "[::1]:5201", to: "web:[fd00::80]:5201", proto: udp}
EOF
LOG=/run/nstopo/fwd/relay.log
SVC=""

# relays: the live relays (not zombies) that log to the lab's log
relays() {
	for p in $(pgrep -x nstopo-relay); do
		s=$(sed 's/.*) \(.\).*/\1/' "/proc/$p/stat" 2>/dev/null)
		[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ] || continue
		[ "$(readlink "/proc/$p/fd/1" 2>/dev/null)" = "$LOG" ] && echo "$p"
	done
	return 0
}
# gone PID: no such process, or only its zombie (an init that does not
# reap orphans keeps those)
gone() {
	s=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -z "$s" ] || [ "$s" = Z ] || [ "$s" = X ]
}
# wait_relay: until one relay of the lab runs (10 s); its pid
wait_relay() {
	i=0
	while [ -z "$(relays)" ] && [ $i -lt 200 ]; do
		sleep 0.05; i=$((i + 1))
	done
	relays
}
cleanup() {
	for p in $SVC; do kill "$p" 2>/dev/null; done
	"$NSTOPO" destroy -q --kill --lab fwd > /dev/null 2>&1
	for p in $(relays); do kill -9 "$p"; done
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP PIPE
# svc NODE CMD...: a service in NODE's namespace, in the background
svc() {
	n=$1; shift
	ip netns exec "fwd-$n" "$@" > "$WORK/svc.log" 2>&1 &
	SVC="$SVC $!"
}
# services: web's, on every address: a line service (TCP 80, answers
# "web: LINE"), a datagram one (UDP 53, the same), iperf3
services() {
	svc web socat TCP6-LISTEN:80,fork,reuseaddr,ipv6only=0 \
		SYSTEM:'read l; echo "web: $l"'
	svc web socat UDP6-RECVFROM:53,fork,reuseaddr,ipv6only=0 \
		SYSTEM:'read l; echo "web: $l"'
	svc web iperf3 -s -B fd00::80 -p 5201
	i=0
	while ! ip netns exec fwd-web ss -Htln | grep -q ':5201 ' ||
		! ip netns exec fwd-web ss -Htln | grep -q ':80 ' ||
		! ip netns exec fwd-web ss -Hunl | grep -q ':53 '; do
		[ $i -lt 100 ] || break
		sleep 0.05; i=$((i + 1))
	done
}
stop_services() {
	for p in $SVC; do kill "$p" 2>/dev/null; done
	for p in $SVC; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
	SVC=""
}
# on NODE CMD...: CMD in a node of the lab, or here for "host"
on() {
	n=$1; shift
	if [ "$n" = host ]; then "$@"; else ip netns exec "fwd-$n" "$@"; fi
}
# ask NODE PROTO ADDR PORT LINE: send LINE through a forward, print the
# answer
ask() {
	a=$3
	case $a in *:*) a="[$a]" ;; esac
	case $2 in
	tcp) on "$1" sh -c "echo '$5' | socat -t 2 -T 5 - 'TCP:$a:$4'" ;;
	udp) on "$1" sh -c "echo '$5' | socat -t 2 -T 5 - 'UDP:$a:$4'" ;;
	esac 2>&1
}
# iperf NODE ARGS...: iperf3 through a forward; "OK BITS" or what failed
iperf() {
	n=$1; shift
	on "$n" iperf3 -J -t 2 "$@" > "$WORK/iperf.json" 2>&1
	python3 - "$WORK/iperf.json" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    print("no JSON:", open(sys.argv[1]).read()[:300]); sys.exit(0)
if "error" in d:
    print("error:", d["error"]); sys.exit(0)
end = d["end"]
s = end.get("sum_received") or end.get("sum")
print("OK", int(s["bits_per_second"]), s.get("lost_percent", 0))
PY
}

snapshot "$WORK/before"

# The plan shows the relay, last, in text and JSON.
plan=$("$NSTOPO" plan "$lab")
check_match "plan: relay start, the last step" \
	'^\+ relay start tcp 127\.0\.0\.1:8080 -> web:10\.0\.0\.80:80, tcp \[::1\]:8080 -> web:\[fd00::80\]:80, udp 127\.0\.0\.1:8053 -> web:10\.0\.0\.80:53, .* @host$' \
	"$(printf '%s\n' "$plan" | tail -n 1)"
check_match "plan --json: the op with its forwards and namespaces" \
	'"op":"relay.start","netns":"host","forwards":\[\{"proto":"tcp","listen":"127.0.0.1:8080","to":"web:10.0.0.80:80","listen_netns":"host","to_netns":"fwd-web"\}' \
	"$("$NSTOPO" plan --json "$lab")"
check_match "plan --destroy: relay stop first" '^- relay stop tcp ' \
	"$("$NSTOPO" plan --destroy "$lab" | head -n 1)"

check "apply" "$NSTOPO" apply "$lab"
rp=$(relays)
check_match "one relay runs" '^[0-9]+$' "$rp"
check_eq "it runs in the host's namespace" "$(readlink /proc/self/ns/net)" \
	"$(readlink "/proc/$rp/ns/net" 2>/dev/null)"
check_eq "its pid and start time are journaled (with the op, once it ran)" \
	"pid=$rp pstart=$(awk '{print $22}' "/proc/$rp/stat")" \
	"$(grep -o 'k=relay.start .*' /run/nstopo/fwd/journal | tail -n 1 | grep -o 'pid=.*')"
check_match "it listens in the host" '127\.0\.0\.1:8080 ' "$(ss -Htlnp)"
check_match "... for IPv6 UDP too" '\[::1\]:8053 .*nstopo-relay' "$(ss -Hulnp)"
check_match "it listens in client" '127\.0\.0\.1:9080 .*nstopo-relay' \
	"$(on client ss -Htlnp)"
check_match "it listens in edge" '\[::\]:9080 .*nstopo-relay' \
	"$(on edge ss -Htlnp)"
check_eq "nothing of it listens in web" "" \
	"$(on web ss -Htulnp | grep nstopo-relay)"
check_match "it logs to the lab's state directory" \
	'tcp 127\.0\.0\.1:8080 -> web:10\.0\.0\.80:80 listening' "$(cat "$LOG")"

services
# From the host, TCP and UDP, both families.
check_eq "tcp from the host, IPv4 -> IPv4" "web: h4" \
	"$(ask host tcp 127.0.0.1 8080 h4)"
check_eq "tcp from the host, IPv6 -> IPv6" "web: h6" \
	"$(ask host tcp ::1 8080 h6)"
check_eq "udp from the host, IPv4" "web: u4" \
	"$(ask host udp 127.0.0.1 8053 u4)"
check_eq "udp from the host, IPv6" "web: u6" \
	"$(ask host udp ::1 8053 u6)"
# From client, which has no link: only the relay reaches web.
check_fail "client cannot reach web itself" \
	on client socat -T 2 /dev/null TCP:10.0.0.80:80,connect-timeout=2
check_eq "tcp from client, IPv4 listener -> IPv6 target" "web: c4" \
	"$(ask client tcp 127.0.0.1 9080 c4)"
check_eq "tcp from client, IPv6 listener -> IPv4 target" "web: c6" \
	"$(ask client tcp ::1 9080 c6)"
check_eq "udp from client, IPv4 (0.0.0.0 listener)" "web: cu4" \
	"$(ask client udp 127.0.0.1 9053 cu4)"
check_eq "udp from client, IPv6" "web: cu6" \
	"$(ask client udp ::1 9053 cu6)"
check_eq "tcp from edge, on its own address (a [::] listener)" "web: e6" \
	"$(ask edge tcp fd00::1 9080 e6)"

# iperf3 through the forward: TCP, and UDP (its control connection goes
# through the TCP forward of the same port).
out=$(iperf host -c ::1 -p 5201)
check_match "iperf3 TCP through [::1]:5201 (bit/s: $out)" '^OK [0-9]+' "$out"
out=$(iperf host -c ::1 -p 5201 -u -b 50M)
check_match "iperf3 UDP through [::1]:5201 (bit/s, loss %: $out)" \
	'^OK [0-9]+' "$out"

# Client resets: socat connects and is killed while it sends (RST, with
# linger 0), or connects and leaves at once; UDP clients vanish.
for i in 1 2 3 4 5 6 7 8 9 10; do
	socat -u /dev/zero TCP:127.0.0.1:8080,linger=0 2>/dev/null &
	k=$!
	socat -u /dev/zero TCP6:[::1]:8080,linger=0 2>/dev/null &
	k6=$!
	on client socat -u /dev/null TCP:127.0.0.1:9080,linger=0 2>/dev/null
	socat -u /dev/zero UDP:127.0.0.1:8053 2>/dev/null &
	ku=$!
	sleep 0.1
	kill -9 $k $k6 $ku 2>/dev/null
	wait $k $k6 $ku 2>/dev/null
done
check_eq "after 40 client resets the relay still runs" "$rp" "$(relays)"
check_eq "... and serves" "web: again" "$(ask host tcp 127.0.0.1 8080 again)"
check_eq "... udp too" "web: again" "$(ask host udp ::1 8053 again)"
check_match "the resets are in its log" \
	'#[0-9]+ closed.*(reset|Connection reset)' "$(cat "$LOG")"

# Status: the relay, and each forward listening.
st=$("$NSTOPO" status -v)
check_match "status: the relay runs" "relay pid $rp +ok" "$st"
check_match "status: a host forward listens" \
	'host +forward tcp 127\.0\.0\.1:8080 -> web:10\.0\.0\.80:80 +ok' "$st"
check_match "status: a node forward listens, as the node's" \
	'client +forward udp client:\[::1\]:9053 -> web:\[fd00::80\]:53 +ok' "$st"
check_match "status: as planned" 'as planned' "$st"
check "apply again: nothing to do" "$NSTOPO" apply -q "$lab"
check_eq "... the same relay" "$rp" "$(relays)"

# A relay killed by hand is reported, and apply starts it again.
kill -9 "$rp"
i=0; while ! gone "$rp" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
st=$("$NSTOPO" status)
check_eq "status after the relay is killed: exit 3 (drift)" 3 $?
check_match "status: relay missing, not running" \
	"relay pid $rp +missing +not running" "$st"
check_match "status: its forwards missing" \
	'forward tcp \[::1\]:8080 -> web:\[fd00::80\]:80 +missing +the relay is not running' "$st"
check "apply repairs it" "$NSTOPO" apply -q "$lab"
rp2=$(relays)
check_match "a new relay runs" '^[0-9]+$' "$rp2"
check "... another process" test "$rp2" != "$rp"
check_eq "... and serves" "web: back" "$(ask client tcp ::1 9080 back)"
check "status: as planned again" "$NSTOPO" status -q

# An edit of the forwards restarts the relay: the old one stops, the new
# one listens where the file now says.
sed -e 's/127.0.0.1:8080", to: "10.0.0.80:80/127.0.0.1:8081", to: "10.0.0.80:80/' \
	"$lab" > "$WORK/fwd2.yaml"
cp "$lab" "$WORK/fwd1.yaml"
cp "$WORK/fwd2.yaml" "$lab"
check_match "plan of the edit: the relay stops and starts" \
	"^- relay stop pid $rp2 .*
\+ relay start .*127\.0\.0\.1:8081" "$("$NSTOPO" plan "$lab")"
check "apply the edit" "$NSTOPO" apply -q "$lab"
rp3=$(relays)
check_match "one relay runs" '^[0-9]+$' "$rp3"
check "the old relay is gone" gone "$rp2"
check_eq "the new port serves" "web: 8081" \
	"$(ask host tcp 127.0.0.1 8081 8081)"
check_fail "the old port is closed" socat -T 2 /dev/null TCP:127.0.0.1:8080
check "status: as planned" "$NSTOPO" status -q
# No forwards left: no relay.
sed -e '/^    forwards:/,/^  edge:/{/^  edge:/!d}' -e '/^forwards:/,$d' \
	"$WORK/fwd1.yaml" > "$lab"
check "apply without forwards" "$NSTOPO" apply -q "$lab"
check "the relay is stopped" gone "$rp3"
check_eq "no relay runs" "" "$(relays)"
check "status: as planned" "$NSTOPO" status -q
cp "$WORK/fwd1.yaml" "$lab"
check "apply with the forwards again" "$NSTOPO" apply -q "$lab"
rp4=$(relays)
check_match "a relay runs" '^[0-9]+$' "$rp4"
check_eq "... and serves" "web: 4" "$(ask host tcp ::1 8080 4)"

check_fail "no sanitizer report in the relay's log" \
	grep -Eq 'Sanitizer|runtime error' "$LOG"

# destroy stops it.
stop_services
check "destroy" "$NSTOPO" destroy --lab fwd
check "the relay is gone" gone "$rp4"
check_eq "no relay is left" "" "$(relays)"
check_clean "nothing of the lab is left"

# kill -9 of nstopo after apply (nstopo run, killed while its command
# runs): the lab stays up, with its relay; destroy stops it.
"$NSTOPO" run "$lab" -- sleep 60 > "$WORK/run.out" 2>&1 &
runpid=$!
rp=$(wait_relay)
check_match "nstopo run: the relay runs" '^[0-9]+$' "$rp"
kill -9 $runpid
wait $runpid 2>/dev/null
check_eq "nstopo run is killed; the relay still runs" "$rp" "$(relays)"
check "destroy after the kill" "$NSTOPO" destroy -q --kill --lab fwd
check "the relay is gone" gone "$rp"
check_eq "no relay is left" "" "$(relays)"
check_clean "nothing of the lab is left"

# kill -9 during apply, the relay started: apply --wait waits for an
# address from router advertisements that never come.
sed -e 's/eth0: {addresses: \[10.0.0.1\/24, "fd00::1\/64"\]}/eth0: {addresses: [10.0.0.1\/24, "fd00::1\/64"], accept-ra: true, autoconf: true}/' \
	"$WORK/fwd1.yaml" > "$WORK/fwd-ra.yaml"
"$NSTOPO" apply --wait=30 "$WORK/fwd-ra.yaml" > "$WORK/apply.out" 2>&1 &
apid=$!
rp=$(wait_relay)
check_match "apply --wait: the relay runs while apply waits" '^[0-9]+$' "$rp"
sleep 0.3
check "apply is still waiting" kill -0 $apid
kill -9 $apid
wait $apid 2>/dev/null
check_eq "apply is killed; the relay still runs" "$rp" "$(relays)"
check "destroy after the kill" "$NSTOPO" destroy -q --lab fwd
check "the relay is gone" gone "$rp"
check_clean "nothing of the lab is left"

# kill -9 during apply, before the relay: nothing of it starts later.
sed -e 's/^  client: {}.*/  client: {exec: ["sleep 5"]}/' "$WORK/fwd1.yaml" \
	> "$WORK/fwd-slow.yaml"
"$NSTOPO" apply "$WORK/fwd-slow.yaml" > "$WORK/apply.out" 2>&1 &
apid=$!
i=0; while ! pgrep -f 'sleep 5' > /dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kill -9 $apid
wait $apid 2>/dev/null
check_eq "apply killed in its exec step: no relay" "" "$(relays)"
check "destroy after the kill" "$NSTOPO" destroy -q --kill --lab fwd
check_clean "nothing of the lab is left"

# A relay whose journal is gone: destroy finds it by its log.
check "apply" "$NSTOPO" apply -q "$lab"
rp=$(relays)
rm /run/nstopo/fwd/journal
out=$("$NSTOPO" destroy --lab fwd 2>&1)
check_eq "destroy without a journal" 0 $?
check "the relay is gone" gone "$rp"
check_eq "no relay is left" "" "$(relays)"
check_clean "nothing of the lab is left"

snapshot "$WORK/after"
check "the sandbox's host is as before" diff -u "$WORK/before" "$WORK/after"
finish
