#!/bin/sh
# run.sh NSTOPO - `make bench`: time apply and destroy of the benchmark
# "star" topology (gen-star.sh: bridge br0, nodes h1..hN) for N = 10, 100,
# 1000 with four tools, inside a private sandbox it makes itself:
#
#   nstopo     nstopo apply -q FILE / nstopo destroy -q --lab NAME
#   floor      bench/floor (floor.c): raw libnl, the lower bound; it applies
#              and destroys in one process and reports both times itself
#   ip-batch   one `ip -batch` in the host + one `ip -n hI -batch` per node
#   ip-single  one `ip` process per operation          (both: gen-ip.sh)
#
# Each figure is the median of ROUNDS (3) runs (the usable times up to
# N=100: of USABLE_ROUNDS, 11, below); within a round every tool
# runs once and the order rotates from round to round, so no tool is always
# first.  After every destroy the bench waits until the kernel has really
# finished -- /proc/slabinfo net_namespace active_objs back to its value
# before apply, or, since kernel 6.18 can keep counting freed namespaces
# until the sandbox ends, the whole machine idle for 0.5 s, its clean-up
# work done (measure.py waitslab) -- and reports that time as "kernel
# done", measured from the start of destroy; the next run starts only then.  nstopo's peak RSS is
# getrusage(RUSAGE_CHILDREN) around its apply (measure.py).  Before the
# timed runs, each tool's N=10 lab is checked once: namespaces exist, h1
# pings h2 over IPv4 and IPv6, and `nstopo status` exits 0.
#
# BIG=1 adds 10,000-node labs of four shapes (and the same at 1,000 for
# the growth per node): a star of bridges (gen-big.sh), a routed campus
# (gen-campus.sh), routers with a thousand interfaces each (gen-hub.sh)
# and a ring of veth pairs between the nodes themselves (gen-ring.sh):
# nstopo apply, a probe across, status (no drift), destroy, nothing left
# afterwards, peak RSS of each; under ulimit -S -n 1024.
#
# Environment: BIG=1 (BIG_N=10000: its large size); TOOLS (default all four); ROUNDS=3; USABLE_ROUNDS=11 (the usable times up to N=100); SIZES="10 100 1000"; IP_SINGLE_MAX=1000
# (largest N for ip-single).  The table goes to stdout and to
# bench/out/results-DATE.md, the runs one by one to bench/out/raw-DATE.txt.
# Runtime on 2 cores: a few minutes (466 s with BIG=1 on 2026-12-02); the ip tools at
# N=1000 are most of it (ip-single: 40-60 s per apply, ip destroy ~25 s).
#
# The kernel-done figure reads a machine-wide counter: another process
# making or freeing namespaces at the same time (a test suite) shows up as
# "timeout" or "disturbed" in the table.  The apply/destroy figures only
# suffer from the CPU it takes.
set -eu
bin=${1:?usage: run.sh NSTOPO}
top=$(cd "$(dirname "$0")/.." && pwd)

# lab_ok: the N=10 star is up: its 10 namespaces are pinned, and h1
# reaches h2 over IPv4 and IPv6.  Says what is wrong on stderr.
lab_ok() {
	i=1
	while [ "$i" -le 10 ]; do
		[ -e "/run/netns/h$i" ] || { echo "h$i missing" >&2; return 1; }
		i=$((i + 1))
	done
	ip netns exec h1 ping -q -c 1 -w 3 10.100.0.2 >/dev/null ||
		{ echo "IPv4 ping h1 -> h2 failed" >&2; return 1; }
	ip netns exec h1 ping -q -c 1 -w 3 fd00::2 >/dev/null ||
		{ echo "IPv6 ping h1 -> h2 failed" >&2; return 1; }
}

