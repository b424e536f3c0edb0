/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_STATE_H
#define NSTOPO_STATE_H

#include "plan.h"

/*
 * A lab's state lives in /run/nstopo/LAB/: a lock file (flock) that keeps
 * two runs on one lab from interleaving, and a journal where every
 * operation is written before it is made.  destroy works from the
 * journal alone, so it works after the YAML file changed or went away,
 * and after an apply was killed half-way.
 */

#define STATE_DIR "/run/nstopo"

struct state {
	char lab[32];
	char dir[128];
	int lock_fd;
	int journal_fd;
	struct strbuf pending; /* journal lines not yet written */
};

/* What a journal says about a lab. */
struct journal {
	struct plan *plan; /* ops made (those that failed are left out) */
	bool complete;	   /* apply finished */
	bool destroying;   /* a destroy started */
	char file[4096];   /* the topology file it was applied from */
	long long started; /* epoch seconds */
	long pid;
	size_t n_failed;
};

/*
 * state_lock() - take the lab's lock, creating its directory
 * Return: 0, -EWOULDBLOCK if another run holds it (*holder is its pid).
 */
int state_lock(struct state *st, const char *lab, long *holder);
void state_unlock(struct state *st);

/* Read the journal; -ENOENT if the lab has none (is not applied). */
int state_read(const char *lab, struct journal *j);
void journal_free(struct journal *j);

int state_begin(struct state *st, const char *file);
void state_record(struct state *st, size_t seq, const struct op *op);
void state_record_failed(struct state *st, size_t seq, int err);
int state_mark(struct state *st, const char *word);
int state_flush(struct state *st);
/* Remove the journal, lock and directory: the lab is gone. */
int state_remove(struct state *st);

/* nstopo made /run/netns (so may take it away when no lab is left). */
void state_note_netns_dir(void);
bool state_made_netns_dir(void);
void state_forget_netns_dir(void);

/* Labs with state on this machine; names are malloc'd. */
size_t state_list(char ***names);

/* The ownership marks of links nstopo makes in the host namespace. */
uint32_t lab_group(const char *lab);
void lab_mark(const char *lab, char *buf, size_t len);

/* Encoding of one op as a journal line (exposed for tests). */
void op_encode(const struct op *op, struct strbuf *sb);
int op_decode(struct plan *p, const char *line);

#endif
