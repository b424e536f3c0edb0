# t-isolated.sh - run --isolated, shell, and run without root: the lab is
# built in a sandbox of its own (mount, network, PID namespaces; a user
# namespace for an unprivileged caller) where CMD sees it as usual, and
# nothing of it is ever visible outside: not while it runs, not after it,
# not after a SIGKILL of nstopo at any moment.  Refusals of what needs the
# real host, and the message when user namespaces are turned off.
# This test runs in run.sh's sandbox, which stands for the machine here:
# its links, /run, mounts and the processes started from it.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

# The unprivileged user: nobody, with no groups.  It must read the files
# and run the binary.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
chmod 755 "$WORK"
case $NSTOPO in /*) ;; *) NSTOPO=$PWD/$NSTOPO ;; esac
bin=$NSTOPO
if ! $NOBODY test -x "$NSTOPO"; then
	cp "$NSTOPO" "$WORK/nstopo"
	chmod 755 "$WORK/nstopo"
	bin=$WORK/nstopo
fi
# What commands in the sandbox write (its /run is its own): world-writable.
OUT=$(mktemp -d /tmp/nstopo-isolated.XXXXXX)
chmod 1777 "$OUT"

lab=$WORK/iso.yaml
cat > "$lab" <<'EOF'
name: iso
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24, "fd00::1/64"]}
    exec:
      - "sleep 9974.5 >/dev/null 2>&1 &"
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24, "fd00::2/64"]}
  host:
    interfaces:
      br-iso: {addresses: [10.0.9.1/24]}
bridges:
  br-iso: {}
links:
  - [h1:eth0, h2:eth0]
  - [h2:eth1, br-iso]
EOF
chmod 644 "$lab"

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] &&
		! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}
# wait_file FILE: until FILE exists, <= 10 s
wait_file() {
	wf_i=0
	while [ ! -e "$1" ] && [ "$wf_i" -lt 100 ]; do
		sleep 0.1
		wf_i=$((wf_i + 1))
	done
	[ -e "$1" ]
}
# pidns_of PID: the inode of its PID namespace
pidns_of() {
	readlink "/proc/$1/ns/pid" 2>/dev/null | tr -dc 0-9
}
SELF_PIDNS=$(pidns_of $$)
# marked MARK: live processes whose command line holds MARK
marked() {
	for p in $(pgrep -f -- "$1"); do
		alive "$p" &&
			echo "$p $(tr '\0' ' ' 2>/dev/null < "/proc/$p/cmdline")"
	done
	return 0
}
# in_pidns INODE...: live processes in any of these PID namespaces
in_pidns() {
	for want in "$@"; do
		ls -l /proc/[0-9]*/ns/pid 2>/dev/null | grep -F "pid:[$want]" |
			sed -n 's|.* /proc/\([0-9]*\)/ns/pid .*|\1|p'
	done | while read -r p; do
		alive "$p" && echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
	done
	return 0
}
# gone DESC PIDNS MARK...: within 5 s, no process of the sandbox is left
# (the kernel kills them once init is gone; it reaps them a little later)
gone() {
	g_desc=$1 g_ns=$2
	shift 2
	g_i=0
	while [ "$g_i" -lt 50 ]; do
		g_left=$(for m in "$@"; do marked "$m"; done
			[ -n "$g_ns" ] && in_pidns $g_ns)
		[ -z "$g_left" ] && break
		sleep 0.1
		g_i=$((g_i + 1))
	done
	check_eq "$g_desc" "" "$g_left"
}
# sandbox_pidns MARK: the PID namespaces (other than ours) of the marked
sandbox_pidns() {
	for p in $(pgrep -f -- "$1"); do
		ns=$(pidns_of "$p")
		[ -n "$ns" ] && [ "$ns" != "$SELF_PIDNS" ] && echo "$ns"
	done | sort -u | tr '\n' ' '
}
# outside_clean DESC: the machine shows nothing of any lab
outside_clean() {
	check_eq "$1" "" "$(leftovers; ip -o link show br-iso 2>/dev/null)"
}

snapshot "$WORK/before"
mounts_before=$(awk '{print $4, $5, $9}' /proc/self/mountinfo | sort)