if [ "${NSTOPO_IN_SANDBOX:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "bench: needs root (it makes network namespaces, in a sandbox)" >&2
		exit 1
	fi
	exec "$top/scripts/sandbox.sh" "$0" "$@"
fi

# stamp: the time now, for usable() and its T0, in seconds: date(1) (a
# millisecond to run), not measure.py (a Python start, tens of
# milliseconds, inside the interval measured).
stamp() { date +%s.%N; }

# usable N T0: wait until the star is usable end to end -- h(N-1) reaches
# hN over IPv6 and IPv4, and hN reaches h1 over IPv6 -- and print the
# seconds since T0 (a stamp), or "timeout" after 60 s.
usable() {
	n=$1 t0=$2
	a=$((n - 1))
	last6=fd00::$(printf %x "$n")
	last4=10.$((100 + n / 65536)).$((n / 256 % 256)).$((n % 256))
	until ip netns exec "h$a" ping -q -c 1 -W 1 "$last6" >/dev/null 2>&1 &&
		ip netns exec "h$n" ping -q -c 1 -W 1 fd00::1 >/dev/null 2>&1 &&
		ip netns exec "h$a" ping -q -c 1 -W 1 "$last4" >/dev/null 2>&1; do
		[ "$(python3 bench/measure.py sub "$(stamp)" "$t0" | cut -d. -f1)" -lt 60 ] ||
			{ echo timeout; return; }
	done
	t1=$(stamp)
	python3 bench/measure.py sub "$t1" "$t0"
}

# floor-check calls back here between floor's apply and destroy.
[ "$1" = --lab-ok ] && { lab_ok; exit; }
[ "$1" = --usable ] && { cd "$top"; usable "$2" "$3" >"$4"; exit; }

cd "$top"
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-10 100 1000}
IP_SINGLE_MAX=${IP_SINGLE_MAX:-1000}
BIG=${BIG:-}
BIG_N=${BIG_N:-10000} # the large size of BIG=1 (a multiple of 1000)
TOOLS=${TOOLS:-nstopo floor ip-batch ip-single}

