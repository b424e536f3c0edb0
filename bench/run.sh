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
# Each figure is the median of ROUNDS (3) runs; within a round every tool
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
# BIG=1 adds one 4000-node lab on 4 bridges (gen-big.sh): nstopo apply,
# status (no drift, exit 0), destroy, and nothing left afterwards.
#
# Environment: BIG=1; ROUNDS=3; SIZES="10 100 1000"; IP_SINGLE_MAX=1000
# (largest N for ip-single).  The table goes to stdout and to
# bench/out/results-DATE.md, the runs one by one to bench/out/raw-DATE.txt.
# Runtime on 2 cores: about 10 minutes, 12 with BIG=1; the ip tools at
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

# usable N T0: wait until the star is usable end to end -- h(N-1) reaches
# hN over IPv6 and IPv4, and hN reaches h1 over IPv6 -- and print the
# seconds since T0 (measure.py's clock), or "timeout" after 60 s.
usable() {
	n=$1 t0=$2
	a=$((n - 1))
	last6=fd00::$(printf %x "$n")
	last4=10.$((100 + n / 65536)).$((n / 256 % 256)).$((n % 256))
	until ip netns exec "h$a" ping -q -c 1 -W 1 "$last6" >/dev/null 2>&1 &&
		ip netns exec "h$n" ping -q -c 1 -W 1 fd00::1 >/dev/null 2>&1 &&
		ip netns exec "h$a" ping -q -c 1 -W 1 "$last4" >/dev/null 2>&1; do
		[ "$(python3 bench/measure.py sub "$(python3 bench/measure.py now)" "$t0" | cut -d. -f1)" -lt 60 ] ||
			{ echo timeout; return; }
	done
	python3 bench/measure.py sub "$(python3 bench/measure.py now)" "$t0"
}

# floor-check calls back here between floor's apply and destroy.
[ "$1" = --lab-ok ] && { lab_ok; exit; }
[ "$1" = --usable ] && { cd "$top"; usable "$2" "$3" >"$4"; exit; }

cd "$top"
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-10 100 1000}
IP_SINGLE_MAX=${IP_SINGLE_MAX:-1000}
BIG=${BIG:-}
TOOLS="nstopo floor ip-batch ip-single"

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
	r=$(m run "$bin" apply -q "$work/star$1.yaml") || { say "nstopo apply N=$1 failed"; return 1; }
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
# some of the work (carrier, IPv6 start-up, multicast groups and the
# reports that flood the bridge) in its own workers afterwards.  Neither
# nstopo apply nor floor waits for that (apply --wait and run do).  So,
# once per tool and N: seconds from the start of apply until the last
# nodes reach each other and the first over IPv4 and IPv6 (polled with
# ip netns exec ping, so a few tens of ms are the poll's own).

usable_md=$work/usable.md
{
	echo
	echo "## Time until the lab is usable (one run each; from the start of apply)"
	echo
	echo "| N | nstopo apply returned s | nstopo usable s | floor apply returned s | floor usable s |"
	echo "|---:|---:|---:|---:|---:|"
} >"$usable_md"
for n in $SIZES; do
	t0=$(m now)
	"$bin" apply -q "$work/star$n.yaml" || die "nstopo apply N=$n failed"
	na=$(m sub "$(m now)" "$t0")
	nu=$(usable "$n" "$t0")
	pre=$(m slab)
	"$bin" destroy -q --lab "star$n" || die "nstopo destroy N=$n failed"
	settle $((pre - n)) "$(m now)" "$(kernel_timeout "$n")"
	base=$(m slab)
	t0=$(m now)
	FLOOR_CHECK="'$top/bench/run.sh' --usable $n $t0 '$work/usable.out'" \
		"$work/floor-check" "$n" >"$work/floor.out" || true
	fa=$(sed -n 's/^floor .*apply_s=\([0-9.]*\).*/\1/p' "$work/floor.out")
	fu=$(cat "$work/usable.out" 2>/dev/null || echo '?')
	settle "$base" "$(m now)" "$(kernel_timeout "$n")"
	printf '| %s | %.3f | %s | %s | %s |\n' "$n" "$na" "$nu" "$fa" "$fu" >>"$usable_md"
	say "$(printf 'N=%-5s usable: nstopo returned %.3f usable %s; floor returned %s usable %s' \
		"$n" "$na" "$nu" "$fa" "$fu")"
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
cat "$md"
m report "$raw" "$md"
tee -a "$md" <"$usable_md"

# ---- BIG=1: 4000 nodes on 4 bridges -------------------------------------

if [ -n "$BIG" ] && [ "$BIG" != 0 ]; then
	say "bench: BIG: 4000 nodes, 4 bridges"
	sh bench/gen-big.sh 4000 4 >"$work/big.yaml"
	lab=$(sed -n 's/^name: //p' "$work/big.yaml")
	r=$(m run "$bin" apply -q "$work/big.yaml") || die "BIG apply failed"
	set -- $r
	ba=$3 brss=$4
	set +e
	r=$(m run "$bin" status -q "$work/big.yaml")
	st=$?
	set -e
	set -- $r
	bs=$3
	pre=$(m slab)
	r=$(m run "$bin" destroy -q --lab "$lab") || die "BIG destroy failed"
	set -- $r
	bd=$3
	settle $((pre - 4000)) "$1" "$(kernel_timeout 4000)"
	left=$(ip netns list | wc -l)/$(($(ip -o link show | wc -l) - 1))/$("$bin" list 2>/dev/null | grep -c "$lab" || true)
	[ "$st" = 0 ] && sv=PASS || sv=FAIL
	[ "$left" = 0/0/0 ] && lv=PASS || lv=FAIL
	{
		echo
		echo "## BIG: 4000 nodes, 4 bridges of 1000 ports (gen-big.sh), one run"
		echo
		echo "| step | s |"
		echo "|---|---:|"
		printf '| nstopo apply | %.3f |\n' "$ba"
		printf '| nstopo status | %.3f |\n' "$bs"
		printf '| nstopo destroy | %.3f |\n' "$bd"
		case $K in
		timeout) kd=$K ;;
		*\*) kd="$(printf %.3f "${K%\*}")*" ;;
		*) kd=$(printf %.3f "$K") ;;
		esac
		echo "| kernel done (from the start of destroy) | $kd |"
		echo
		echo "nstopo status exit $st (want 0, no drift) $sv"
		echo "left afterwards (namespaces/links/labs) = $left (want 0/0/0) $lv"
		echo "nstopo peak RSS at N=4000 = $(python3 -c "print(f'{$brss/1024:.1f}')") MiB"
	} | tee -a "$md"
fi

{
	echo
	echo "total bench runtime: $(python3 -c "print(round($(m now) - $t_begin))") s"
} | tee -a "$md"
say "bench: table written to $md (raw runs: $raw)"
