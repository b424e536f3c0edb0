/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_STATUS_H
#define NSTOPO_STATUS_H

#include "plan.h"

/*
 * What status says of an object.  Foreign ones are routes someone else
 * made in the lab's namespaces (a routing daemon, router advertisements,
 * ip route by hand): listed with -v, never drift.
 */
enum st_state {
	ST_OK,
	ST_MISSING,
	ST_DIFFERENT,
	ST_EXTRA,
	ST_FOREIGN,
	ST__COUNT
};

struct status_row {
	const char *node, *ns;
	const char *object; /* "addr 10.0.0.1/24 dev eth0" */
	enum st_state state;
	const char *detail; /* "mtu 1500, want 9000", or NULL */
};

struct status {
	struct arena arena;
	const char *lab, *file;
	long long started;
	bool complete;
	bool legacy; /* applied by an earlier build: its marks are fewer */
	bool file_changed; /* the file's plan is not the journal's */
	bool against_file; /* compared with a file's plan */
	struct plan *plan; /* what the lab was made from */
	struct status_row *rows;
	size_t n_rows, cap_rows;
	size_t counts[ST__COUNT];
};

/**
 * lab_status() - compare the live kernel with what the lab's journal made
 * @lab:	the lab's name
 * @s:		the rows and their counts (zeroed first); status_free() it
 *		whatever this returns
 * @msg:	on failure (but -ENOENT), what failed and why
 *
 * Enters each of the lab's namespaces and comes back.  It reads their
 * sysctls through a procfs of its own (proc_private()), so the calling
 * thread is left in a mount namespace of its own: it must make no mount
 * meant for others afterwards.
 * Return: 0, -ENOENT if the lab is not up, or -errno (with @msg).
 */
int lab_status(const char *lab, struct status *s, struct strbuf *msg);

/* lab_status_of() flags */
#define STATUS_KEEP_MOUNTS 1u /* the thread stays in its mount namespace */
#define STATUS_TAKE_PLAN 2u   /* @want becomes the status's (status_free()) */

/**
 * lab_status_of() - lab_status(), against a plan of the caller's choice
 * @lab:	the lab's name
 * @want:	what the lab should hold (a file's plan); NULL: its journal's
 * @flags:	STATUS_KEEP_MOUNTS: no procfs of its own, so the thread may
 *		still make mounts for others (pins) after; STATUS_TAKE_PLAN:
 *		@want is the status's from now on, not copied (a large lab's
 *		plan is tens of megabytes), whatever this returns
 * @s:		as for lab_status()
 * @msg:	as for lab_status()
 *
 * Return: as lab_status().
 */
int lab_status_of(const char *lab, struct plan *want, unsigned flags,
		  struct status *s, struct strbuf *msg);

/**
 * status_drift() - does the lab differ from its journal?
 * Return: true if an object is missing, different or extra, or the lab
 * is only partly applied (or being destroyed).
 */
bool status_drift(const struct status *s);

/**
 * status_print() - write @s to @f: a table and a summary line, or one
 * JSON object with every row
 * @json:	JSON rather than text
 * @all:	the table shows the rows that are as planned and the
 *		foreign routes too (JSON always does)
 */
void status_print(const struct status *s, FILE *f, bool json, bool all);

/**
 * status_free() - free what lab_status() filled @s with
 */
void status_free(struct status *s);

#endif
