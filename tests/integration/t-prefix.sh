# t-prefix.sh - instances of one lab side by side (--prefix P,
# $NSTOPO_PREFIX): four runs of the same file at once, each with its own
# namespaces, host bridge and host link ends, all pass and leave nothing;
# without a prefix the second copy is refused as before; status, exec and
# destroy reach the instance they name; bad prefixes are refused.
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

lab=$WORK/fix.yaml
cat > "$lab" <<'EOF'
name: fix
nodes:
  h1:
    interfaces:
      eth0: {addresses: [10.0.0.1/24]}
      eth1: {addresses: [10.0.1.1/24]}
  h2:
    interfaces:
      eth0: {addresses: [10.0.0.2/24]}
      eth1: {addresses: [10.0.1.2/24]}
  host:
    interfaces:
      hv-a-long-name: {addresses: [10.0.2.254/24]}
bridges:
  br-fix: {}
links:
  - [h1:eth0, h2:eth0]
  - [h1:eth1, br-fix]
  - [h2:eth1, br-fix:h2port]
  - [host:hv-a-long-name, h1:eth2]
EOF
export NSTOPO
unset NSTOPO_PREFIX NSTOPO_LAB

snapshot "$WORK/before"

# What plan shows is what is made: the instance's names.
out=$("$NSTOPO" plan --prefix p1 "$lab")
check_match "plan: the instance's namespaces" '^\+ netns add p1-h1$' "$out"
check_match "plan: the host bridge renamed" \
	'^\+ link add p1-br-fix type bridge @host$' "$out"
check_match "plan: a port of it renamed" 'peer p1-h2port netns host @p1-h2$' "$out"
check_match "plan: a derived port named after the instance's namespace" \
	'peer p1-h1-eth1 netns host @p1-h1$' "$out"
check_match "plan: a long host name shortened with a hash" \
	'peer p1-hv-a-[0-9a-f]{6} netns host @p1-h1$' "$out"
long=$(printf '%s\n' "$out" | sed -n 's/.*peer \(p1-hv-a-[0-9a-f]*\) netns host.*/\1/p')
# the head "p1-hv-a-" without its trailing '-'
check_eq "plan: the hashed name is the head and 7 bytes" 14 "${#long}"
check_match "plan: the host's address on the renamed interface" \
	"^\\+ addr add 10.0.2.254/24 dev $long @host\$" "$out"
out2=$("$NSTOPO" plan --prefix p1 "$lab")
check_eq "plan: the names are the same every time" "$out" "$out2"
check_match "validate: names the instance" \
	'valid: lab fix@p1, 2 nodes' "$("$NSTOPO" validate --prefix p1 "$lab")"

# Four runs of the same file at once.  Each command waits until all four
# labs are up together, then checks its own.
cat > "$WORK/probe.sh" <<'EOF'
w=$1 me=$2
touch "$w/up.$me"
i=0
while [ "$(ls "$w" | grep -c '^up\.')" -lt 4 ] && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
ls "$w" | grep -c '^up\.' > "$w/seen.$me"
{
	echo "lab=$NSTOPO_LAB prefix=$NSTOPO_PREFIX"
	ip netns list | grep -c "^$me-" 
	ip -d link show "$me-br-fix" | grep -o "alias nstopo:[^ ]*"
	"$NSTOPO" exec h1 -- ping -c1 -W2 10.0.0.2 >/dev/null && echo "veth ok"
	"$NSTOPO" exec h1 -- ping -c1 -W2 10.0.1.2 >/dev/null && echo "bridge ok"
	ping -c1 -W2 10.0.2.1 >/dev/null 2>&1 || echo "host not routed"
	"$NSTOPO" status -q; echo "status=$?"
} > "$w/out.$me" 2>&1
EOF
mkdir "$WORK/par"
for p in p1 p2 p3 p4; do
	"$NSTOPO" run --prefix "$p" "$lab" -- sh "$WORK/probe.sh" "$WORK/par" "$p" \
		> "$WORK/par.log.$p" 2>&1 &
	eval "pid_$p=\$!"
