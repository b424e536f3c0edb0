# t-ledger.sh - host sysctls shared by labs (the host's ledger,
# /run/nstopo/.host-sysctl) come back whatever happened to the lab's
# journal, only if nobody changed them since, and with every interface's
# own value when the kernel copied the write to it (ip_forward like
# conf.all.forwarding).
. "$TOP/tests/integration/lib.sh"
. "$TOP/tests/integration/labkit.sh"

LEDGER=/run/nstopo/.host-sysctl

# lab NAME FILE NET SYSCTLS: a lab with a host bridge, two nodes and the
# host sysctls SYSCTLS ("{k: v, ...}"); NET: its /24's third octet
lab() {
	cat >"$2" <<EOF
name: $1
namespace-prefix: $1-
nodes:
  a:
    interfaces:
      eth0: {addresses: [10.$3.0.1/24]}
  b: {}
  host:
    sysctl: $4
    interfaces:
      br-$1: {addresses: [10.$3.0.254/24]}
bridges:
  br-$1: {}
links:
  - [a:eth0, br-$1]
  - [b:eth0, br-$1]
EOF
}
get() { sysctl -n "$1"; }
# holders KEY: the labs the ledger says hold KEY ("" if none or no ledger)
holders() {
	[ -f "$LEDGER" ] || return 0
	python3 - "$1" "$LEDGER" <<'EOF'
import sys, urllib.parse
key, path = sys.argv[1], sys.argv[2]
for line in open(path):
    t = line.split()
    if t[0] == "k" and urllib.parse.unquote(t[1][1:]) == key:
        print(urllib.parse.unquote(t[4][1:]))
EOF
}

snapshot "$WORK/s0"
sysctl -qw net.ipv4.ip_forward=0 net.ipv4.ip_default_ttl=64

# -- 1. A lab whose journal is lost, empty, cut or damaged: its marks
# remove what it made, its ledger entries give back what it held.
lab jl "$WORK/jl.yaml" 9 "{net.ipv4.ip_forward: 1, net.ipv4.ip_default_ttl: 99}"
lab other "$WORK/other.yaml" 8 "{net.ipv4.ip_default_ttl: 70}"
for how in empty header truncated deleted nodir; do
	check "$how journal: apply" "$NSTOPO" -q apply "$WORK/jl.yaml"
	check_eq "$how journal: the ledger names the lab" "jl" \
		"$(holders net.ipv4.ip_default_ttl)"
	jr=/run/nstopo/jl/journal
	case $how in
	empty) : >"$jr" ;;
	header) head -n 2 "$jr" >"$jr.x" && mv "$jr.x" "$jr" ;;
	truncated) head -c 300 "$jr" >"$jr.x" && mv "$jr.x" "$jr" ;;
	deleted) rm "$jr" ;;
	nodir) rm -r /run/nstopo/jl ;;
	esac
	out=$("$NSTOPO" destroy --lab jl 2>&1)
	check_eq "$how journal: destroy exits 0" 0 $?
	check_match "$how journal: says the ledger gave settings back" \
		"host settings given back by the host's ledger alone" "$out"
	check_eq "$how journal: ip_forward and the TTL are back" "0 64" \
		"$(get net.ipv4.ip_forward) $(get net.ipv4.ip_default_ttl)"
	check_fail "$how journal: the ledger is gone (nothing held)" \
		test -e "$LEDGER"
	out=$("$NSTOPO" apply "$WORK/other.yaml" 2>&1)
	check_eq "$how journal: another lab may set another TTL" 0 $?
	check "$how journal: destroy the other lab" \
		"$NSTOPO" -q destroy --lab other
done
check_clean "lost journals: nothing of the labs is left"

# A lab that holds a key with another lab: its hold goes, the other's
# stays, nothing is written back.
check "shared, lost journal: apply jl" "$NSTOPO" -q apply "$WORK/jl.yaml"
lab j2 "$WORK/j2.yaml" 7 "{net.ipv4.ip_forward: 1}"
check "shared, lost journal: apply j2 (joins)" "$NSTOPO" -q apply "$WORK/j2.yaml"
: >/run/nstopo/jl/journal
check "shared, lost journal: destroy jl" "$NSTOPO" -q destroy --lab jl
check_eq "shared, lost journal: j2 alone holds ip_forward" "j2" \
	"$(holders net.ipv4.conf.all.forwarding)"
check_eq "shared, lost journal: ip_forward stays 1 for j2" 1 \
	"$(get net.ipv4.ip_forward)"
check_eq "shared, lost journal: the TTL only jl held is back" 64 \
	"$(get net.ipv4.ip_default_ttl)"
