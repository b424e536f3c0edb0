/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_STATE_H
#define NSTOPO_STATE_H

#include "op.h"

/*
 * A lab's state lives in /run/nstopo/LAB/: a lock file (flock) that keeps
 * two runs on one lab from interleaving, and a journal where every
 * operation is written before it is made.  destroy works from the
 * journal alone, so it works after the YAML file changed or went away,
 * and after an apply was killed half-way.
 */

#define STATE_DIR "/run/nstopo"
#define JOURNAL_VERSION_NOW 2 /* what this build writes */

struct state {
	char lab[32];
	int top_fd;  /* STATE_DIR */
	int lab_fd;  /* STATE_DIR/LAB */
	int lock_fd; /* STATE_DIR/LAB/lock, flock'd */
	int journal_fd;
	uint64_t check;	       /* of the last record written */
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
	unsigned version;     /* 1: no checks (earlier builds); 2 */
	bool no_header;	      /* empty, or its header is gone */
	size_t n_damaged;     /* records that do not check: not in plan */
	size_t damaged_at[8]; /* the first ones' line numbers */
};

/**
 * state_dir_open() - open STATE_DIR (/run/nstopo), refusing a symlink, a
 * file, or a directory that is not root's or that others may write
 * @create:	make it if it is missing
 *
 * Return: its fd, or -errno (-ENOTDIR, -EPERM: see state_strerror()).
 */
int state_dir_open(bool create);

/**
 * state_strerror() - what a state function's error says of /run/nstopo
 * Return: the words.
 */
const char *state_strerror(int err);

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

/**
 * state_list() - the labs with state on this machine
 * @names:	their names (malloc'd, as is the array)
 *
 * Return: how many.
 */
size_t state_list(char ***names);

/* One lab, as `list` shows it. */
struct lab_info {
	const char *state; /* "up", "partial", "destroying", "unknown" */
	size_t nodes, links;
	long long started; /* epoch seconds; 0: unknown */
	char file[4096];   /* the topology file it came from */
};

/**
 * state_lab_info() - what lab @lab's journal says of it
 * @info:	filled ("unknown" if the journal cannot be read)
 */
void state_lab_info(const char *lab, struct lab_info *info);

/**
 * state_lab_of_file() - the lab whose journal records topology file @path
 * Return: its name (malloc'd), or NULL if no lab does.
 */
char *state_lab_of_file(const char *path);

/**
 * state_node_netns() - the namespace of node @node of lab @lab
 * @ns:		its name (malloc'd)
 *
 * @node may be the node's name in the file or its namespace's.
 * Return: 0, -ESRCH if the lab has no such node, or -errno if the lab's
 * journal cannot be read (-ENOENT: the lab is not up).
 */
int state_node_netns(const char *lab, const char *node, char **ns);

#endif
