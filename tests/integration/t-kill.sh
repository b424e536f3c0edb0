# t-kill.sh - SIGKILL at any point of apply (or destroy) of a 50-node
# star; then one `destroy --lab` must leave nothing: no namespace, pin,
# mount, link, address, route or state; or (every other trial) a new
# apply finishes the half-applied lab, as planned.  The kill points are spread over
# a measured apply by a fixed sequence, so a failure can be replayed.
# NSTOPO_KILL_TRIALS=N runs N apply trials (default 30).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"
star=$WORK/star50.yaml
gen_star 50 "$star"
trials=${NSTOPO_KILL_TRIALS:-30}
[ "$trials" -ge 30 ] 2>/dev/null || trials=30
snapshot "$WORK/before"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# delay I SPAN_MS M: the I-th kill point, in seconds, within 0..1.2*SPAN_MS
# (I * M mod 1000 walks over 0..999 for M prime to 1000)
delay() {
	awk -v i="$1" -v span="$2" -v m="$3" \
		'BEGIN { printf "%.3f", (i * m % 1000) / 1000 * span * 1.2 / 1000 }'
}
# kill_after SECONDS CMD...: run CMD, SIGKILL it after SECONDS, and wait
# until it is really gone (a process dies only when its syscall returns:
# until then it still holds the lab's lock); print CMD's exit status
kill_after() {
	d=$1; shift
	"$@" > /dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo $?
}
# journal_state: where the killed run got to, by its journal
journal_state() {
	j=/run/nstopo/star50/journal
	if [ ! -s "$j" ]; then echo none
	elif grep -qx complete "$j"; then echo complete
	else echo partial; fi
}

# Time a full apply and destroy (the faster of two) to aim the kills: the
# apply's steps (--no-wait), not its wait for the kernel afterwards, when
# the journal is complete already.
span=999999 destroy_span=999999
for _ in 1 2; do
	t0=$(now_ms)
	check "a full apply, to time it" "$NSTOPO" apply -q --no-wait "$star"
	t1=$(now_ms)
	check "a full destroy, to time it" "$NSTOPO" destroy -q --lab star50
	t2=$(now_ms)
	[ $((t1 - t0)) -lt "$span" ] && span=$((t1 - t0))
	[ $((t2 - t1)) -lt "$destroy_span" ] && destroy_span=$((t2 - t1))
done
echo "     apply takes ${span} ms, destroy ${destroy_span} ms"

none=0 partial=0 complete=0 finished=0
i=1
while [ "$i" -le "$trials" ]; do
	d=$(delay "$i" "$span" 7919)
	rc=$(kill_after "$d" "$NSTOPO" apply -q "$star")
	where=$(journal_state)
	eval "$where=\$(($where + 1))"
	desc="apply killed after ${d}s (exit $rc, journal: $where)"
	# Every other half-applied lab is finished by a new apply first.
	if [ "$where" = partial ] && [ $((i % 2)) = 0 ]; then
		out=$("$NSTOPO" apply "$star" 2>&1)
		arc=$?
		if [ $arc = 0 ] && "$NSTOPO" status -q "$star" >/dev/null 2>&1; then
			finished=$((finished + 1))
		else
			bad "trial $i: $desc: a new apply (exit $arc) did not finish the lab"
			printf '%s\n' "$out" | sed 's/^/     | /' | head -20
		fi
	fi
	out=$("$NSTOPO" destroy --lab star50 2>&1)
	drc=$?
	left=$(leftovers)
	if [ "$drc" = 0 ] && [ -z "$left" ]; then
		ok "trial $i: $desc: one destroy left nothing"
	else
		bad "trial $i: $desc: destroy exit $drc, left:"
		printf '%s\n' "$out" "$left" | sed 's/^/     | /' | head -20
		"$NSTOPO" destroy -q --lab star50 # for the next trial
	fi
	i=$((i + 1))
done
echo "     journal after the kill: none $none, partial $partial (finished by apply: $finished), complete $complete"
check "many kills hit an apply half-way" test "$partial" -ge $((trials / 3))

# Killed while destroying: a second destroy finishes the job.
i=1
while [ "$i" -le 8 ]; do
	"$NSTOPO" apply -q "$star"
	d=$(delay "$i" "$destroy_span" 379)
	rc=$(kill_after "$d" "$NSTOPO" destroy -q --lab star50)
	out=$("$NSTOPO" destroy --lab star50 2>&1)
	drc=$?
	left=$(leftovers)
	if [ "$drc" = 0 ] && [ -z "$left" ]; then
		ok "destroy killed after ${d}s (exit $rc): a second destroy left nothing"
	else
		bad "destroy killed after ${d}s (exit $rc): second destroy exit $drc, left:"
		printf '%s\n' "$out" "$left" | sed 's/^/     | /' | head -20
		"$NSTOPO" destroy -q --lab star50
	fi
	i=$((i + 1))
done
snapshot "$WORK/after"
check "host state as before" diff -u "$WORK/before" "$WORK/after"
finish