check "shared, lost journal: destroy j2" "$NSTOPO" -q destroy --lab j2
check_eq "shared, lost journal: ip_forward is back" 0 \
	"$(get net.ipv4.ip_forward)"

# A failed apply: the key whose write the kernel refused was taken in
# the ledger first; the rollback gives it back too.
lab bad "$WORK/bad.yaml" 6 \
	"{net.ipv4.ip_default_ttl: 98, net.ipv4.ip_local_port_range: 5000 10}"
range=$(get net.ipv4.ip_local_port_range)
out=$("$NSTOPO" apply "$WORK/bad.yaml" 2>&1)
check_eq "kernel refuses a host sysctl: apply exits 1" 1 $?
check_match "kernel refuses a host sysctl: rolled back" "rolled back" "$out"
check_eq "kernel refuses a host sysctl: TTL and range as they were" \
	"64 $range" "$(get net.ipv4.ip_default_ttl) $(get net.ipv4.ip_local_port_range)"
check_fail "kernel refuses a host sysctl: the ledger holds nothing" \
	test -e "$LEDGER"

# -- 2. Changed by hand since: left as it is, with a warning.
lab ha "$WORK/ha.yaml" 9 "{net.ipv4.ip_default_ttl: 99}"
lab hb "$WORK/hb.yaml" 7 "{net.ipv4.ip_default_ttl: 99}"
check "changed by hand: apply" "$NSTOPO" -q apply "$WORK/ha.yaml"
sysctl -qw net.ipv4.ip_default_ttl=77
out=$("$NSTOPO" destroy --lab ha 2>&1)
check_eq "changed by hand: destroy exits 0" 0 $?
check_eq "changed by hand: the hand's value stays" 77 \
	"$(get net.ipv4.ip_default_ttl)"
check_match "changed by hand: the warning names key, value now, lab's value" \
	"warning: sysctl net.ipv4.ip_default_ttl is '77' now, not the '99' lab ha set: left as it is" \
	"$out"
check_fail "changed by hand: the ledger forgets it" test -e "$LEDGER"
sysctl -qw net.ipv4.ip_default_ttl=64
# Two labs, the last one out finds it changed.
check "changed by hand, two labs: apply ha" "$NSTOPO" -q apply "$WORK/ha.yaml"
check "changed by hand, two labs: apply hb" "$NSTOPO" -q apply "$WORK/hb.yaml"
sysctl -qw net.ipv4.ip_default_ttl=78
check "changed by hand, two labs: destroy ha" "$NSTOPO" -q destroy --lab ha
out=$("$NSTOPO" destroy --lab hb 2>&1)
check_eq "changed by hand, two labs: the hand's value stays" 78 \
	"$(get net.ipv4.ip_default_ttl)"
check_match "changed by hand, two labs: the last out warns" \
	"sysctl net.ipv4.ip_default_ttl is '78' now, not the '99' lab hb set" \
	"$out"
# ...and with its journal lost, the same.
check "changed by hand, lost journal: apply ha" "$NSTOPO" -q apply "$WORK/ha.yaml"
sysctl -qw net.ipv4.ip_default_ttl=79
rm /run/nstopo/ha/journal
out=$("$NSTOPO" destroy --lab ha 2>&1)
check_eq "changed by hand, lost journal: the hand's value stays" 79 \
	"$(get net.ipv4.ip_default_ttl)"
check_match "changed by hand, lost journal: warned" \
	"is '79' now, not the '99' lab ha set" "$out"
sysctl -qw net.ipv4.ip_default_ttl=64
# Unchanged: the original goes back (no warning).
check "unchanged: apply ha" "$NSTOPO" -q apply "$WORK/ha.yaml"
out=$("$NSTOPO" destroy --lab ha 2>&1)
check_eq "unchanged: the original is back" 64 "$(get net.ipv4.ip_default_ttl)"
check_fail "unchanged: no warning" \
	sh -c "printf '%s\n' \"\$1\" | grep -q warning" - "$out"

# -- 3. ip_forward is conf.all.forwarding: its write reaches every
# interface's forwarding (and all.accept_redirects); they come back.
ip link add fw0 type veth peer name fw1
sysctl -qw net.ipv4.conf.all.accept_redirects=0 # a hardened host
sysctl -qw net.ipv4.conf.fw0.forwarding=1       # by hand, before the lab
fwd_values() {
	for k in net.ipv4.ip_forward net.ipv4.conf.all.forwarding \
		net.ipv4.conf.default.forwarding net.ipv4.conf.fw0.forwarding \
		net.ipv4.conf.fw1.forwarding net.ipv4.conf.lo.forwarding \
		net.ipv4.conf.all.accept_redirects; do
		printf '%s=%s\n' "$k" "$(get "$k")"
	done
}
fwd_values >"$WORK/fw0"
lab ipf "$WORK/ipf.yaml" 9 "{net.ipv4.ip_forward: 1}"
check "ip_forward: apply" "$NSTOPO" -q apply "$WORK/ipf.yaml"
check_eq "ip_forward: the kernel copied it to fw1" 1 \
	"$(get net.ipv4.conf.fw1.forwarding)"
