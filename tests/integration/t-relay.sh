# t-relay.sh - forwarded ports without NAT (src/relay*.c, driven by
# build/*/tests/relay_drive until `forwards:` is in the file format).
# A "web" node (fd00::80, 10.0.0.80) runs services; a "client" node has
# no link at all.  One relay listens in the host and in the client node
# and relays to web: TCP over IPv4 and IPv6 (and across families), UDP,
# half-closes both ways, 100 MB byte-exact both ways, 200 connections at
# once, backpressure, client resets and kill -9 of clients, failed and
# timed-out target connects, a connection cap; it stops on SIGTERM
# leaving nothing, and a relay whose parent was killed -9 is still found
# by pid + start time (and by its log) and stopped.
. "$TOP/tests/integration/lib.sh"

RD=$(dirname "$NSTOPO")/tests/relay_drive	# build/san/tests/relay_drive
[ -x "$RD" ] || RD=$TOP/build/rel/tests/relay_drive
KIT=$TOP/tests/relay/netkit.py
if [ ! -x "$RD" ]; then
	bad "relay_drive is built ($RD: make test-bins)"
	finish
	exit 1
fi
# python3 through a version manager's shim costs a start each: resolve it.
PY=$(python3 -c 'import sys; print(sys.executable)')
kit() { "$PY" "$KIT" "$@"; }
inweb() { ip netns exec web "$@"; }
inclient() { ip netns exec client "$@"; }

