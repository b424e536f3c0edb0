#!/bin/sh
# install-deps.sh build|run|test|hosts|fuzz|lint|pkg|relay-bench|all -
# install what nstopo needs with apt-get, only what is missing.  Called by the Makefile,
# fuzz/run.sh, scripts/lint.sh and scripts/deb.sh; safe to run by hand.
# Runs with no standard input (CI): apt-get is never interactive.
# With INSTALL_DEPS=no (debian/rules sets it: there the build packages are
# Build-Depends) it installs nothing: it only fails, naming what is missing.
set -eu

what=${1:-all}
build_pkgs="gcc make pkg-config libnl-3-dev libnl-route-3-dev libcap-dev libyaml-dev"
run_pkgs="iproute2 iputils-ping python3"
# sshd for the tests across simulated machines (tests/integration/hostkit.sh);
# they start it themselves, inside their sandbox.
hosts_pkgs="openssh-server openssh-client"
# python3-jsonschema and python3-yaml: t-schema.sh holds files against
# `nstopo schema`; tcpdump: t-capture.sh (and `nstopo capture` itself);
# socat: services that readiness gates wait for (t-wait.sh); python3-pytest
# runs the pytest fixture of the CI recipe (t-ci.sh, topologies/ci/);
# socat and iperf3 are also t-forwards.sh's services and clients; bird2:
# the routers of topologies/ospf.yaml (t-examples.sh, t-ospf.sh).
test_pkgs="libcmocka-dev iproute2 iputils-ping util-linux procps python3 python3-jsonschema python3-yaml graphviz tcpdump valgrind radvd curl socat iperf3 python3-pytest bird2 $hosts_pkgs"
# tests/relay/bench.sh: the relay against direct paths.
relay_bench_pkgs="iperf3 sockperf"
# clang's libFuzzer runtime is only a Recommends of it; llvm brings
# llvm-symbolizer, for sanitizer reports with lines.
fuzz_pkgs="clang libclang-rt-dev llvm"
# gcc (-fanalyzer) and the build packages come with $build_pkgs;
# python3 runs scripts/check-kdoc.py.
lint_pkgs="cppcheck clang-tidy clang-format python3"
# The Debian package (scripts/deb.sh, tests/pkg/t-deb.sh): its build, lintian,
# systemd-analyze for the units, the demo and the example service.
pkg_pkgs="build-essential dpkg-dev debhelper lintian man-db systemd iproute2 iputils-ping python3"

have_pc() { pkg-config --exists "$@" 2>/dev/null; }
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

missing=""
need() { for p in "$@"; do have_deb "$p" || missing="$missing $p"; done; }

case $what in
build)
	command -v pkg-config >/dev/null 2>&1 &&
		have_pc libnl-3.0 libnl-route-3.0 libcap yaml-0.1 && exit 0
	need $build_pkgs ;;
run)
	need $run_pkgs ;;
test)
	need $test_pkgs ;;
hosts)
	need $hosts_pkgs ;;
fuzz)
	need $fuzz_pkgs ;;
lint)
	need $build_pkgs $lint_pkgs ;;
pkg)
	need $build_pkgs $pkg_pkgs ;;
relay-bench)
	need $relay_bench_pkgs ;;
all)
	need $build_pkgs $test_pkgs ;;
*)
	echo "usage: $0 build|run|test|hosts|fuzz|lint|pkg|relay-bench|all" >&2; exit 2 ;;
esac
[ -z "$missing" ] && exit 0

case ${INSTALL_DEPS:-yes} in
no | 0 | false)
	echo "nstopo: missing packages:$missing (INSTALL_DEPS=$INSTALL_DEPS: not installing them)" >&2
	exit 1 ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
	echo "nstopo: missing packages:$missing (no apt-get here: install them by hand)" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "nstopo: missing packages:$missing; run as root: apt-get install$missing" >&2
	exit 1
fi
echo "  APT    $missing" >&2
export DEBIAN_FRONTEND=noninteractive
# openssh-server's and bird2's postinst would start an sshd or a bird on
# the machine itself: the tests start their own, in their sandbox.
# Debian's policy-rc.d (exit 101: no) holds service starts back while it
# installs, unless the machine has a policy of its own.
case " $missing " in
*" openssh-server "* | *" bird2 "*)
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
		chmod 0755 /usr/sbin/policy-rc.d
	fi ;;
esac
apt_install() {
	apt-get install -y -q --no-install-recommends $missing </dev/null >/tmp/nstopo-apt.log 2>&1
}
if ! apt_install; then
	apt-get update -q </dev/null >/tmp/nstopo-apt.log 2>&1 || true
	apt_install || { cat /tmp/nstopo-apt.log >&2; exit 1; }
fi