# --- As root: run --isolated FILE -- CMD --------------------------------
# CMD shows what it sees, then waits until the test has looked outside.
rm -f "$OUT"/*
"$NSTOPO" run --isolated "$lab" -- sh -c '
	echo "lab=$NSTOPO_LAB uid=$(id -u)"
	ip netns list | cut -d" " -f1 | sort | tr "\n" " "; echo
	ip netns exec h1 ping -c1 -W5 10.0.0.2 >/dev/null && echo "ping ok"
	ip -n h1 -br addr show eth0
	"$0" exec h2 -- ip -br -4 addr show eth0
	ip -br link show br-iso
	"$0" status -q; echo "status=$?"
	echo "pid1=$(cat /proc/1/comm) me=$$"
	echo "run=$(ls /run | tr "\n" " ")"
	readlink /proc/self/ns/net > "$1/netns"
	readlink /proc/self/ns/pid > "$1/pidns"
	touch "$1/up"
	i=0; while [ ! -e "$1/go" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	exit 3' "$NSTOPO" "$OUT" >"$WORK/out" 2>"$WORK/err" &
rp=$!
if wait_file "$OUT/up"; then
	outside_clean "root: while the lab is up, the machine shows none of it"
	check_eq "root: while the lab is up, no mount outside" \
		"$mounts_before" "$(awk '{print $4, $5, $9}' /proc/self/mountinfo | sort)"
	check_fail "root: the sandbox has a network namespace of its own" \
		test "$(cat "$OUT/netns")" = "$(readlink /proc/self/ns/net)"
else
	bad "root: the command did not start"
fi
touch "$OUT/go"
wait "$rp"
rc=$?
out=$(cat "$WORK/out")
check_eq "root: exit status is the command's (3)" 3 "$rc"
check_match "root: NSTOPO_LAB set, root" '^lab=iso uid=0$' "$out"
check_match "root: ip netns list shows the nodes" '^h1 h2 $' "$out"
check_match "root: a ping between nodes" '^ping ok$' "$out"
check_match "root: ip -n works" '^eth0@if[0-9]+ +UP +10\.0\.0\.1/24' "$out"
check_match "root: nstopo exec works" '^eth0@if[0-9]+ +UP +10\.0\.0\.2/24' "$out"
check_match "root: the host's bridge is in the sandbox" '^br-iso +UP' "$out"
check_match "root: nstopo status: as planned" '^status=0$' "$out"
check_match "root: nstopo's init is PID 1" '^pid1=nstopo-init me=[0-9]+$' "$out"
check_match "root: /run is the sandbox's own" '^run=netns nstopo $' "$out"
check_match "root: says the lab went down" '^nstopo run: lab iso is down$' \
	"$(cat "$WORK/err")"
check_eq "root: no warning" "" "$(grep -i warning "$WORK/err")"
gone "root: no process of the sandbox is left" "$(tr -dc 0-9 < "$OUT/pidns")" \
	9974.5
outside_clean "root: nothing left"

# Nested: the command's own run --isolated, and run of a second lab
# inside (the sandbox is root's: no sandbox of its own then).
# (The file is read inside: not from /run, which is the sandbox's own.)
rm -f "$OUT"/*
cp "$lab" "$OUT/iso.yaml"
out=$("$NSTOPO" run -q --isolated "$lab" -- sh -c \
	'"$0" run -q --isolated "$1" -- ip netns list | wc -l' "$NSTOPO" \
	"$OUT/iso.yaml" 2>&1)
check_eq "root: a sandbox in a sandbox" "2" "$out"
outside_clean "root: sandbox in a sandbox: nothing left"

# Two at once, of the same file: each has a lab of its own.
"$NSTOPO" run -q --isolated "$lab" -- sh -c \
	'touch "$0/one"; sleep 1; ip netns exec h1 ping -c1 -W5 10.0.0.2' \
	"$OUT" >/dev/null 2>&1 &
rp=$!
wait_file "$OUT/one"
"$NSTOPO" run -q --isolated "$lab" -- \
	ip netns exec h2 ping -c1 -W5 10.0.0.1 >/dev/null 2>&1
check_eq "root: a second run of the same file, meanwhile" 0 $?
wait "$rp"
check_eq "root: the first one, still working" 0 $?
outside_clean "root: two at once: nothing left"

# --- shell, and run --isolated without CMD -------------------------------
out=$(printf 'ip netns list | wc -l\necho "lab=$NSTOPO_LAB"\nexit 5\n' |
	SHELL=/bin/sh "$NSTOPO" shell -q "$lab" 2>&1)
rc=$?
check_eq "shell: exit status is the shell's" 5 "$rc"
check_eq "shell: the lab is there, NSTOPO_LAB set" "2
lab=iso" "$out"
out=$(echo 'ip netns list | wc -l' | SHELL= "$NSTOPO" run -q --isolated "$lab" 2>&1)
check_eq "run --isolated without CMD: a shell (/bin/sh without \$SHELL)" 2 "$out"
outside_clean "shell: nothing left"
# On a terminal: ^C and ^\ are the shell's, not the run's.
cat > "$WORK/onterm.py" <<'EOF'
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.environ["SHELL"] = "/bin/sh"
    os.execv(sys.argv[1], [sys.argv[1], "shell", "-q", sys.argv[2]])
out = b""
def read(t):
    global out
    end = time.time() + t
    while time.time() < end:
        if select.select([fd], [], [], 0.05)[0]:
            try:
                out += os.read(fd, 4096)
            except OSError:
                return
read(1)
for k in [b"sleep 30\n", b"\x03", b"sleep 30\n", b"\x1c", b"\x03",
          b"echo alive-$NSTOPO_LAB\n", b"exit 4\n"]:
    os.write(fd, k)
    read(0.5)
read(1)
print(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
EOF
out=$(timeout 30 python3 "$WORK/onterm.py" "$NSTOPO" "$lab")
check_eq "shell on a terminal: ^C, ^\\ do not end it: the shell's exit 4" 4 $?
check_match "shell on a terminal: still there after ^C, ^\\" '^alive-iso' "$out"
outside_clean "shell on a terminal: nothing left"
"$NSTOPO" shell "$lab" -- true 2>/dev/null
check_eq "shell FILE -- CMD: usage error" 2 $?
"$NSTOPO" run "$lab" 2>/dev/null
check_eq "run FILE without CMD, not isolated: usage error" 2 $?
outside_clean "usage errors: nothing made"

# --- As an unprivileged user: run isolates itself ------------------------
# Some machines forbid unprivileged user namespaces (Ubuntu's AppArmor
# restriction, a hardened sysctl): the run fails there with its own
# message (checked below, with a forbidding setting of the test's own).
# Outside CI the unprivileged runs are then skipped.
U=$NOBODY
if ! $NOBODY unshare --user --map-root-user true 2>/dev/null; then
	case ${CI:-} in
	true | 1 | yes)
		bad "an unprivileged user cannot make a user namespace on this machine" ;;
	*)
		echo "     skipped: unprivileged runs (this machine forbids unprivileged user namespaces)"
		U=env ;;
	esac
fi
[ "$U" = env ] || {
rm -f "$OUT"/*
out=$(cd / && $NOBODY "$bin" run "$lab" -- sh -c '
	echo "uid=$(id -u)"
	ip netns list | cut -d" " -f1 | sort | tr "\n" " "; echo
	ip netns exec h1 ping -c1 -W5 10.0.0.2 >/dev/null && echo "ping ok"
	"$0" exec h2 -- ip -br -4 addr show eth0
	"$0" exec --drop-caps net_admin h1 -- ip link set lo down 2>/dev/null || echo "drop-caps: refused"
	"$0" exec --drop-caps net_admin,net_raw h1 -- grep CapBnd /proc/self/status
	readlink /proc/self/ns/pid > "$1/pidns"
	exit 7' "$bin" "$OUT" 2>"$WORK/err")
rc=$?
err=$(cat "$WORK/err")
check_eq "unprivileged: exit status is the command's (7)" 7 "$rc"
check_eq "unprivileged: says once that it isolates itself" 1 \
	"$(printf '%s\n' "$err" | grep -c 'sandbox of its own')"
check_match "unprivileged: says why" \
	'^nstopo run: without cap_net_admin and cap_sys_admin, the lab is built in a sandbox of its own' "$err"
check_match "unprivileged: root in its sandbox" '^uid=0$' "$out"
check_match "unprivileged: ip netns list shows the nodes" '^h1 h2 $' "$out"
check_match "unprivileged: a ping between nodes" '^ping ok$' "$out"
check_match "unprivileged: nstopo exec works" '^eth0@if[0-9]+ +UP +10\.0\.0\.2/24' "$out"
check_match "unprivileged: exec --drop-caps net_admin takes it" '^drop-caps: refused$' "$out"
# CAP_NET_ADMIN is 12, CAP_NET_RAW 13: neither in the bounding set.
bnd=$(printf '%s\n' "$out" | sed -n 's/^CapBnd:[[:space:]]*//p')
check_match "unprivileged: exec --drop-caps: bounding set read" '^[0-9a-f]+$' "$bnd"
check_eq "unprivileged: exec --drop-caps: net_admin, net_raw dropped" 0 \
	"$(( 0x${bnd:-3000} & 0x3000 ))"