m() { python3 bench/measure.py "$@"; }
say() { printf '%s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

t_begin=$(m now)
load_begin=$(cut -d' ' -f1-3 /proc/loadavg)
stamp=$(date +%Y-%m-%d-%H%M%S)
mkdir -p bench/out
md=bench/out/results-$stamp.md
raw=bench/out/raw-$stamp.txt
work=bench/out/work-$stamp
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
: >"$raw"

# A copy of nstopo, so a rebuild during the bench cannot mix two versions.
cp "$bin" "$work/nstopo"
bin_given=$bin
bin=$work/nstopo

# floor, and floor-check (floor with a hook between apply and destroy).
nl_flags=$(pkg-config --cflags --libs libnl-route-3.0)
cc -O2 -o bench/floor bench/floor.c $nl_flags
cc -O2 -o "$work/floor-check" bench/floor.c bench/floor-hook.c \
	-Wl,--wrap=umount2 $nl_flags

# ---- waiting for the kernel ---------------------------------------------

# settle TARGET DSTART TIMEOUT: wait until net_namespace active_objs is
# down to TARGET, i.e. the kernel has freed the namespaces, or until the
# machine is idle again (measure.py waitslab); set K to the seconds from
# DSTART (start of destroy) until then ("S*" if the count fell below
# TARGET, so another process freed some too), or "timeout".
# Whatever the slab says, also wait until the sandbox holds no link or
# pinned namespace any more (floor leaves its veths to the kernel).
settle() {
	if k_at=$(m waitslab "$1" "$3"); then
		set -- "$@" $k_at
		K=$(m sub "$4" "$2")
		# Below the target: someone else freed namespaces meanwhile.
		[ "$5" -ge "$1" ] || K="$K*"
	else
		K=timeout
		say "   (net_namespace count still above $1 after $3 s:" \
			"$(m slab) now; another process making namespaces?)"
	fi
	i=0
	while [ "$(ip -o link show | wc -l)" -gt 1 ] ||
		[ -n "$(ls /run/netns 2>/dev/null)" ]; do
		i=$((i + 1))
		[ "$i" -le 600 ] || die "links or namespaces left behind: $(ip -o link show | head -n 3)"
		sleep 0.1
	done
}

kernel_timeout() { echo $((5 + $1 / 50)); }

# scrub: after a tool failed, remove whatever it left in the sandbox (lab
# namespaces, links, nstopo's state), so the next run starts clean.
scrub() {
	k=$(ls /run/netns 2>/dev/null | wc -l)
	pre=$(m slab)
	ip -all netns delete >/dev/null 2>&1 || true
	for l in $(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
		[ "$l" = lo ] || ip link del "$l" >/dev/null 2>&1 || true
	done
	rm -rf /run/nstopo
	settle $((pre - k)) "$(m now)" 30
}

# ---- one timed run per tool; each sets A D K R, or returns 1 ---------------
#
# The kernel is done when the count is back to its value before apply.  For
# the tools whose destroy is a separate command, that value is taken as the
# count just before destroy minus N: the same thing when nothing else makes
# namespaces, and it discounts those another process made meanwhile.

run_nstopo() { # N
	# --no-wait: returns at the last acknowledgement, as floor does (the
	# time until usable is measured apart, below).
	r=$(m run "$bin" apply -q --no-wait "$work/star$1.yaml") || { say "nstopo apply N=$1 failed"; return 1; }
	set -- "$1" $r
	A=$4 R=$5
	pre=$(m slab)
	r=$(m run "$bin" destroy -q --lab "star$1") || { say "nstopo destroy N=$1 failed"; return 1; }
	set -- "$1" $r
	D=$4
	settle $((pre - $1)) "$2" "$(kernel_timeout "$1")"
}

run_floor() { # N
	base=$(m slab)
	r=$(m run -o "$work/floor.out" bench/floor "$1") || { say "floor N=$1 failed"; return 1; }
	set -- "$1" $r
	R=$5
	# floor prints "floor n=N apply_s=A destroy_s=D"
	A=$(sed -n 's/^floor .*apply_s=\([0-9.]*\).*/\1/p' "$work/floor.out")
	D=$(sed -n 's/^floor .*destroy_s=\([0-9.]*\).*/\1/p' "$work/floor.out")
	# floor's destroy ended as it exited: it began D seconds before.
	settle "$base" "$(m sub "$3" "$D")" "$(kernel_timeout "$1")"
}

run_ip() { # N MODE
	r=$(m run sh "$work/ip-$2-apply-$1.sh") || { say "ip-$2 apply N=$1 failed"; return 1; }
	set -- "$1" "$2" $r
	A=$5 R=$6
	pre=$(m slab)
	r=$(m run sh "$work/ip-$2-destroy-$1.sh") || { say "ip-$2 destroy N=$1 failed"; return 1; }
	set -- "$1" "$2" $r
	D=$5
	settle $((pre - $1)) "$3" "$(kernel_timeout "$1")"
}

run_tool() { # TOOL N
	case $1 in
	nstopo) run_nstopo "$2" ;;
	floor) run_floor "$2" ;;
	ip-batch) run_ip "$2" batch ;;
	ip-single) run_ip "$2" single ;;
	esac
}

# ---- correctness, once per tool at N=10 ----------------------------------

check_tool() { # TOOL
	base=$(m slab)
	case $1 in
	nstopo)
		"$bin" apply -q "$work/star10.yaml" || return 1
		lab_ok || return 1
		"$bin" status -q "$work/star10.yaml" >/dev/null || { echo "nstopo status: exit $?"; return 1; }
		"$bin" destroy -q --lab star10 || return 1 ;;
	floor)
		FLOOR_CHECK="'$top/bench/run.sh' --lab-ok" \
			"$work/floor-check" 10 >/dev/null || return 1 ;;
	ip-batch | ip-single)
		mode=${1#ip-}
		sh "$work/ip-$mode-apply-10.sh" || return 1
		lab_ok || return 1
		sh "$work/ip-$mode-destroy-10.sh" || return 1 ;;
	esac
	settle "$base" "$(m now)" 15
}

