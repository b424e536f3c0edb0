# labkit.sh - sourced after lib.sh by tests that build and tear down labs
# many times: what nstopo might leave behind, and lab generators.

GEN_STAR=${GEN_STAR:-$TOP/bench/gen-star.sh}

# python3 through a version manager's shim (pyenv) costs ~0.2 s a start,
# and these tests start it hundreds of times: resolve it once.
py=$(python3 -c 'import sys; print(sys.executable)')
if [ -n "$py" ] && [ "$py" != "$(command -v python3)" ]; then
	mkdir -p "$WORK/bin"
	ln -s "$py" "$WORK/bin/python3"
	PATH="$WORK/bin:$PATH"
fi

# host_objects: this namespace's links, addresses and routes, one a line
host_objects() {
	ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print "link " $2 }'
	ip -o addr show | awk '{ print "addr " $2 " " $4 }'
	ip -4 route show table all | sed 's/^/route4 /'
	ip -6 route show table all | sed 's/^/route6 /'
}
host_objects | sort > "$WORK/labkit.base"

# leftovers: print every namespace, pin, mount under /run/netns, link,
# address, route and state file that was not there when labkit.sh was
# sourced (and anything of then that is gone); nothing if clean.
leftovers() {
	ip netns list | sed 's/^/netns /'
	[ -d /run/netns ] && ls -A /run/netns | sed 's/^/pin /'
	awk '$5 ~ /^\/run\/netns(\/|$)/ { print "mount " $5 }' /proc/self/mountinfo
	host_objects | sort > "$WORK/labkit.now"
	comm -13 "$WORK/labkit.base" "$WORK/labkit.now"
	comm -23 "$WORK/labkit.base" "$WORK/labkit.now" | sed 's/^/gone: /'
	[ -d /run/nstopo ] && find /run/nstopo -mindepth 1 | sed 's/^/state /'
	return 0
}

# check_clean DESC: nothing of any lab is left
check_clean() {
	check_eq "$1" "" "$(leftovers)"
}

# gen_star N FILE [NAME]: the benchmark star lab (bridge br0 in the host,
# nodes h1..hN) as a file
gen_star() {
	if [ ! -x "$GEN_STAR" ]; then
		bad "gen-star.sh not found at $GEN_STAR (set GEN_STAR)"
		finish
		exit 1
	fi
	"$GEN_STAR" "$1" ${3:+"$3"} > "$2"
}

# plan_count FILE: how many steps the plan of FILE has
plan_count() {
	"$NSTOPO" plan --json "$1" | python3 -c \
		'import json, sys; print(json.load(sys.stdin)["count"])'
}

# plan_step FILE TEXT: the number of the step of FILE's plan whose text
# (as `plan` prints it, without the sign) is TEXT
plan_step() {
	"$NSTOPO" plan --json "$1" | python3 -c '
import json, sys
ops = json.load(sys.stdin)["ops"]
print(next(i + 1 for i, o in enumerate(ops) if o["text"] == sys.argv[1]))' "$2"
}

# wait_comm PID COMM: until process PID runs COMM (it has exec'd), <= 5 s
wait_comm() {
	i=0
	while [ "$(cat /proc/"$1"/comm 2>/dev/null)" != "$2" ] && [ "$i" -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# snapshot_live FILE: snapshot of the host and of every namespace with a
# lab up, without what changes there on its own: bridge timers, operstate
# settling, and the times and sizes in the listings of /run/netns and
# /run/nstopo (a refused run rewrites the lock file with its pid)
snapshot_live() {
	snapshot "$1.raw"
	for ns in $(ip netns list | cut -d' ' -f1 | sort); do
		echo "## in-netns $ns"
		ip -n "$ns" -d -j link show | python3 "$TOP/tests/integration/jsonnorm.py"
		ip -n "$ns" -j addr show | python3 "$TOP/tests/integration/jsonnorm.py"
		ip -n "$ns" -4 route show table all
		ip -n "$ns" -6 route show table all
	done >> "$1.raw" 2>&1
	grep -v -E '"[a-z_]*timer": |"operstate": ' "$1.raw" |
		awk '/^## / { sec = $2 }
		     (sec == "netns" || sec == "state") && NF >= 9 { print $1, $NF; next }
		     { print }' > "$1"
}