gone "unprivileged: no process of the sandbox is left" \
	"$(tr -dc 0-9 < "$OUT/pidns")" 9974.5
outside_clean "unprivileged: nothing left"
out=$(cd / && $NOBODY "$bin" run -q "$lab" -- true 2>&1)
check_eq "unprivileged: -q: not a word" "" "$out"
}

# SIGTERM to nstopo: passed on through init and the worker to CMD.
rm -f "$OUT"/*
(cd / && exec $U "$bin" run -q --isolated "$lab" -- sh -c \
	'trap "echo TERM > $0/got; exit 143" TERM; touch $0/up; while :; do sleep 0.1; done' \
	"$OUT") &
rp=$!
if wait_file "$OUT/up"; then
	kill -TERM "$rp"
	wait "$rp"
	rc=$?
	check_eq "SIGTERM: exit 143" 143 "$rc"
	check_eq "SIGTERM: the command got it, once" TERM "$(cat "$OUT/got" 2>/dev/null)"
else
	bad "SIGTERM: the command did not start"
	kill -KILL "$rp"
	wait "$rp"
fi
outside_clean "SIGTERM: nothing left"

# --- SIGKILL of nstopo at any moment -------------------------------------
# A 100-node star (br0 in the sandbox's host), CMD leaves a process in a
# node and one in the host of the sandbox.  Kill points are spread over
# the time from start to CMD running (measured), and some while it runs.
star=$WORK/star.yaml
gen_star 100 "$star" kstar
chmod 644 "$star"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
kcmd='"$0" exec h1 -- sleep 9975.5 >/dev/null 2>&1 & touch "$1/up"; exec sleep 9976.5'
span=999999
for _ in 1 2; do
	rm -f "$OUT/up"
	t0=$(now_ms)
	"$NSTOPO" run -q --isolated "$star" -- sh -c "$kcmd" "$NSTOPO" "$OUT" &
	rp=$!
	n=0
	while [ ! -e "$OUT/up" ] && [ "$n" -lt 1000 ]; do
		sleep 0.01
		n=$((n + 1))
	done
	t1=$(now_ms)
	kill -TERM "$rp"
	wait "$rp"
	[ $((t1 - t0)) -lt "$span" ] && span=$((t1 - t0))
done
echo "     start to CMD running: ${span} ms"
gone "timing runs: nothing left" "" 9975.5 9976.5 "$star"

# kill_trial DESC DELAY_S USER...: start run, SIGKILL it after DELAY_S,
# then check that nothing of the sandbox is left anywhere
kill_trial() {
	kt_desc="$1 after $2s"
	kt_d=$2
	shift 2
	rm -f "$OUT/up"
	(cd / && exec "$@" "$bin" run -q --isolated "$star" -- sh -c "$kcmd" \
		"$bin" "$OUT") >/dev/null 2>&1 &
	kt_pid=$!
	sleep "$kt_d"
	kt_ns=$(sandbox_pidns "$star")
	kill -KILL "$kt_pid" 2>/dev/null
	wait "$kt_pid" 2>/dev/null
	kt_rc=$?
	[ -e "$OUT/up" ] && where=running || where=starting
	gone "$kt_desc ($where, exit $kt_rc): no process left" "$kt_ns" \
		9975.5 9976.5 "$star"
	check_eq "$kt_desc: nothing left" "" \
		"$(leftovers; ip -o link show br0 2>/dev/null)"
}
running=0
n=1
while [ "$n" -le 12 ]; do
	d=$(awk -v i="$n" -v span="$span" \
		'BEGIN { printf "%.3f", (i * 7919 % 1000) / 1000 * span * 1.3 / 1000 }')
	kill_trial "root: SIGKILL" "$d" env
	[ "$where" = running ] && running=$((running + 1))
	n=$((n + 1))
done
kill_trial "root: SIGKILL while CMD runs" "$(awk -v s="$span" 'BEGIN { printf "%.3f", s * 2 / 1000 + 0.3 }')" env
n=1
while [ "$n" -le 6 ] && [ "$U" != env ]; do
	d=$(awk -v i="$n" -v span="$span" \
		'BEGIN { printf "%.3f", (i * 379 % 1000) / 1000 * span * 1.5 / 1000 }')
	kill_trial "unprivileged: SIGKILL" "$d" $NOBODY
	n=$((n + 1))
done
[ "$U" = env ] || kill_trial "unprivileged: SIGKILL while CMD runs" \
	"$(awk -v s="$span" 'BEGIN { printf "%.3f", s * 2 / 1000 + 0.3 }')" $NOBODY
check "some kills hit before CMD ran" test "$running" -lt 12

# --- Refusals: what needs the machine's own interfaces --------------------
up=$WORK/uplink.yaml
cat > "$up" <<'EOF'
name: upl
nodes:
  web:
    interfaces:
      eth0: {addresses: [192.0.2.50/24]}
bridges:
  br-up: {ports: [eth0], adopt: true}
links:
  - [web:eth0, br-up]
EOF
mv=$WORK/macvlan.yaml
cat > "$mv" <<'EOF'
name: mvl
nodes:
  web: {}
links:
  - {kind: macvlan, endpoint: "web:mv0",
     parent: host:eth0}
EOF
chmod 644 "$up" "$mv"
rm -f "$OUT"/*
for who in root unprivileged; do
	for f in "$up" "$mv"; do
		if [ "$who" = root ]; then
			out=$("$NSTOPO" run --isolated "$f" -- touch "$OUT/ran" 2>&1)
		else
			out=$(cd / && $NOBODY "$bin" run "$f" -- touch "$OUT/ran" 2>&1)
		fi
		rc=$?
		name=$(basename "$f" .yaml)
		check_eq "$who: $name refused: exit 2" 2 "$rc"
		case $name in
		uplink)
			check_match "$who: uplink: names the port and why" \
				"^$f:7:19: bridge 'br-up' takes the machine's interface 'eth0' as a port \\(adopt: true\\): an isolated run has only the interfaces the file makes" \
				"$out" ;;
		macvlan)
			check_match "$who: macvlan: names the parent and why" \
				"^$f:6:14: a macvlan link on the machine's interface 'eth0' \\(parent: host:eth0\\): an isolated run has only" \
				"$out" ;;
		esac
		check_fail "$who: $name: the command did not run" test -e "$OUT/ran"
		outside_clean "$who: $name: nothing made"
	done
done

# --- User namespaces turned off -------------------------------------------
# user.max_user_namespaces is per user namespace: 0 is set in a child
# user namespace of root's (which maps uids 0-65535 to themselves), and
# nobody runs nstopo in there.  The machine's own setting is untouched.
max_before=$(cat /proc/sys/user/max_user_namespaces)
mkfifo "$WORK/go"
unshare --user sh -c '
	read _ < "$1"
	# Again, now that the maps exist: as root of this user namespace.
	exec sh -c "echo 0 > /proc/sys/user/max_user_namespaces && cd / &&
		exec $2 \"\$0\" run \"\$1\" -- touch \"\$2/ran\"" "$3" "$4" "$5"' \
	sh "$WORK/go" "$NOBODY" "$bin" "$lab" "$OUT" >"$WORK/uns.out" 2>&1 &
upid=$!
i=0
while [ "$(readlink /proc/$upid/ns/user)" = "$(readlink /proc/self/ns/user)" ] &&
	[ "$i" -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
echo "0 0 65536" > "/proc/$upid/uid_map"
echo "0 0 65536" > "/proc/$upid/gid_map"
echo go > "$WORK/go"
wait "$upid"
rc=$?
out=$(cat "$WORK/uns.out")
check_eq "userns off: exit 125" 125 "$rc"
check_match "userns off: names the setting and how to allow it" \
	"^nstopo run: cannot isolate the lab: cannot make a user namespace: .*: user\\.max_user_namespaces is 0 \\(which turns user namespaces off\\): allow them as root with 'sysctl -w user\\.max_user_namespaces=10000'; or run nstopo as root$" \
	"$out"
check_fail "userns off: the command did not run" test -e "$OUT/ran"
check_eq "userns off: the machine's setting is untouched" "$max_before" \
	"$(cat /proc/sys/user/max_user_namespaces)"
outside_clean "userns off: nothing made"

rm -rf "$OUT"
snapshot "$WORK/after"
check "end: the machine as before" diff -u "$WORK/before" "$WORK/after"
finish