# ---- the run ------------------------------------------------------------

say "bench: nstopo=$bin_given rounds=$ROUNDS sizes=$SIZES big=${BIG:-0} ($(nproc) cores, load $load_begin)"
for n in $SIZES; do
	sh bench/gen-star.sh "$n" >"$work/star$n.yaml"
	for mode in batch single; do
		sh bench/gen-ip.sh "$n" $mode apply >"$work/ip-$mode-apply-$n.sh"
		sh bench/gen-ip.sh "$n" $mode destroy >"$work/ip-$mode-destroy-$n.sh"
	done
done
[ -f "$work/star10.yaml" ] || {
	sh bench/gen-star.sh 10 >"$work/star10.yaml"
	for mode in batch single; do
		sh bench/gen-ip.sh 10 $mode apply >"$work/ip-$mode-apply-10.sh"
		sh bench/gen-ip.sh 10 $mode destroy >"$work/ip-$mode-destroy-10.sh"
	done
}

checks=""
for tool in $TOOLS; do
	if why=$(check_tool "$tool" 2>&1); then
		checks="$checks $tool=PASS"
	else
		checks="$checks $tool=FAIL"
		say "check $tool at N=10 failed: $why"
		scrub
	fi
done
say "check at N=10 (namespaces, IPv4+IPv6 ping h1->h2, nstopo status):$checks"

# rotate K WORDS...: WORDS rotated left by K.
rotate() {
	k=$1
	shift
	while [ "$k" -gt 0 ]; do
		x=$1
		shift
		set -- "$@" "$x"
		k=$((k - 1))
	done
	echo "$@"
}

ntools=$(echo $TOOLS | wc -w)
for n in $SIZES; do
	round=1
	while [ "$round" -le "$ROUNDS" ]; do
		for tool in $(rotate $(((round - 1) % ntools)) $TOOLS); do
			[ "$tool" = ip-single ] && [ "$n" -gt "$IP_SINGLE_MAX" ] && continue
			if run_tool "$tool" "$n"; then
				echo "$n $tool $round $A $D $K $R" >>"$raw"
				say "$(printf 'N=%-5s round %s %-9s apply %8.3f s  destroy %7.3f s  kernel done %s' \
					"$n" "$round" "$tool" "$A" "$D" "$K")"
			else
				echo "$n $tool $round failed" >>"$raw"
				scrub
			fi
		done
		round=$((round + 1))
	done
done

# ---- time until the lab is usable -----------------------------------------
#
# A tool's apply returning is not the lab working: the kernel finishes
# some of the work (carrier, IPv6 start-up, multicast groups) in its own
# workers afterwards.  nstopo apply waits for exactly that by default and
# returns once the lab is usable; floor returns at the last
# acknowledgement.  So, ROUNDS times per tool and N, the two taking turns
# at going first: seconds from the start of apply until the last nodes
# reach each other and the first over IPv4 and IPv6 (polled with ip netns
# exec ping from inside, as the check does, so a few tens of ms are the
# poll's own), and when apply returned; the table has the medians (one
# run of a small lab is mostly noise).  Up to N=100, where a run takes a
# second or two but its 20-70 ms swing by a tenth from run to run (three
# runs at N=10 gave ratios from 0.95 to 1.03), at least USABLE_ROUNDS (11)
# times.

# rounds_usable N: how many rounds the usable times of N take.
rounds_usable() {
	if [ "$1" -le 100 ] && [ "$ROUNDS" -lt "${USABLE_ROUNDS:-11}" ]; then
		echo "${USABLE_ROUNDS:-11}"
	else
		echo "$ROUNDS"
	fi
}