done
for p in p1 p2 p3 p4; do
	eval "wait \$pid_$p"
	rc=$?
	check_eq "4 at once: run --prefix $p exits 0" 0 "$rc"
	[ "$rc" = 0 ] || sed 's/^/     | /' "$WORK/par.log.$p"
	check_eq "4 at once: $p saw all four labs up" 4 "$(cat "$WORK/par/seen.$p" 2>/dev/null)"
	o=$(cat "$WORK/par/out.$p" 2>/dev/null)
	check_match "4 at once: $p: NSTOPO_LAB and NSTOPO_PREFIX" \
		"^lab=fix@$p prefix=$p\$" "$o"
	check_match "4 at once: $p: two namespaces of its own" '^2$' "$o"
	check_match "4 at once: $p: its host bridge carries its mark" \
		"^alias nstopo:fix@$p/$p-br-fix\$" "$o"
	check_match "4 at once: $p: exec reaches its nodes (veth)" '^veth ok$' "$o"
	check_match "4 at once: $p: through its host bridge" '^bridge ok$' "$o"
	check_match "4 at once: $p: status of its own lab is clean" '^status=0$' "$o"
	check_match "4 at once: $p: said up and down" \
		"nstopo run: lab fix@$p is down" "$(cat "$WORK/par.log.$p")"
done
check_clean "4 at once: nothing left"

# Without a prefix, a second copy is refused, as ever.
mkdir "$WORK/one"
"$NSTOPO" run "$lab" -- sh -c 'touch "$0/up"; while [ ! -e "$0/go" ]; do sleep 0.05; done' \
	"$WORK/one" > "$WORK/one.log" 2>&1 &