check_eq "ip_forward: ...and turned all.accept_redirects off" 0 \
	"$(get net.ipv4.conf.all.accept_redirects)"
check "ip_forward: destroy" "$NSTOPO" -q destroy --lab ipf
fwd_values >"$WORK/fw1"
check "ip_forward: every interface's own forwarding, and accept_redirects, as before" \
	diff -u "$WORK/fw0" "$WORK/fw1"
# The same with the journal lost.
check "ip_forward, lost journal: apply" "$NSTOPO" -q apply "$WORK/ipf.yaml"
rm -r /run/nstopo/ipf
check "ip_forward, lost journal: destroy" "$NSTOPO" -q destroy --lab ipf
fwd_values >"$WORK/fw1"
check "ip_forward, lost journal: as before" diff -u "$WORK/fw0" "$WORK/fw1"
sysctl -qw net.ipv4.conf.all.accept_redirects=1 net.ipv4.conf.fw0.forwarding=0

# One key under two names: a lab that wants conf.all.forwarding 0 while
# another holds ip_forward 1 is refused; one that wants 1 joins.
lab cf0 "$WORK/cf0.yaml" 7 "{net.ipv4.conf.all.forwarding: 0}"
lab cf1 "$WORK/cf1.yaml" 6 "{net.ipv4.conf.all.forwarding: 1}"
check "two names: apply ip_forward 1" "$NSTOPO" -q apply "$WORK/ipf.yaml"
out=$("$NSTOPO" apply "$WORK/cf0.yaml" 2>&1)
check_eq "two names: conf.all.forwarding 0 is refused" 1 $?
check_match "two names: naming the lab that holds it" \
	"net.ipv4.conf.all.forwarding is held at another value by lab ipf" "$out"
check "two names: conf.all.forwarding 1 joins" "$NSTOPO" -q apply "$WORK/cf1.yaml"
check "two names: destroy ipf" "$NSTOPO" -q destroy --lab ipf
check_eq "two names: cf1 still has forwarding" 1 "$(get net.ipv4.ip_forward)"
check "two names: destroy cf1" "$NSTOPO" -q destroy --lab cf1
check_eq "two names: the last out put 0 back" 0 "$(get net.ipv4.ip_forward)"

# An interface's own value changed by hand while the lab is up, and one
# made since, each with its own value: kept (addr_gen_mode: 0..3, so a
# value by hand can differ from both the original and the lab's).
sysctl -qw net.ipv6.conf.all.addr_gen_mode=0 net.ipv6.conf.fw0.addr_gen_mode=0 \
	net.ipv6.conf.fw1.addr_gen_mode=0
lab agm "$WORK/agm.yaml" 9 "{net.ipv6.conf.all.addr_gen_mode: 1}"
check "interfaces by hand: apply" "$NSTOPO" -q apply "$WORK/agm.yaml"
check_eq "interfaces by hand: the kernel copied it to fw0" 1 \
	"$(get net.ipv6.conf.fw0.addr_gen_mode)"
sysctl -qw net.ipv6.conf.fw1.addr_gen_mode=3
ip link add fw2 type veth peer name fw3
sysctl -qw net.ipv6.conf.fw2.addr_gen_mode=3
out=$("$NSTOPO" destroy --lab agm 2>&1)
check_eq "interfaces by hand: destroy exits 0" 0 $?
check_eq "interfaces by hand: all, default and fw0 back, fw1 and fw2 kept, fw3 as all" \
	"0 0 0 3 3 0" "$(for i in all default fw0 fw1 fw2 fw3; do
		get net.ipv6.conf.$i.addr_gen_mode; done | tr '\n' ' ' | sed 's/ $//')"
check_match "interfaces by hand: the one recorded is warned about" \
	"sysctl net.ipv6.conf.fw1.addr_gen_mode is '3' now, not the '1' lab agm set \(through net.ipv6.conf.all.addr_gen_mode\): left as it is" \
	"$out"
ip link del fw2
ip link del fw0
sysctl -qw net.ipv6.conf.all.addr_gen_mode=0

check_clean "nothing of any lab is left"
sysctl -qw net.ipv4.ip_forward=0 net.ipv4.ip_default_ttl=64
snapshot "$WORK/s9"
check "the host is as it was" diff -u "$WORK/s0" "$WORK/s9"
finish
