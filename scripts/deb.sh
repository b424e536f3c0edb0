#!/bin/sh
# deb.sh [OUTDIR] - build the Debian package (dpkg-buildpackage -us -uc -b)
# from a copy of this tree, so the tree itself stays clean: the files git
# tracks and the new ones it does not ignore, as they are in the work
# tree.  The .deb, its -dbgsym, .buildinfo and .changes go to OUTDIR
# (build/deb), with the build's log; the last line printed is the .deb.
# Installs what the build lacks with scripts/install-deps.sh pkg.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-build/deb}

"$top/scripts/install-deps.sh" pkg
mkdir -p "$out"
out=$(cd "$out" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nstopo-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir "$tmp/nstopo"

if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# Files deleted but not yet staged are listed and skipped.
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) |
		tar -xf - -C "$tmp/nstopo"
else
	tar -C "$top" --exclude=./.git --exclude=./build --exclude=./nstopo \
		-cf - . | tar -xf - -C "$tmp/nstopo"
fi

echo "  DEB     $out (log: $out/build.log)"
if ! (cd "$tmp/nstopo" && dpkg-buildpackage -us -uc -b -Jauto) \
	</dev/null >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	echo "deb.sh: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
	exit 1
fi
rm -f "$out"/nstopo_*.deb "$out"/nstopo-dbgsym_*.deb "$out"/nstopo_*.buildinfo \
	"$out"/nstopo_*.changes
mv "$tmp"/nstopo_*.deb "$tmp"/nstopo_*.buildinfo "$tmp"/nstopo_*.changes "$out"/
mv "$tmp"/nstopo-dbgsym_*.deb "$out"/ 2>/dev/null || true
ls "$out"/nstopo_*.deb