usable_md=$work/usable.md
{
	echo
	echo "## Time until the lab is usable (the headline; median of $(rounds_usable 10) runs each at N <= 100, $ROUNDS above, from the start of apply)"
	echo
	echo "| N | nstopo usable s | floor usable s | nstopo/floor | nstopo apply returned s | floor apply returned s | nstopo usable min-max s | floor usable min-max s |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$usable_md"
for n in $SIZES; do
	nus="" nas="" fus="" fas=""
	round=1
	while [ "$round" -le "$(rounds_usable "$n")" ]; do
		# nstopo and floor take turns at going first.
		for tool in $(rotate $(((round - 1) % 2)) nstopo floor); do
			if [ "$tool" = nstopo ]; then
				t0=$(stamp)
				"$bin" apply -q "$work/star$n.yaml" || die "nstopo apply N=$n failed"
				ta=$(stamp)
				nus="$nus $(usable "$n" "$t0")"
				nas="$nas $(m sub "$ta" "$t0")"
				pre=$(m slab)
				"$bin" destroy -q --lab "star$n" || die "nstopo destroy N=$n failed"
				settle $((pre - n)) "$(m now)" "$(kernel_timeout "$n")"
			else
				base=$(m slab)
				rm -f "$work/usable.out"
				t0=$(stamp)
				FLOOR_CHECK="'$top/bench/run.sh' --usable $n $t0 '$work/usable.out'" \
					"$work/floor-check" "$n" >"$work/floor.out" || true
				fas="$fas $(sed -n 's/^floor .*apply_s=\([0-9.]*\).*/\1/p' "$work/floor.out")"
				fus="$fus $(cat "$work/usable.out" 2>/dev/null || echo '?')"
				settle "$base" "$(m now)" "$(kernel_timeout "$n")"
			fi
		done
		round=$((round + 1))
	done
	nu=$(m median $nus) na=$(m median $nas) fu=$(m median $fus) fa=$(m median $fas)
	ratio=$(python3 -c "import sys
try: print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')
except (ValueError, ZeroDivisionError): print('-')" "$nu" "$fu")
	printf '| %s | %.3f | %.3f | %s | %.3f | %.3f | %s | %s |\n' "$n" "$nu" "$fu" "$ratio" "$na" "$fa" \
		"$(m minmax $nus)" "$(m minmax $fus)" >>"$usable_md"
	say "$(printf 'N=%-5s usable: nstopo %s (returned %.3f); floor %s (returned %s); ratio %s' \
		"$n" "$nu" "$na" "$fu" "$fa" "$ratio")"
done

# ---- report -------------------------------------------------------------

{
	echo "# nstopo bench $stamp"
	echo
	echo "nstopo: \`$bin_given\` ($("$bin" --version 2>&1 | head -n 1)," \
		"git $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'))," \
		"kernel $(uname -r), $(nproc) cores, load average at start $load_begin," \
		"at the end of the star runs $(cut -d' ' -f1-3 /proc/loadavg);" \
		"star topology (gen-star.sh), median of $ROUNDS rounds, tool order rotating."
	echo
	echo "check at N=10:$checks"
	echo
} >"$md"
say ""
cat "$usable_md" >>"$md"
cat "$md"
m report "$raw" "$md"

# ---- BIG=1: 10,000 nodes, four shapes, and the same at 1,000 ---------------
#
# star: N nodes on N/1000 bridges of 1000 ports in the host (gen-big.sh).
# campus: N/1000 routers on a core bridge, each with a LAN bridge of its
# own holding 1000 hosts with default routes via it (gen-campus.sh).
# hub: N/1000 routers on a core bridge, each with 999 hosts on veths of
# their own (gen-hub.sh): a thousand interfaces in one namespace.
# ring: N nodes in a ring of veth pairs with N/5 chords across it
# (gen-ring.sh): no bridge, every pair between two of the lab's namespaces.
# For each: apply (returns when usable), a probe across the lab right
# after (it must pass at once), status (no drift), destroy, the kernel
# done, nothing left, nstopo's peak RSS; at 1,000 and at 10,000 nodes,
# with the growth per node between them.  nstopo runs under the soft
# open-files limit of 1024 (ulimit -S -n 1024), as on most machines.

# big_probe SHAPE N: one ping of each family across the lab, 1 s timeout.
big_probe() {
	case $1 in
	star)
		# the first and the last node of the last bridge
		nb=$(($2 / 1000)) last=$2
		b=$(((last - 1) % nb)) j=$(((last - 1) / nb + 1))
		ip netns exec "h$nb" ping -c1 -W1 "10.$((100 + b)).$((j / 256)).$((j % 256))" >/dev/null 2>&1 &&
			ip netns exec "h$nb" ping -6 -c1 -W1 "fd00:$(printf %x $((b + 1)))::$(printf %x "$j")" >/dev/null 2>&1 ;;
	campus)
		# the first host of the first LAN to the last host of the last
		nr=$(($2 / 1000)) k=1001
		ip netns exec h1-1 ping -c1 -W1 "10.$nr.$((k / 256)).$((k % 256))" >/dev/null 2>&1 &&
			ip netns exec h1-1 ping -6 -c1 -W1 "fd10:$(printf %x "$nr")::$(printf %x "$k")" >/dev/null 2>&1 ;;
	hub)
		# the first host of the first router to the last of the last
		nr=$(($2 / 1000)) b=3996
		ip netns exec h1-1 ping -c1 -W1 "10.$nr.$((b / 256)).$((b % 256 + 2))" >/dev/null 2>&1 &&
			ip netns exec h1-1 ping -6 -c1 -W1 "fd40:$(printf %x "$nr"):3e7::2" >/dev/null 2>&1 ;;
	ring)
		# the last node to the first, over the pair that closes the ring
		i=$((2 * $2 - 1))
		ip netns exec "n$2" ping -c1 -W1 "10.$((64 + i / 65536)).$((i / 256 % 256)).$((i % 256))" >/dev/null 2>&1 &&
			ip netns exec "n$2" ping -6 -c1 -W1 "fd20::$(printf %x:%x $((i / 65536)) $((i % 65536)))" >/dev/null 2>&1 ;;
	esac
}

