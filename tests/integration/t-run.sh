# t-run.sh - nstopo run FILE -- CMD: the lab is up while CMD runs (with
# NSTOPO_LAB set), and gone afterwards whatever happened: CMD passed,
# failed, was killed, nstopo was sent SIGTERM or SIGINT, CMD left a
# process running inside a node or in the host (both are stopped: CMD
# runs in the lab's control group).  The exit status is CMD's.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

lab=$WORK/runlab.yaml
cat > "$lab" <<'EOF'
name: rl
namespace-prefix: rl-
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24, "fd00::1/64"]}
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24, "fd00::2/64"]}
  host:
    interfaces:
      br-rl: {addresses: [10.0.9.1/24]}
bridges:
  br-rl: {}
links:
  - [h1:eth0, h2:eth0]
  - [h1:eth1, br-rl]
EOF

# alive PID: the process exists and is not a zombie
alive() {
	[ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"
}

# wait_file FILE: until FILE exists, <= 10 s
wait_file() {
	i=0
	while [ ! -e "$1" ] && [ "$i" -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

snapshot "$WORK/before"

# A passing command: it sees the lab and NSTOPO_LAB.
out=$("$NSTOPO" run "$lab" -- sh -c \
	'echo "lab=$NSTOPO_LAB"; ip netns list | sort; ip netns exec rl-h1 ping -c1 -w5 10.0.0.2 >/dev/null && echo ping ok' \
	2>"$WORK/err")
rc=$?
check_eq "passing command: exit 0" 0 "$rc"
check_match "passing command: NSTOPO_LAB is set" '^lab=rl$' "$out"
check_match "passing command: the lab's namespaces are there" '^rl-h1' "$out"
check_match "passing command: the lab works" '^ping ok$' "$out"
check_match "passing command: says the lab went up" \
	'^nstopo run: lab rl is up' "$(cat "$WORK/err")"
check_match "passing command: says the lab went down" \
	'^nstopo run: lab rl is down$' "$(cat "$WORK/err")"
check_clean "passing command: nothing left"

# Without "--", and with options of its own after it.
out=$("$NSTOPO" run "$lab" echo -v --lab x 2>/dev/null)
check_eq "without --: the command's own words" "-v --lab x" "$out"
check_clean "without --: nothing left"

# A failing command: its status.
"$NSTOPO" run -q "$lab" -- sh -c 'exit 3'
check_eq "failing command: exit 3" 3 $?
check_clean "failing command: nothing left"
"$NSTOPO" run -q "$lab" -- sh -c 'kill -KILL $$'
check_eq "command killed by SIGKILL: 137" 137 $?
check_clean "killed command: nothing left"
"$NSTOPO" run -q "$lab" -- /nonexistent/command 2>/dev/null
check_eq "missing command: 127" 127 $?
check_clean "missing command: nothing left"

# Signals to nstopo run while the command runs: passed on to the
# command, the lab destroyed once it has ended.
# signal_case SIG DESC: the command records the signal it got, then dies
# of it (so a shell would report 128+N)
signal_case() {
	sig=$1 desc=$2
	rm -f "$WORK/ready" "$WORK/got"
	"$NSTOPO" run "$lab" -- sh -c '
		trap "echo TERM > $0/got; kill \$! 2>/dev/null; trap - TERM; kill -TERM \$\$" TERM
		trap "echo INT > $0/got; kill \$! 2>/dev/null; trap - INT; kill -INT \$\$" INT
		sleep 60 & touch $0/ready; wait' "$WORK" 2>"$WORK/err" &
	rp=$!
	if ! wait_file "$WORK/ready"; then
		bad "$desc: the command did not start"
		kill "$rp"
		wait "$rp"
		return
	fi
	check "$desc: the lab is up meanwhile" test -e /run/netns/rl-h1
	t0=$(date +%s)
	kill -"$sig" "$rp"
	wait "$rp"
	rc=$?
	t1=$(date +%s)
	check_match "$desc: the command got a signal" '^(TERM|INT)$' \
		"$(cat "$WORK/got" 2>/dev/null)"
	case $sig in
	TERM)
		check_eq "$desc: the command got SIGTERM" TERM "$(cat "$WORK/got" 2>/dev/null)"
		check_eq "$desc: exit 143 (the command's, killed by SIGTERM)" 143 "$rc" ;;
	INT)
		check_match "$desc: exit 130 or 143 (the command's)" '^(130|143)$' "$rc" ;;
	esac
	check "$desc: over within 5 s" test $((t1 - t0)) -le 5
	check_match "$desc: the lab went down" '^nstopo run: lab rl is down$' \
		"$(cat "$WORK/err")"
	check_clean "$desc: nothing left"
}
signal_case TERM "SIGTERM to nstopo run"
signal_case INT "SIGINT to nstopo run"

# A plain sleep, killed by what nstopo passes on.
"$NSTOPO" run -q "$lab" -- sleep 60 &
rp=$!
i=0
while ! pgrep -P "$rp" -x sleep >/dev/null && [ "$i" -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$rp"
wait "$rp"
check_eq "SIGTERM while sleep runs: 143" 143 $?
check_clean "SIGTERM while sleep runs: nothing left"

# A process the command leaves inside a node is stopped before the lab
# goes; so is one it leaves in the host (it is in the lab's control
# group, as everything the command starts).
out=$("$NSTOPO" run "$lab" -- sh -c '
	"$0" exec h1 -- sh -c "sleep 300 >/dev/null 2>&1 & echo \$! > $1/inlab"
	sleep 301 >/dev/null 2>&1 & echo $! > $1/inhost' "$NSTOPO" "$WORK" 2>&1)
rc=$?
runout=$out
check_eq "process left in a node: exit 0" 0 "$rc"
check_match "process left in a node: said it stopped it (and the host's)" \
	'stopping 2 processes left in lab rl' "$out"
inlab=$(cat "$WORK/inlab" 2>/dev/null)
check_match "process left in a node: its pid was recorded" '^[0-9]+$' "$inlab"
i=0
while alive "$inlab" && [ "$i" -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_fail "process left in a node: it is gone" alive "$inlab"
inhost=$(cat "$WORK/inhost")
check_match "process left in the host: its pid was recorded" '^[0-9]+$' "$inhost"
check_fail "process left in the host: it is gone too" alive "$inhost"
check_clean "process left in a node: nothing left"
check_eq "process left in a node: no warning that one lives on" "" \
	"$(printf '%s\n' "$runout" | grep 'still runs in it')"

# A lab that is up already is not run's to take, nor to destroy.
check "apply the lab" "$NSTOPO" apply -q "$lab"
out=$("$NSTOPO" run "$lab" -- touch "$WORK/ran" 2>&1)
rc=$?
check_eq "lab already up: refused (125)" 125 "$rc"
check_match "lab already up: says why" "run needs a lab of its own" "$out"
check_fail "lab already up: the command did not run" test -e "$WORK/ran"
"$NSTOPO" status -q "$lab" >/dev/null
check_eq "lab already up: still up and as planned" 0 $?
check "destroy the lab" "$NSTOPO" destroy -q "$lab"

# Apply fails: the command never runs, nothing is left.
NSTOPO_FAULT_AT=12 "$NSTOPO" run "$lab" -- touch "$WORK/ran" 2>"$WORK/err"
rc=$?
check_eq "apply fails: 125" 125 "$rc"
check_match "apply fails: says so" '^nstopo run: apply rl: step 12 of [0-9]+ failed' \
	"$(cat "$WORK/err")"
check_fail "apply fails: the command did not run" test -e "$WORK/ran"
check_clean "apply fails: nothing left"

# Invalid file or usage: 2, nothing done.
printf 'nodes:\n  h1: {mtu: 1}\n' > "$WORK/bad.yaml"
"$NSTOPO" run "$WORK/bad.yaml" -- touch "$WORK/ran" 2>/dev/null
check_eq "invalid file: 2" 2 $?
"$NSTOPO" run "$lab" 2>/dev/null
check_eq "no command: 2" 2 $?
check_fail "nothing ran" test -e "$WORK/ran"
check_clean "end: nothing left"
snapshot "$WORK/after"
check "end: host state as before" diff -u "$WORK/before" "$WORK/after"
finish
