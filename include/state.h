/* SPDX-License-Identifier: MIT */
#ifndef NSTOPO_STATE_H
#define NSTOPO_STATE_H

#include "cgroup.h"
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
#define RELAY_LOG "relay.log" /* the lab's relay logs here (op_relay.c) */

struct state {
	char lab[32];
	int top_fd;  /* STATE_DIR */
	int lab_fd;  /* STATE_DIR/LAB */
	int lock_fd; /* STATE_DIR/LAB/lock, flock'd */
	int journal_fd;
	uint64_t check;	  /* of the last record written */
	bool seeded;	  /* check: read from a journal begun before */
	struct lab_cg cg; /* recorded: kept by state_rewrite() */
	long owner_pid;	  /* recorded owner (state_owner()), or 0 */
	unsigned long long owner_start;
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
	bool reconciling;     /* an edit of the running lab began */
	size_t next_seq;      /* the sequence number of a next record */
	uint64_t last_check;  /* of the last record: appends chain on */
	bool no_header;	      /* empty, or its header is gone */
	size_t n_damaged;     /* records that do not check: not in plan */
	size_t damaged_at[8]; /* the first ones' line numbers */
	long owner_pid;	      /* run: the process that owns the lab; 0 */
	unsigned long long owner_start; /* its start time (/proc/PID/stat) */
	struct lab_cg cg;		/* the lab's control group, if any */
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
 * @err:	a state function's -errno
 *
 * Return: the words.
 */
const char *state_strerror(int err);

/**
 * state_lock() - take the lab's lock, creating its directory
 * @st:		filled (zeroed first); state_unlock() is safe on it
 *		whatever this returns
 * @lab:	the lab's name
 * @holder:	if another run holds the lock, its pid (0 if unknown)
 *
 * The lock is a flock on /run/nstopo/LAB/lock, which then holds this
 * process's pid.  A lock file removed meanwhile by the run that held it
 * is opened again.  Every file is opened relative to its directory,
 * without following a symlink; a directory that is not root's or that
 * others may write is refused.
 * Return: 0, -EWOULDBLOCK if another run holds it (and *holder),
 * -EAGAIN if the file kept being removed under it, or -errno (see
 * state_strerror()).
 */
int state_lock(struct state *st, const char *lab, long *holder);

/**
 * state_unlock() - close the journal and release the lock
 *
 * Records not yet written (state_flush()) are dropped.  @st may have
 * failed state_lock(), and may be unlocked twice.
 */
void state_unlock(struct state *st);

/**
 * state_read() - read the journal of lab @lab
 * @j:		what it says (zeroed first); journal_free() it after a
 *		success
 *
 * The ops a "!" record says failed are left out of j->plan; a last line
 * without its newline (cut short by a kill) is ignored; a record that does
 * not check, or cannot be read, is counted in j->n_damaged and left out.
 * Reading is bounded: nothing is sized by a number in the file.
 * Return: 0, -ENOENT if the lab has none (is not applied), -EFBIG if the
 * journal is too long to be one, or -errno (see state_strerror()).
 */
int state_read(const char *lab, struct journal *j);

/**
 * journal_free() - free what state_read() filled @j with; j->plan may be
 * NULL
 */
void journal_free(struct journal *j);

/**
 * state_begin() - start a new journal (an existing one is emptied) with
 * its header: lab, @file, pid, time
 * @st:		locked (state_lock())
 * @file:	the topology file ("-": standard input)
 *
 * Return: 0, or -errno if the journal cannot be made or written.
 */
int state_begin(struct state *st, const char *file);

/**
 * state_record() - add "+ @seq OP" for @op, about to be made, to the
 * records not yet written
 * @st:		locked (state_lock())
 * @seq:	the op's index in its plan
 *
 * Nothing is written until state_flush() (or state_mark()).
 */
void state_record(struct state *st, size_t seq, const struct op *op);

/**
 * state_record_failed() - add "! @seq ERRNO" to the records not yet
 * written: op @seq failed and made nothing
 * @st:		locked (state_lock())
 * @err:	its error, either sign
 *
 * Nothing is written until state_flush() (or state_mark()).
 */
void state_record_failed(struct state *st, size_t seq, int err);

/**
 * state_record_removed() - add "op @seq is gone" (after it was removed)
 * to what is pending: a journal read back leaves the op out
 */
void state_record_removed(struct state *st, size_t seq);

/**
 * state_continue() - append to the journal @j was read from: its records
 * then chain on from its last (state_flush() opens it)
 */
void state_continue(struct state *st, const struct journal *j);

/**
 * state_rewrite() - replace the journal, at once, by one that says lab
 * made @p from @file and is complete (an edit of the lab is over)
 *
 * Written aside and renamed over the old one: a kill leaves either.
 * Return: 0 or -errno (the old journal is kept then).
 */
int state_rewrite(struct state *st, const char *file, const struct plan *p);

/**
 * state_mark() - add a line @word ("complete", "destroying") and write
 * every record not yet written
 * @st:		locked (state_lock())
 *
 * Return: 0 or -errno, as state_flush().
 */
int state_mark(struct state *st, const char *word);

/**
 * state_owner() - record "owner pid=PID start=TICKS": process @pid (a
 * run) owns the lab until it ends, and write every record not yet written
 * @st:		locked (state_lock())
 *
 * The start time (proc_start_time()) tells the process from a later one
 * that gets its pid.
 * Return: 0 or -errno (the process is gone; as state_flush()).
 */
int state_owner(struct state *st, pid_t pid);

/**
 * state_cgroup() - record "cgroup vN path=PATH": the lab's processes are
 * in control group @cg, and write every record not yet written
 * @st:		locked (state_lock())
 *
 * Written before the group is made, so a kill in between leaves a journal
 * that names it.
 * Return: 0 or -errno, as state_flush().
 */
int state_cgroup(struct state *st, const struct lab_cg *cg);

/**
 * journal_orphaned() - is the lab of @j owned by a run that is gone?
 * Return: true if @j records an owner (state_owner()) and that process no
 * longer runs (proc_alive()).
 */
bool journal_orphaned(const struct journal *j);

/**
 * state_flush() - write the records not yet written to the journal
 * @st:		locked (state_lock()); its journal is opened (to append) if
 *		state_begin() did not open it
 *
 * Return: 0, or -errno (-ENOENT: the lab has no journal); the records
 * are then kept for the next flush (all of them, even a part written).
 */
int state_flush(struct state *st);

/**
 * state_relay_log() - the path of lab @lab's relay log,
 * STATE_DIR/LAB/relay.log
 * @lab:	the lab's name
 * @buf:	where the path is written
 * @len:	size of @buf (PATH_MAX is enough)
 */
void state_relay_log(const char *lab, char *buf, size_t len);

/**
 * state_remove() - remove the journal, the relay's log, the lock file and the lab's
 * directory (and /run/nstopo if no lab is left): the lab is gone
 * @st:		locked (state_lock()); it stays locked until state_unlock()
 *
 * Return: 0, or the first -errno (what is already gone is fine).
 */
int state_remove(struct state *st);

/**
 * state_note_netns_dir() - note that nstopo made /run/netns, so it may
 * take it away when no lab is left (best effort)
 */
void state_note_netns_dir(void);

/**
 * state_made_netns_dir() - did nstopo make /run/netns?
 * Return: true if state_note_netns_dir() noted it and nothing forgot it.
 */
bool state_made_netns_dir(void);

/**
 * state_forget_netns_dir() - forget that nstopo made /run/netns (and
 * remove /run/nstopo if nothing is left in it)
 */
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
	const char *state; /* "up", "partial", "orphaned", "destroying",
			      "damaged", "unknown" */
	long owner_pid;	   /* the run that owns it (gone if "orphaned") */
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
 * @inst:	only a lab's instance of this prefix ("LAB@P", instance.h);
 *		NULL or "": only a lab that is no instance
 *
 * Return: its name (malloc'd), or NULL if no lab does.
 */
char *state_lab_of_file(const char *path, const char *inst);

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