big_one() { # SHAPE N: sets BIGROW (a table row) and growth figures
	shape=$1 n=$2
	case $shape in
	star) sh bench/gen-big.sh "$n" $((n / 1000)) "big$n" >"$work/big.yaml" ;;
	campus) sh bench/gen-campus.sh $((n / 1000)) 1000 "campus$n" >"$work/big.yaml" ;;
	hub) sh bench/gen-hub.sh $((n / 1000)) 999 "hub$n" >"$work/big.yaml" ;;
	ring) sh bench/gen-ring.sh "$n" "ring$n" >"$work/big.yaml" ;;
	esac
	lab=$(sed -n 's/^name: //p' "$work/big.yaml")
	nodes=$(grep -c '^  [a-z][-a-z0-9]*:$' "$work/big.yaml")
	r=$(m run sh -c 'ulimit -S -n 1024 && exec "$@"' - "$bin" apply -q "$work/big.yaml") ||
		die "BIG $shape $n: apply failed"
	set -- $r
	ba=$3 brss=$4
	big_probe "$shape" "$n" && probe=PASS || probe=FAIL
	set +e
	r=$(m run sh -c 'ulimit -S -n 1024 && exec "$@"' - "$bin" status -q "$work/big.yaml")
	st=$?
	set -e
	set -- $r
	bs=$3 bsrss=$4
	pre=$(m slab)
	r=$(m run sh -c 'ulimit -S -n 1024 && exec "$@"' - "$bin" destroy -q --lab "$lab") ||
		die "BIG $shape $n: destroy failed"
	set -- $r
	bd=$3 bdrss=$4
	settle $((pre - nodes)) "$1" "$(kernel_timeout "$nodes")"
	case $K in
	timeout) kd=$K ;;
	*\*) kd="$(printf %.1f "${K%\*}")*" ;;
	*) kd=$(printf %.1f "$K") ;;
	esac
	left=$(ip netns list | wc -l)/$(($(ip -o link show | wc -l) - 1))/$("$bin" list 2>/dev/null | grep -c "$lab" || true)
	[ "$st" = 0 ] && sv=PASS || sv="FAIL($st)"
	[ "$left" = 0/0/0 ] && lv=PASS || lv="FAIL($left)"
	BIGROW=$(printf '| %s | %s | %.2f | %s | %.2f | %.2f | %s | %s | %.1f / %.1f / %.1f | %s |' \
		"$shape" "$nodes" "$ba" "$probe" "$bs" "$bd" "$kd" "$sv" \
		"$(python3 -c "print($brss / 1024)")" "$(python3 -c "print($bsrss / 1024)")" \
		"$(python3 -c "print($bdrss / 1024)")" "$lv")
	BIG_APPLY_US=$(python3 -c "print($ba * 1e6 / $nodes)")
	BIG_DESTROY_US=$(python3 -c "print($bd * 1e6 / $nodes)")
	say "BIG $shape N=$nodes: apply (usable) $ba s, probe $probe, status $bs s ($sv), destroy $bd s, kernel done $kd s, left $lv, RSS apply $brss status $bsrss destroy $bdrss KiB"
}

