#!/bin/sh
# run-star.sh N WINDOW [CHECK] - the start-up flood of star.c, baseline and
# each mitigation, one run each; CHECK=1 adds the functional checks right
# after the last request (ND/ARP ping last->first, multicast h1<-h2).
cd "$(dirname "$0")/../.."
n=${1:-1000} win=${2:-10} check=${3:-0}
busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
chk='ip netns exec h'$n' ping -6 -c1 -W1 fd00::1 >/dev/null && echo "  ND at once: OK" || echo "  ND at once: FAIL";
ip netns exec h'$n' ping -c1 -W1 10.100.0.1 >/dev/null && echo "  ARP at once: OK" || echo "  ARP at once: FAIL";
ip netns exec h1 python3 bench/research/mcast.py recv eth0 ff05::1234 5000 3 | sed "s/^/  /" & sleep 0.3;
ip netns exec h2 python3 bench/research/mcast.py send eth0 ff05::1234 5000; wait'
[ "$check" = 1 ] || chk=
run() { # LABEL ENV...
	label=$1; shift
	python3 bench/research/settle.py 30 2>/dev/null
	b0=$(busy); sleep 1; b1=$(busy)
	echo "== $label (rest of the machine: $(( (b1 - b0) )) ticks/s busy before)"
	env "$@" STAR_CMD="$chk" scripts/sandbox.sh bench/research/star "$n" "$win"
}
run baseline
run "querier (snooping on, br0 mcast_querier 1)" STAR_QUERIER=1
run "router_solicitations=0" STAR_RS=0
run "accept_ra=0" STAR_ACCEPT_RA=0
run "mldv2 interval 10 s + force_mld_version 2" STAR_MLD_INTERVAL=10000 STAR_MLD_VERSION=2
run "ports mcast_flood off" STAR_PORT_FLOOD=0
run "querier + router_solicitations=0" STAR_QUERIER=1 STAR_RS=0
run "querier + accept_ra=0" STAR_QUERIER=1 STAR_ACCEPT_RA=0
run "querier + ports mcast_flood off" STAR_QUERIER=1 STAR_PORT_FLOOD=0
run "snooping off" STAR_SNOOP=0
