# t-procs.sh - the processes a lab starts are kept in its control group,
# so none escapes destroy: a start-up command that double-forks a daemon
# (setsid, parent gone) and one that leaves its node's namespace
# (unshare -n) are both stopped by destroy, which says which (pid and
# name), and the lab's group goes with it; --keep-processes keeps them,
# with warnings.  A run killed by SIGKILL leaves an orphaned lab (list,
# status); the next run of the file, or destroy, stops everything it left
# (its command too) and takes over.  Signals to run: the first goes to
# the command's whole process group, a second SIGKILLs it.  The same on
# nstopo's own v1 hierarchy (NSTOPO_CGROUP=v1), and without a group
# (NSTOPO_CGROUP=none: a warning; what stays in a node is still found).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

CG=$(cgroup2_root)
probe=${CG:-/nonexistent}/nstopo-t-procs.$$
if [ -z "$CG" ] || ! mkdir "$probe" 2>/dev/null; then
	bad "no writable cgroup2 hierarchy (this test needs one; found: '${CG:-none}')"
	finish
	exit 1
fi
rmdir "$probe"
# Markers: sleep takes fractions, so "sleep 1000.RRRRRK" is unique to
# this run of the test (RRRRR) and to its role (K).
R=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
mark() { echo "1000.$R$1"; }
D=$(mark 1) U=$(mark 2) H=$(mark 3) F=$(mark 4) C=$(mark 5) S=$(mark 6)
pids() { pgrep -f "^sleep $1\$"; }

# Whatever happens, nothing of ours stays on the machine: the groups the
# journals named, the marked processes.
groups_seen=
cleanup() {
	for m in "$D" "$U" "$H" "$F" "$C" "$S"; do
		pkill -KILL -f "^sleep $m\$" 2>/dev/null
	done
	for g in $groups_seen; do
		[ -d "$g" ] || continue
		find "$g" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	rmdir "$CG/nstopo" 2>/dev/null
	return 0
}
trap cleanup EXIT

# cgroup_of LAB: the lab's group, as its journal names it (absolute)
cgroup_of() {
	p=$(sed -n 's/^cgroup v2 path=\(.*\)$/\1/p' "/run/nstopo/$1/journal" 2>/dev/null)
	[ -n "$p" ] && echo "$CG/$p"
}

