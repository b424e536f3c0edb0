/*
 * floor-hook.c - turn floor.c into floor-check, for run.sh's one-off
 * correctness check: floor applies and destroys in one process, so the
 * only way to look at its lab is from inside.  Linked with
 * -Wl,--wrap=umount2, floor's first umount2() (the start of its destroy)
 * first runs the shell command in $FLOOR_CHECK; if that fails,
 * floor-check exits 1 once floor is done.  floor.c stays unchanged and
 * the timed bench/floor is built without this file.
 *   cc -O2 -o floor-check floor.c floor-hook.c -Wl,--wrap=umount2 \
 *      $(pkg-config --cflags --libs libnl-route-3.0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int __real_umount2(const char *target, int flags);
int __wrap_umount2(const char *target, int flags);

static int failed;

static void exit_status(void)
{
	if (failed)
		_exit(1);
}

int __wrap_umount2(const char *target, int flags)
{
	static int ran;
	const char *cmd = getenv("FLOOR_CHECK");

	if (!ran && cmd) {
		ran = 1;
		fflush(stdout);
		if (system(cmd) != 0) {
			failed = 1;
			atexit(exit_status);
		}
	}
	return __real_umount2(target, flags);
}
