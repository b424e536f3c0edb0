# t-concurrency.sh - runs that overlap: two applies of one lab (one
# builds it, the other is refused), apply racing destroy (up and intact,
# or fully gone), two different labs at once (both up, both intact).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
star=$WORK/star50.yaml
gen_star 50 "$star"
"$NSTOPO" plan --json "$star" > "$WORK/star.json"
snapshot "$WORK/before"

# on_go NAME CMD...: start CMD in the background, blocked on a fifo
# until `go`; its output and exit status go to $WORK/NAME.out, NAME.rc
waiting=""
on_go() {
	name=$1; shift
	[ -p "$WORK/go" ] || mkfifo "$WORK/go"
	(read -r _ < "$WORK/go"
	 "$@" > "$WORK/$name.out" 2>&1
	 echo $? > "$WORK/$name.rc") &
	waiting="$waiting $!"
}
# go: release all waiting commands at once, wait until they are done
go() {
	sleep 0.2 # they are all blocked opening the fifo by now
	echo go > "$WORK/go"
	wait $waiting
	waiting=""
	rm -f "$WORK/go"
}
# rcs: the exit statuses of a and b
rcs() {
	echo "$(cat "$WORK/a.rc") $(cat "$WORK/b.rc")"
}

# Two applies of one lab.
round=1
while [ "$round" -le 3 ]; do
	on_go a "$NSTOPO" apply "$star"
	on_go b "$NSTOPO" apply "$star"
	go
	rcs=$(rcs)
	built=$(cat "$WORK/a.out" "$WORK/b.out" | grep -c "lab star50 is up:")
	refused=$(cat "$WORK/a.out" "$WORK/b.out" |
		grep -c -E "busy|locked|already up")
	desc="two applies, round $round (exit $rcs)"
	if [ "$built" = 1 ] && [ "$refused" = 1 ] &&
		{ [ "$rcs" = "0 1" ] || [ "$rcs" = "1 0" ]; }; then
		ok "$desc: one built the lab, the other was refused"
	else
		bad "$desc: built $built, refused $refused"
		cat "$WORK/a.out" "$WORK/b.out" | sed 's/^/     | /'
	fi
	check "$desc: the lab is as planned" verify.py "$WORK/star.json"
	check "$desc: destroy" "$NSTOPO" destroy -q --lab star50
	check_clean "$desc: nothing left"
	round=$((round + 1))
done

# apply racing destroy: the destroy starts 0..0.4 s later (an apply of
# the star takes ~0.1 s), so it finds the lab locked, or up.
for d in 0 0.02 0.05 0.1 0.2 0.4; do
	on_go a "$NSTOPO" apply "$star"
	on_go b sh -c "sleep $d; exec \"\$0\" destroy --lab star50" "$NSTOPO"
	go
	rcs=$(rcs)
	desc="apply racing destroy ${d}s later (exit $rcs)"
	if [ -e /run/nstopo/star50/journal ]; then
		check "$desc: ended up: as planned" verify.py "$WORK/star.json"
		check "$desc: ... and destroy removes it" \
			"$NSTOPO" destroy -q --lab star50
	else
		check "$desc: ended gone: nothing of the lab left" \
			verify.py --gone "$WORK/star.json"
	fi
	check_clean "$desc: nothing left in the end"
done

# A destroy of a lab that is not up takes the lock, then removes the lock
# file and its directory: an apply that opened the file just before must
# not think it holds the lab's lock (it would find no directory for its
# journal, or share it with a third run).  Every apply here either takes
# the lock (and fails at its injected fault) or is told the lab is busy.
spec=tests/integration/labs/spec-example.yaml
round=1 odd=0
while [ "$round" -le 200 ]; do
	"$NSTOPO" destroy -q --lab lab1 > /dev/null 2>&1 &
	"$NSTOPO" destroy -q --lab lab1 > /dev/null 2>&1 &
	NSTOPO_FAULT_AT=1 "$NSTOPO" apply "$spec" > "$WORK/a.out" 2>&1
	wait
	if ! grep -q -E "fault injected|is busy" "$WORK/a.out"; then
		odd=$((odd + 1))
		sed 's/^/     | /' "$WORK/a.out"
	fi
	round=$((round + 1))
done
check_eq "apply racing destroys of an absent lab: always locked or busy" \
	0 "$odd"
check_clean "apply racing destroys of an absent lab: nothing left"

# Two different labs (names, namespace prefixes, host links) at once.
gen_star 30 "$WORK/a.yaml" para-a
gen_star 30 "$WORK/b.yaml" para-b
sed -i -e 's/^bridges:/namespace-prefix: "a-"\nbridges:/' "$WORK/a.yaml"
sed -i -e 's/^bridges:/namespace-prefix: "b-"\nbridges:/' \
	-e 's/br0/br1/' -e 's/\bh\([0-9]\)/n\1/g' "$WORK/b.yaml"
"$NSTOPO" plan --json "$WORK/a.yaml" > "$WORK/a.json"
"$NSTOPO" plan --json "$WORK/b.yaml" > "$WORK/b.json"
on_go a "$NSTOPO" apply "$WORK/a.yaml"
on_go b "$NSTOPO" apply "$WORK/b.yaml"
go
check_eq "two labs in parallel: both applies succeed" "0 0" "$(rcs)"
check "two labs in parallel: para-a as planned" verify.py "$WORK/a.json"
check "two labs in parallel: para-b as planned" verify.py "$WORK/b.json"
check "a node of para-a reaches another" \
	ip netns exec a-h1 ping -c1 -W2 -q 10.100.0.2
on_go a "$NSTOPO" destroy --lab para-a
on_go b "$NSTOPO" destroy --lab para-b
go
check_eq "two labs in parallel: both destroys succeed" "0 0" "$(rcs)"
check_clean "two labs in parallel: nothing left"
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"
finish