# gone_all MARK...: until no process has any of the markers, <= 5 s
gone_all() {
	i=0
	while [ "$i" -lt 50 ]; do
		left=
		for m in "$@"; do left="$left$(pids "$m")"; done
		[ -z "$left" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_pid MARK: until a process has the marker, <= 5 s; prints its pid
wait_pid() {
	i=0
	while [ -z "$(pids "$1")" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pids "$1"
}

netns_ino() { stat -L -c %i "$1" 2>/dev/null; }

lab=$WORK/procs.yaml
cat > "$lab" <<EOF
name: procs
namespace-prefix: pc-
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
    exec:
      # a daemon: double-forked, a session of its own, its parent gone
      - sh -c '(setsid sleep $D </dev/null >/dev/null 2>&1 &); exit 0'
      # one that leaves the node's namespace for one of its own
      - sh -c 'unshare -n sleep $U </dev/null >/dev/null 2>&1 &'
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24]}
  host:
    exec:
      # one that ignores SIGTERM, in the host's namespace
      - sh -c '(trap "" TERM; exec sleep $H) </dev/null >/dev/null 2>&1 &'
links:
  - [h1:eth0, h2:eth0]
EOF

export SNAPSHOT_LABS=procs
snapshot "$WORK/before"

# 1. destroy stops them all, says which, and removes the group.
check "apply" "$NSTOPO" apply -q "$lab"
dp=$(wait_pid "$D") up=$(wait_pid "$U") hp=$(wait_pid "$H")
check_match "the daemon runs" '^[0-9]+$' "$dp"
check_match "the unshared one runs" '^[0-9]+$' "$up"
check_match "the host's runs" '^[0-9]+$' "$hp"
check_eq "the daemon is in node h1's namespace" \
	"$(netns_ino /run/netns/pc-h1)" "$(netns_ino "/proc/$dp/ns/net")"
ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$dp/status")
check_fail "the daemon's parent is none of the lab's (double fork: reparented)" \
	grep -q "nstopo/procs" "/proc/$ppid/cgroup"
check "the daemon leads a session of its own" \
	test "$(ps -o sid= -p "$dp" | tr -d ' ')" = "$dp"
check_fail "the unshared one is in no namespace of the lab" \
	test "$(netns_ino "/proc/$up/ns/net")" = "$(netns_ino /run/netns/pc-h1)"
check_fail "... not in h2's either" \
	test "$(netns_ino "/proc/$up/ns/net")" = "$(netns_ino /run/netns/pc-h2)"
g=$(cgroup_of procs)
groups_seen="$groups_seen $g"
check_match "the journal names the lab's group: nstopo/procs.ID" \
	"^$CG/nstopo/procs\\.[0-9a-f]{8}\$" "$g"
check "the group exists" test -d "$g"
rel=${g#"$CG"}
# Each command's group is below its node's (exec-HASH: of its argv).
check_match "the daemon is in its command's group, in h1's" \
	"^0::$rel/ns-pc-h1/exec-[0-9a-f]{16}\$" \
	"$(grep '^0::' "/proc/$dp/cgroup")"
check_match "so is the unshared one" "^0::$rel/ns-pc-h1/exec-[0-9a-f]{16}\$" \
	"$(grep '^0::' "/proc/$up/cgroup")"
check_match "the host's is in its command's group, in the host's" \
	"^0::$rel/host/exec-[0-9a-f]{16}\$" \
	"$(grep '^0::' "/proc/$hp/cgroup")"
check_eq "list: up" "up" \
	"$("$NSTOPO" list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])')"
t0=$(date +%s)
txt=$("$NSTOPO" destroy "$lab" 2>&1)
rc=$?
t1=$(date +%s)
check_eq "destroy: exit 0" 0 "$rc"
line=$(printf '%s\n' "$txt" | grep '^nstopo: stopping')
check_match "destroy: says it stops 3 processes" \
	'^nstopo: stopping 3 processes left in lab procs: ' "$line"
check_match "... the daemon, by pid and name" "[ :]$dp \\(sleep\\)" "$line"
check_match "... the unshared one" "[ :]$up \\(sleep\\)" "$line"
check_match "... the host's" "[ :]$hp \\(sleep\\)" "$line"
check_match "destroy: says which ignored SIGTERM and got SIGKILL" \
	"^nstopo: lab procs: 1 process still ran after 3 s: SIGKILL: $hp \\(sleep\\)\$" "$txt"
check "destroy: over within 3 s and a bit" test $((t1 - t0)) -le 5
check_eq "destroy: no warning" "" "$(printf '%s\n' "$txt" | grep warning)"
check "destroy: every one of them is gone" gone_all "$D" "$U" "$H"
check_fail "destroy: the lab's group is gone" test -e "$g"
check_clean "destroy: nothing left"

# 1b. A rollback (a later command fails) stops them all the same.
sed 's|^      eth0: {addresses: \[10.0.0.2/24\]}$|&\n    exec: ["exit 3"]|' \
	"$lab" > "$WORK/fails.yaml"
txt=$("$NSTOPO" apply "$WORK/fails.yaml" 2>&1)
check_eq "rollback: apply fails (exit 1)" 1 $?
check_match "rollback: h2's command failed" \
	"@pc-h2 .*: the command exited with status 3" "$txt"
check_match "rollback: says it stops the 3 processes" \
	'^nstopo: stopping 3 processes left in lab procs: ' "$txt"
check "rollback: every one of them is gone" gone_all "$D" "$U" "$H"
check_eq "rollback: no group of the lab is left" "" \
	"$(ls -d "$CG/nstopo/procs".* 2>/dev/null)"
check_clean "rollback: nothing left"

# 1c. A namespace pinned under a node's name that is not the lab's
# (another's, since): neither it nor its processes are touched.
check "foreign: apply" "$NSTOPO" apply -q "$lab"
ip netns del pc-h2
ip netns add pc-h2
ip netns exec pc-h2 sleep "$F" </dev/null >/dev/null 2>&1 &
fp=$(wait_pid "$F")
txt=$("$NSTOPO" destroy "$lab" 2>&1)
check_eq "foreign: destroy: exit 0" 0 $?
check_match "foreign: the namespace is left alone" \
	"warning: namespace pc-h2 does not carry lab procs's mark: left alone" "$txt"
check_fail "foreign: its process is not named" \
	sh -c 'printf "%s\n" "$1" | grep -q "[ :]$2 (sleep)"' sh "$txt" "$fp"
check "foreign: its process still runs" kill -0 "$fp"
check "foreign: the lab's are gone" gone_all "$D" "$U" "$H"
kill "$fp"
wait "$fp" 2>/dev/null
ip netns del pc-h2
# (/run/netns stayed for the foreign pin: the next destroy tidies it)
check "foreign: apply and destroy again" \
	sh -c '"$0" apply -q "$1" && "$0" destroy -q "$1"' "$NSTOPO" "$lab"
check_clean "foreign: nothing left"

# 2. --keep-processes keeps them, says so, and still removes the group.
check "apply again" "$NSTOPO" apply -q "$lab"
dp=$(wait_pid "$D") up=$(wait_pid "$U") hp=$(wait_pid "$H")
g=$(cgroup_of procs)
groups_seen="$groups_seen $g"
txt=$("$NSTOPO" destroy --keep-processes "$lab" 2>&1)
check_eq "--keep-processes: exit 0" 0 $?
check_match "--keep-processes: the daemon's namespace lives on, unnamed" \
	"warning: namespace pc-h1: process $dp \\(sleep\\) still runs in it; it lives on, unnamed, until the process exits" "$txt"
check_match "--keep-processes: the unshared one is left" \
	"warning: lab procs: process $up \\(sleep\\) is left running \\(--keep-processes\\)" "$txt"
check_match "--keep-processes: the host's is left" \
	"warning: lab procs: process $hp \\(sleep\\) is left running \\(--keep-processes\\)" "$txt"
check_eq "--keep-processes: nothing stopped" "" \
	"$(printf '%s\n' "$txt" | grep 'stopping')"
check "--keep-processes: they all still run" \
	test -n "$(pids "$D")" -a -n "$(pids "$U")" -a -n "$(pids "$H")"
check_fail "--keep-processes: the lab's group is gone (they moved out)" \
	test -e "$g"
check_fail "--keep-processes: the daemon is out of it" \
	grep -q "nstopo/procs" "/proc/$dp/cgroup"
check_clean "--keep-processes: nothing of the lab left"
check "--kill and --keep-processes: a usage error" \
	sh -c '"$0" destroy --kill --keep-processes --lab procs 2>/dev/null; test $? = 2' "$NSTOPO"
pkill -KILL -f "^sleep ($D|$U|$H)\$"
check "... killed by hand" gone_all "$D" "$U" "$H"

# 3. A run killed by SIGKILL: orphaned; the next run takes over.
# orphan: run FILE -- sleep $C in the background, SIGKILL it once the
# command runs; sets rp (its pid), c (the command's), g (the group)
orphan() {
	"$NSTOPO" run -q "$lab" -- sleep "$C" &
	rp=$!
	c=$(wait_pid "$C")
	wait_pid "$H" >/dev/null
	g=$(cgroup_of procs)
	groups_seen="$groups_seen $g"
	kill -KILL "$rp"
	wait "$rp" 2>/dev/null
}
orphan
check_match "run: its command runs" '^[0-9]+$' "$c"
check_eq "run: the command is in the lab's group" "0::${g#"$CG"}/run" \
	"$(grep '^0::' "/proc/$c/cgroup" 2>/dev/null)"
check_match "run: the journal records its owner, with a start time" \
	"^owner pid=$rp start=[0-9]+\$" "$(grep '^owner ' /run/nstopo/procs/journal)"
check_fail "SIGKILL: nstopo run is gone" kill -0 "$rp"
check "SIGKILL: its command still runs" test -n "$(pids "$C")"
txt=$("$NSTOPO" list)
check_match "list: orphaned" '^procs +orphaned ' "$txt"
check_eq "list --json: orphaned" "orphaned" \
	"$("$NSTOPO" list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])')"
txt=$("$NSTOPO" status --lab procs 2>&1)
check_eq "status: exit 3" 3 $?
check_match "status: says it is orphaned, and by whom" \
	"^lab procs is orphaned: the run that owned it \\(pid $rp\\) is gone" "$txt"
txt=$("$NSTOPO" run "$lab" -- sh -c 'echo "second run: $NSTOPO_LAB"' 2>"$WORK/err")
rc=$?
err=$(cat "$WORK/err")
check_eq "next run: exit 0" 0 "$rc"
check_eq "next run: its command ran" "second run: procs" "$txt"
check_match "next run: says it takes over from the run that is gone" \
	"^nstopo: lab procs was left by a run that is gone \\(pid $rp\\): stopping what it left\$" "$err"
check_match "next run: names the dead run's command among what it stops" \
	"^nstopo: stopping [0-9]+ processes left in lab procs: .*[ :]$c \\(sleep\\)" "$err"
check "next run: nothing of the first run runs" gone_all "$C" "$D" "$U" "$H"
check_fail "next run: the first run's group is gone" test -e "$g"
check_clean "next run: nothing left (no namespace, no state)"

# 4. destroy of an orphaned lab does the same.
orphan
check_match "orphaned again" '^procs +orphaned ' "$("$NSTOPO" list)"
txt=$("$NSTOPO" destroy "$lab" 2>&1)
check_eq "destroy of an orphaned lab: exit 0" 0 $?
check_match "destroy of an orphaned lab: says so" \
	"was left by a run that is gone \\(pid $rp\\)" "$txt"
check_match "destroy of an orphaned lab: stops the run's command" \
	"[ :]$c \\(sleep\\)" "$txt"
check "destroy of an orphaned lab: nothing of it runs" \
	gone_all "$C" "$D" "$U" "$H"
check_fail "destroy of an orphaned lab: its group is gone" test -e "$g"
check_clean "destroy of an orphaned lab: nothing left"

# 5. Signals to run: the first (SIGTERM) reaches the command's whole
# process group, the same signal; the command survives it (it traps it),
# its child does not; a second (SIGINT) SIGKILLs the group.
plain=$WORK/plain.yaml
printf 'name: procs\nnamespace-prefix: pc-\nnodes:\n  h1: {}\n' > "$plain"
rm -f "$WORK/got" "$WORK/bg"
"$NSTOPO" run -q "$plain" -- sh -c '
	trap "echo TERM >> $0/got" TERM
	trap "echo INT >> $0/got" INT
	sleep '"$S"' & echo $! > $0/bg
	while :; do sleep 0.1; done' "$WORK" &
rp=$!
bg=$(wait_pid "$S")
check_match "signals: the command's child runs" '^[0-9]+$' "$bg"
# No exec: in this lab: run made its group after the apply, and appended
# it to the journal, which still checks.
g=$(cgroup_of procs)
groups_seen="$groups_seen $g"
check_eq "run: the command is in the group run made for it" \
	"0::${g#"$CG"}/run" "$(grep '^0::' "/proc/$bg/cgroup" 2>/dev/null)"
check_eq "run: the journal, appended to, still checks (list: up)" "up" \
	"$("$NSTOPO" list --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["state"])')"
kill -TERM "$rp"
i=0
while [ ! -s "$WORK/got" ] && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "signals: the first (SIGTERM) reaches the command, as SIGTERM" \
	"TERM" "$(cat "$WORK/got" 2>/dev/null)"
check "signals: ... and its child, in its process group" gone_all "$S"
check "signals: the command lives on (it traps SIGTERM)" kill -0 "$rp"
kill -INT "$rp"
wait "$rp"
rc=$?
check_eq "signals: a second (SIGINT) kills the group: 137" 137 "$rc"
check_eq "signals: the command did not see the second" "TERM" \
	"$(cat "$WORK/got" 2>/dev/null)"
check_clean "signals: nothing left"

# 6. nstopo's own v1 hierarchy, where no cgroup2 one may be used.
v1_before=$(grep -c 'name=nstopo' /proc/self/cgroup)
check "v1: apply" env NSTOPO_CGROUP=v1 "$NSTOPO" apply -q "$lab"
dp=$(wait_pid "$D") up=$(wait_pid "$U") hp=$(wait_pid "$H")
p=$(sed -n 's/^cgroup v1 path=\(.*\)$/\1/p' /run/nstopo/procs/journal)
check_match "v1: the journal names the group" '^procs\.[0-9a-f]{8}$' "$p"
check "v1: the hierarchy is mounted under /run/nstopo" \
	grep -q ' /run/nstopo/.cgroup .* - cgroup .*name=nstopo' /proc/self/mountinfo
check_match "v1: the unshared one is in h1's group" \
	":name=nstopo:/$p/ns-pc-h1/exec-[0-9a-f]{16}\$" \
	"$(cat "/proc/$up/cgroup" 2>/dev/null)"
txt=$("$NSTOPO" destroy "$lab" 2>&1)
check_eq "v1: destroy: exit 0" 0 $?
check_match "v1: destroy says it stops all 3" \
	"^nstopo: stopping 3 processes left in lab procs: .*$up \\(sleep\\)" "$txt"
check "v1: every one is gone" gone_all "$D" "$U" "$H"
check_fail "v1: the hierarchy is unmounted" \
	grep -q ' /run/nstopo/.cgroup ' /proc/self/mountinfo
# A named v1 hierarchy is the machine's: another test's sandbox using
# one (t-exec-edit, beside this one) keeps it until its own destroy.
i=0
while [ "$(grep -c 'name=nstopo' /proc/self/cgroup)" != "$v1_before" ] &&
	[ "$i" -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "v1: and gone from the kernel (as before)" "$v1_before" \
	"$(grep -c 'name=nstopo' /proc/self/cgroup)"
check_clean "v1: nothing left"

# 7. No group at all: a warning; what stays in a node is still found.
txt=$(NSTOPO_CGROUP=none "$NSTOPO" apply "$lab" 2>&1)
check_eq "none: apply: exit 0" 0 $?
check_match "none: apply warns that processes may escape" \
	"warning: lab procs: .*: its processes are found only in its namespaces" "$txt"
check_fail "none: the journal names no group" \
	grep -q '^cgroup ' /run/nstopo/procs/journal
dp=$(wait_pid "$D")
wait_pid "$U" >/dev/null
txt=$("$NSTOPO" destroy "$lab" 2>&1)
check_eq "none: destroy: exit 0" 0 $?
check_match "none: the daemon in h1's namespace is stopped" \
	"[ :]$dp \\(sleep\\)" "$txt"
check "none: it is gone" gone_all "$D"
pkill -KILL -f "^sleep ($U|$H)\$"
check "none: (the others, by hand)" gone_all "$U" "$H"
check_clean "none: nothing left"

snapshot "$WORK/after"
check "end: host state as before (and no group of the lab)" \
	diff -u "$WORK/before" "$WORK/after"
finish