snapshot "$WORK/before"
[ -d /run/netns ] && had_netns_dir=1 || had_netns_dir=0
SVC=""
RELAYS=""
cleanup() {
	for r in $RELAYS; do "$RD" stop ${r%:*} ${r#*:} 500 2>/dev/null; done
	for p in $SVC; do kill "$p" 2>/dev/null; done
	for p in $SVC; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done
	ip netns del web 2>/dev/null
	ip netns del client 2>/dev/null
	ip link del veth-web 2>/dev/null
	if [ $had_netns_dir = 0 ] && [ -d /run/netns ]; then
		umount /run/netns 2>/dev/null
		rmdir /run/netns
	fi
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP PIPE
# svc NODE CMD...: start a service in NODE in the background, remember
# its pid (ip netns exec execs it: the pid is the service's)
svc() {
	n=$1; shift
	ip netns exec "$n" "$@" > "$WORK/svc.log" 2>&1 &
	SVC="$SVC $!"
}

# The lab: web on a veth from the host (for the direct measurements),
# client with nothing but lo.
ip netns add web
ip netns add client
ip link add veth-web type veth peer eth0 netns web
ip addr add 10.0.0.1/24 dev veth-web
ip addr add fd00::1/64 dev veth-web nodad
ip link set veth-web up
inweb ip link set lo up
inweb ip addr add 10.0.0.80/24 dev eth0
inweb ip addr add fd00::80/64 dev eth0 nodad
inweb ip link set eth0 up
inclient ip link set lo up

head -c 100M /dev/urandom > "$WORK/big"
big_sha=$(sha256sum < "$WORK/big" | cut -d' ' -f1)
mkdir -p "$WORK/www" "$WORK/first"
echo "hello from web $$" > "$WORK/www/index.txt"

svc web "$PY" "$KIT" tcp-echo :: 7
svc web "$PY" "$KIT" udp-echo :: 7
svc web "$PY" "$KIT" tcp-sink :: 9
svc web "$PY" "$KIT" tcp-source :: 19 "$WORK/big"
svc web "$PY" "$KIT" tcp-first :: 21 "$WORK/first"
svc web "$PY" -m http.server --bind :: -d "$WORK/www" 80
for p in 7 9 19 21 80; do
	inweb "$PY" "$KIT" ready fd00::80 "$p" || bad "service on port $p is up"
done
inweb "$PY" "$KIT" ready 10.0.0.80 7 udp || bad "udp echo is up"

# start LOG ARGS...: start a relay; "PID START" in $rp
start() {
	log=$1; shift
	rp=$("$RD" start -l "$log" "$@")
	rc=$?
	[ -n "$rp" ] && RELAYS="$RELAYS ${rp% *}:${rp#* }"
	return $rc
}
# log_count LOG REGEX: lines of LOG that match
log_count() { grep -Ec -- "$2" "$1"; }
# wait_log LOG REGEX N: until LOG has N lines matching (5 s)
wait_log() {
	i=0
	while [ "$(log_count "$1" "$2")" -lt "$3" ] && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	[ "$(log_count "$1" "$2")" -ge "$3" ]
}
fds() { ls "/proc/$1/fd" | wc -l; }
# gone PID: no such process, or only its zombie (an init that does not
# reap orphans keeps those: nothing of the relay's runs or is held)
gone() {
	s=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -z "$s" ] || [ "$s" = Z ] || [ "$s" = X ]
}

L=$WORK/relay.log
exec 7> "$WORK/inherited"	# an fd the relay must not inherit
start "$L" -i 1500 -t 1000 \
	'tcp,[::1]:8080,web:[fd00::80]:80' \
	'tcp,127.0.0.1:8080,web:10.0.0.80:80' \
	'tcp,0.0.0.0:8007,web:[fd00::80]:7' \
	'tcp,[::1]:8007,web:10.0.0.80:7' \
	'udp,127.0.0.1:8007,web:10.0.0.80:7' \
	'udp,[::1]:8007,web:[fd00::80]:7' \
	'tcp,[::1]:8009,web:[fd00::80]:9' \
	'tcp,[::1]:8019,web:[fd00::80]:19' \
	'tcp,[::1]:8021,web:[fd00::80]:21' \
	'tcp,[::1]:8023,web:[fd00::80]:23' \
	'tcp,[::1]:8024,web:10.99.0.1:80' \
	'tcp,[::1]:8025,web:10.0.0.99:80' \
	'tcp,client:127.0.0.1:9007,web:[fd00::80]:7' \
	'udp,client:[::1]:9007,web:10.0.0.80:7'
check_eq "start a relay with 14 forwards" 0 $?
exec 7>&-
pid=${rp% *} st=${rp#* }
check "the relay is alive by pid and start time" "$RD" alive $pid $st
check_eq "its start time is /proc/PID/stat field 22" "$st" \
	"$(awk '{print $22}' /proc/$pid/stat)"
check_eq "it is named nstopo-relay" nstopo-relay "$(cat /proc/$pid/comm)"
check "it is in a session of its own" test \
	"$(ps -o sid= -p $pid)" != "$(ps -o sid= -p $$)"
check "it is no child of its starter" test "$(ps -o ppid= -p $pid | tr -d ' ')" != "$$"
check_eq "its stdin is /dev/null" /dev/null "$(readlink /proc/$pid/fd/0)"
check_eq "its stdout is the log" "$L" "$(readlink /proc/$pid/fd/1)"
check_fail "it did not inherit the starter's fds" \
	sh -c "ls -l /proc/$pid/fd | grep -q '$WORK/inherited'"
check_eq "it is in the host's namespace" "$(readlink /proc/self/ns/net)" \
	"$(readlink /proc/$pid/ns/net)"
check_match "listening in the host" '127.0.0.1:8080' "$(ss -Htln)"
check_match "listening in the client node" '127.0.0.1:9007' "$(inclient ss -Htln)"
check_eq "nothing listens in web but its services" \
	"$(inweb ss -Htlnu | grep -Ec ':(8080|8007|9007)\b')" 0
base_fds=$(fds $pid)

# HTTP, both families
want=$(cat "$WORK/www/index.txt")
check_eq "http over [::1]:8080 -> web:[fd00::80]:80" "$want" \
	"$(curl -s -m 10 'http://[::1]:8080/index.txt')"
check_eq "http over 127.0.0.1:8080 -> web:10.0.0.80:80" "$want" \
	"$(curl -s -m 10 'http://127.0.0.1:8080/index.txt')"
check "tcp echo 1 MB, IPv4 listener -> IPv6 target" kit echo 127.0.0.1 8007 1000000
check "tcp echo 1 MB, IPv6 listener -> IPv4 target" kit echo ::1 8007 1000000
check "tcp echo 1 MB, on the other IPv4 address (0.0.0.0 listener)" \
	kit echo 10.0.0.1 8007 1000000
check "udp echo, 200 datagrams of 100-1099 bytes, IPv4" kit udp 127.0.0.1 8007 200
check "udp echo, IPv6" kit udp ::1 8007 200
check "udp: two clients, each gets its own answers" kit udp-pair 127.0.0.1 8007 50

# From the client node, which has no link to web
check_fail "the client node cannot reach web itself" inclient "$PY" -c \
	"import socket; socket.create_connection(('fd00::80', 7), timeout=2)"
check "tcp from the client node through its own listener" \
	inclient "$PY" "$KIT" echo 127.0.0.1 9007 1000000
check "udp from the client node" inclient "$PY" "$KIT" udp ::1 9007 100

# Half-close, both ways
check "the client's EOF reaches web, web's answer still comes back (sink)" \
	kit sink ::1 8009 "$WORK/www/index.txt"
sha=$(kit first ::1 8021 300000)
wait_log "$L" '8021 .* closed: 300000 bytes to target, 6 to client' 1
check_eq "web's EOF reaches the client, which then still sends 300 kB" \
	"$sha" "$(cat "$WORK/first/first.sha256" 2>/dev/null)"

# 100 MB, both ways
check "100 MB up, byte-exact (sha256 computed by the service)" \
	kit sink ::1 8009 "$WORK/big"
check_eq "100 MB down, byte-exact" "$big_sha 104857600" "$(kit fetch ::1 8019)"
check_match "the log counts them" \
	"8009 .* closed: 104857600 bytes to target, 65 to client" "$(cat "$L")"

# Many at once
check "200 concurrent connections, 20 kB each way" kit many ::1 8007 200 20000
check "200 concurrent from the client node" \
	inclient "$PY" "$KIT" many 127.0.0.1 9007 200 20000

# Failed connects to the target close the client
check "a refused target closes the client" kit refused ::1 8023
check_match "logged: connect refused" \
	'8023 -> web:\[fd00::80\]:23 #[0-9]+ connect to web:\[fd00::80\]:23 failed: Connection refused' \
	"$(cat "$L")"
check "an unreachable target closes the client" kit refused ::1 8024
check_match "logged: network unreachable" \
	'connect to web:10.99.0.1:80 failed: Network is unreachable' "$(cat "$L")"

t0=$(date +%s%N)
check "a target that never answers closes the client" kit refused ::1 8025
t1=$(date +%s%N)
check "after the connect timeout (1 s), not the kernel's" \
	test $(( (t1 - t0) / 1000000 )) -lt 2500
check_match "logged: timed out" \
	'8025 .* #[0-9]+ connect to target timed out after 1000 ms' "$(cat "$L")"

# Backpressure: a client that does not read stalls the service, and
# the relay holds no more than its pipes
"$PY" "$KIT" stall ::1 8019 3 > "$WORK/stall" &
staller=$!
sleep 2
acked=$(inweb ss -tniH state established '( sport = :19 )' |
	sed -n 's/.*bytes_acked:\([0-9]*\).*/\1/p' | head -1)
check "a client that reads nothing for 2 s holds the 100 MB service back (${acked:-?} bytes sent)" \
	test "${acked:-0}" -gt 0 -a "${acked:-0}" -lt 60000000
rss=$(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)
check "the relay's memory stays small meanwhile (${rss} kB)" test "$rss" -lt 20000
wait $staller
check_eq "then it reads all 100 MB, byte-exact" "$big_sha 104857600" \
	"$(cat "$WORK/stall")"

# Resets and killed clients do not kill the relay
i=0
while [ $i -lt 20 ]; do kit reset ::1 8007; i=$((i + 1)); done
check "20 client resets (linger 0): still alive" "$RD" alive $pid $st
check_match "a reset is logged as such" \
	'#[0-9]+ closed, client: Connection reset by peer' "$(cat "$L")"
j=0 killed=0
while [ $j -lt 3 ]; do
	# A slow reader: data is in flight on both sides when it dies.
	"$PY" "$KIT" stall ::1 8019 30 > /dev/null 2>&1 &
	k=$!
	sleep 0.5
	kill -9 $k && killed=$((killed + 1))
	wait $k 2>/dev/null
	j=$((j + 1))
done
check_eq "3 clients killed -9 in the middle of 100 MB downloads" 3 $killed
check "still alive" "$RD" alive $pid $st
check "and still serving" kit echo ::1 8007 100000
accepted=$(log_count "$L" '#[0-9]+ accepted')
wait_log "$L" '#[0-9]+ closed' "$accepted"
check_eq "every accepted connection was closed" "$accepted" \
	"$(log_count "$L" '#[0-9]+ closed')"
flows=$(log_count "$L" 'flow #[0-9]+ from [^ ]+$')
check "udp: distinct clients made distinct flows (5)" test "$flows" -eq 5
wait_log "$L" 'flow #[0-9]+ from [^ ]+ ended \(idle\)' "$flows"
check_eq "every udp flow ended when idle (1.5 s)" "$flows" \
	"$(log_count "$L" 'flow #[0-9]+ from [^ ]+ ended \(idle\)')"
check_eq "no fd left over (as many as after start)" "$base_fds" "$(fds $pid)"
check_match "a close line has byte counts and a duration" \
	'closed: [0-9]+ bytes to target, [0-9]+ to client, [0-9.]+ s$' "$(cat "$L")"
check_match "log lines are timestamped" \
	'^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}[+-][0-9]{4} ' "$(tail -1 "$L")"

# Stop
check_fail "a port in use is refused at start" start "$WORK/dup.log" \
	'tcp,[::1]:8007,web:[fd00::80]:7'
check_match "with the reason" 'Address already in use' "$("$RD" start -l "$WORK/dup.log" 'tcp,[::1]:8007,web:[fd00::80]:7' 2>&1)"
check "stop (SIGTERM)" "$RD" stop $pid $st
check "gone" gone $pid
check_eq "nothing of it is open (fds)" 0 "$(ls /proc/$pid/fd 2>/dev/null | wc -l)"
check_match "the log says why it stopped" 'signal 15 \(Terminated\)' "$(cat "$L")"
check_match "and ends with stopped" '^.* stopped: ' "$(tail -1 "$L")"
check_eq "no listener left in the host" "" "$(ss -Htlnu | grep -E ':(8080|8007|8009|8019|8021|8023|8024)\b')"
check_eq "none in the client node" "" "$(inclient ss -Htlnu)"
"$RD" stop $pid $st 2>/dev/null
check_eq "stop again: not running (3)" 3 $?

# A cap on connections
C=$WORK/cap.log
start "$C" -c 5 'tcp,[::1]:8107,web:[fd00::80]:7'
check_eq "a relay capped at 5" 0 $?
cpid=${rp% *} cst=${rp#* }
i=0
while [ $i -lt 5 ]; do
	"$PY" -c "import socket,time; s=socket.create_connection(('::1',8107)); time.sleep(30)" &
	HOLD="${HOLD:-} $!"
	i=$((i + 1))
done
wait_log "$C" '#[0-9]+ accepted' 5
check "the 6th is refused" kit refused ::1 8107
check_match "logged clearly" \
	'connection cap \(5\) reached: refused \[::1\]:[0-9]+' "$(cat "$C")"
kill $HOLD; wait $HOLD 2>/dev/null
wait_log "$C" '#[0-9]+ closed' 5
check "below the cap again, served" kit echo ::1 8107 1000
check "stop it" "$RD" stop $cpid $cst

# The starter killed -9: the relay lives on, found by pid + start time
"$RD" start -w -l "$WORK/orphan.log" 'tcp,[::1]:8207,web:[fd00::80]:7' > "$WORK/orphan" &
starter=$!
i=0
while [ ! -s "$WORK/orphan" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
read opid ost < "$WORK/orphan"
RELAYS="$RELAYS $opid:$ost"
kill -9 $starter
wait $starter 2>/dev/null
check_fail "its starter is gone" kill -0 $starter
check "the relay is alive" "$RD" alive $opid $ost
check_eq "found by its log, as a destroy without its journal line would" \
	"$opid $ost" "$("$RD" find "$WORK/orphan.log")"
check "and serving" kit echo ::1 8207 10000
"$RD" stop $opid $((ost + 1)) 2>/dev/null
check_eq "stop with another start time: not that process (3)" 3 $?
check "so it still runs" "$RD" alive $opid $ost
check "stop with its start time" "$RD" stop $opid $ost
check_fail "no longer found by its log" "$RD" find "$WORK/orphan.log"
check "gone" gone $opid

check_eq "no sanitizer report in any relay log" "" \
	"$(grep -l 'Sanitizer' "$L" "$C" "$WORK/orphan.log" 2>/dev/null)"
cleanup
trap - EXIT INT TERM HUP PIPE
snapshot "$WORK/after"
check "the sandbox's host is as before" diff "$WORK/before" "$WORK/after"
finish