if [ -n "$BIG" ] && [ "$BIG" != 0 ]; then
	say "bench: BIG: star, campus, hub and ring, 1,000 and 10,000 nodes"
	big_md=$work/big.md
	{
		echo
		echo "## BIG: 10,000 nodes, four shapes (one run each; ulimit -S -n 1024)"
		echo
		echo "star: nodes on bridges of 1000 ports in the host (gen-big.sh); campus: routers on a core bridge, each with a LAN of 1000 hosts routed via it (gen-campus.sh); hub: routers on a core bridge, each with 999 hosts on veths of their own, no LAN bridge (gen-hub.sh); ring: nodes in a ring of veth pairs with a chord for every five nodes, no bridge, no route (gen-ring.sh)."
		echo "apply returns once the lab is usable; probe: one IPv4 and one IPv6 ping (1 s timeout) across the lab right after."
		echo
		echo "| shape | nodes | apply (usable) s | probe | status s | destroy s | kernel done s | status clean | peak RSS MiB (apply / status / destroy) | left |"
		echo "|---|---:|---:|---|---:|---:|---:|---|---:|---|"
	} >"$big_md"
	growth=""
	for shape in star campus hub ring; do
		big_one "$shape" 1000
		echo "$BIGROW" >>"$big_md"
		a1=$BIG_APPLY_US d1=$BIG_DESTROY_US
		big_one "$shape" "$BIG_N"
		echo "$BIGROW" >>"$big_md"
		growth="$growth$(printf '| %s | %.0f | %.0f | %.2f | %.0f | %.0f | %.2f |' "$shape" \
			"$a1" "$BIG_APPLY_US" "$(python3 -c "print($BIG_APPLY_US / $a1)")" \
			"$d1" "$BIG_DESTROY_US" "$(python3 -c "print($BIG_DESTROY_US / $d1)")")
"
	done
	{
		echo
		echo "Cost per node, 1,000 -> $BIG_N nodes (1.00: grows with N; more: faster than N):"
		echo
		echo "| shape | apply us/node at 1000 | at $BIG_N | growth | destroy us/node at 1000 | at $BIG_N | growth |"
		echo "|---|---:|---:|---:|---:|---:|---:|"
		printf '%s' "$growth"
	} >>"$big_md"
	tee -a "$md" <"$big_md"
fi

{
	echo
	echo "total bench runtime: $(python3 -c "print(round($(m now) - $t_begin))") s"
} | tee -a "$md"
say "bench: table written to $md (raw runs: $raw)"