first=$!
i=0
while [ ! -e "$WORK/one/up" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
"$NSTOPO" run "$lab" -- true > "$WORK/two.log" 2>&1
check_eq "no prefix: the second run of the lab fails (125)" 125 $?
check_match "no prefix: ...because the lab is up (and the first run's)" \
	'lab fix (is already up: run needs a lab of its own|is busy: another nstopo \(pid [0-9]+\) is changing it)' \
	"$(cat "$WORK/two.log")"
sed 's/^name: fix$/name: fix2/' "$lab" > "$WORK/fix2.yaml"
"$NSTOPO" apply "$WORK/fix2.yaml" > "$WORK/three.log" 2>&1
check_eq "no prefix: a copy under another name fails (1)" 1 $?
check_match "no prefix: ...on the namespace that exists" \
	'namespace h1 already exists .* and is not part of lab fix2: nothing was changed' \
	"$(cat "$WORK/three.log")"
check "with a prefix, the copy goes up beside it" \
	"$NSTOPO" -q run --prefix p9 "$lab" -- "$NSTOPO" exec h1 -- true
touch "$WORK/one/go"
wait "$first"
check_eq "no prefix: the first run passes" 0 $?
check_clean "no prefix: nothing left"

# status, exec and destroy reach the instance they name.
check "apply --prefix p1" "$NSTOPO" -q apply --prefix p1 "$lab"
check "apply --prefix p2" "$NSTOPO" -q apply --prefix p2 "$lab"
check "apply (no prefix) beside them" "$NSTOPO" -q apply "$lab"
check_match "list: the three labs" '^fix +up.*fix@p1 +up.*fix@p2 +up' \
	"$("$NSTOPO" list | grep -v '^LAB' | sort | tr '\n' ' ')"
check_eq "exec --prefix p2: in p2's node" "fix@p2 h1" \
	"$("$NSTOPO" exec --prefix p2 h1 -- sh -c 'echo "$NSTOPO_LAB $NSTOPO_NODE"')"
check_eq "exec --prefix p2: in p2's namespace" "p2-h1" \
	"$("$NSTOPO" exec --prefix p2 h1 -- ip netns identify)"
check_eq "exec --lab fix --prefix p1: the instance" "p1-h1" \
	"$("$NSTOPO" exec --lab fix --prefix p1 h1 -- ip netns identify)"
check_eq "exec --lab fix@p2" "p2-h1" \
	"$("$NSTOPO" exec --lab fix@p2 h1 -- ip netns identify)"
out=$("$NSTOPO" exec --lab fix@p2 --prefix p1 h1 -- true 2>&1)
check_eq "exec --lab of another prefix: 125" 125 $?
check_match "...says so" "lab 'fix@p2' is not an instance of prefix 'p1'" "$out"
ip -n p2-h2 link set eth0 down
"$NSTOPO" status -q --prefix p2 "$lab"
check_eq "status --prefix p2 FILE: its drift (3)" 3 $?
"$NSTOPO" status -q --prefix p1 "$lab"
check_eq "status --prefix p1 FILE: as planned (0)" 0 $?
"$NSTOPO" status -q --prefix p1
check_eq "status --prefix p1: the only lab of p1 (0)" 0 $?
"$NSTOPO" status -q "$lab"
check_eq "status FILE: the lab itself (0)" 0 $?
out=$("$NSTOPO" status --prefix p3 2>&1)
check_eq "status --prefix p3: no such lab (4)" 4 $?
check_match "...says so" 'no lab is up with prefix p3' "$out"
check_match "destroy --prefix p1 FILE: that instance" \
	'^lab fix@p1 is down: 2 namespaces, 4 host links' \
	"$("$NSTOPO" destroy --prefix p1 "$lab")"
check_eq "...the others stay" "fix fix@p2" \
	"$("$NSTOPO" list --json | python3 -c 'import json,sys; print(" ".join(sorted(l["lab"] for l in json.load(sys.stdin))))')"
check "...p2's namespaces stay" test -e /run/netns/p2-h1
check "...the lab's own stay" test -e /run/netns/h1
check "destroy --prefix p2 --lab fix" "$NSTOPO" -q destroy --prefix p2 --lab fix
check "destroy FILE: the lab itself" "$NSTOPO" -q destroy "$lab"
check_clean "status, exec, destroy: nothing left"

# NSTOPO_PREFIX, and --prefix over it.
check "NSTOPO_PREFIX=p3 apply" env NSTOPO_PREFIX=p3 "$NSTOPO" -q apply "$lab"
check "...made p3's namespaces" test -e /run/netns/p3-h1
check_match "NSTOPO_PREFIX=p3 status" '^lab fix@p3: as planned' \
	"$(NSTOPO_PREFIX=p3 "$NSTOPO" status)"
check_eq "NSTOPO_PREFIX=p3 exec" "p3-h2" \
	"$(NSTOPO_PREFIX=p3 "$NSTOPO" exec h2 -- ip netns identify)"
check_match "--prefix p4 wins over NSTOPO_PREFIX=p3" 'lab fix@p4 is not up' \
	"$(NSTOPO_PREFIX=p3 "$NSTOPO" status --prefix p4 "$lab")"
check_match "--prefix= (empty) means none, over NSTOPO_PREFIX" 'lab fix is not up' \
	"$(NSTOPO_PREFIX=p3 "$NSTOPO" status --prefix= "$lab")"
out=$(NSTOPO_PREFIX=p3 "$NSTOPO" run --prefix= "$lab" -- sh -c 'echo "${NSTOPO_PREFIX-unset} $NSTOPO_LAB"' 2>/dev/null)
check_eq "run --prefix= gives its command no NSTOPO_PREFIX" "unset fix" "$out"
check "NSTOPO_PREFIX=p3 destroy" env NSTOPO_PREFIX=p3 "$NSTOPO" -q destroy "$lab"
check_clean "NSTOPO_PREFIX: nothing left"

# Bad prefixes: refused before anything is made.
# bad_prefix DESC WANT CMD...: exit 2, WANT in the message
bad_prefix() {
	d=$1 want=$2
	shift 2
	out=$("$@" 2>&1)
	check_eq "$d: exit 2" 2 $?
	check_match "$d: says why" "$want" "$out"
}
bad_prefix "too long" "prefix 'abcdefghijklm' is longer than 12 characters" \
	"$NSTOPO" apply --prefix abcdefghijklm "$lab"
bad_prefix "upper case" "prefix 'P1' may hold only a-z and 0-9" \
	"$NSTOPO" run --prefix P1 "$lab" -- true
bad_prefix "a dash" "prefix 'ci-1' may hold only a-z and 0-9" \
	"$NSTOPO" plan --prefix ci-1 "$lab"
bad_prefix "a slash" "prefix 'a/b' may hold only a-z and 0-9" \
	"$NSTOPO" destroy --prefix a/b "$lab"
bad_prefix "from NSTOPO_PREFIX" \
	"prefix 'x_y' \\(from \\\$NSTOPO_PREFIX\\) may hold only a-z and 0-9" \
	env NSTOPO_PREFIX=x_y "$NSTOPO" status "$lab"
bad_prefix "exec, after the node" "prefix 'A' may hold only a-z and 0-9" \
	"$NSTOPO" exec h1 --prefix A -- true
bad_prefix "not for graph" "option '--prefix' does not apply" \
	"$NSTOPO" graph --prefix p1 "$lab"
check_clean "bad prefixes: nothing made"

snapshot "$WORK/after"
check "the sandbox's host is as before" diff "$WORK/before" "$WORK/after"
finish
