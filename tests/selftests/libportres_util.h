/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the libportres selftests (lib_*, portresctl_*): running the
 * programs built beside the tests (portresctl, the compat examples)
 * as root or as an unprivileged user, and cleaning up persistent
 * reservations a test made, even when it fails.
 */
#ifndef LIBPORTRES_UTIL_H
#define LIBPORTRES_UTIL_H

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <portres/portres.h>

#include "portres_util.h"

#define OUT_MAX	16384

struct prog_result {
	int status;		/* exit status, or 128 + signal */
	char out[OUT_MAX];	/* standard output */
	char err[OUT_MAX];	/* standard error */
};

/*
 * Who runs the program: root, root without CAP_NET_ADMIN, or nobody; or
 * root with an empty tmpfs over /proc (in a mount namespace of its own):
 * for what must not read /proc/net/port_reservations.
 */
enum runas { AS_ROOT, AS_NOADMIN, AS_NOBODY, AS_ROOT_NO_PROC };

/*
 * Run NAME (a program in the directory of this test binary) with the
 * NULL-terminated arguments; stdin from in (may be NULL). Dies on set-up
 * failures. Prints the command and its output as TAP diagnostics on demand.
 */
void run_prog(struct prog_result *r, enum runas who, const char *in,
	      const char *name, ...) __attribute__((sentinel));
/* Whether NAME was built beside this test binary. */
bool prog_built(const char *name);
/* "# $ portresctl ..." plus its output, for a failed CHECK's context. */
void show_prog(const struct prog_result *r);

/* Delete the persistent reservations inside [lo, hi] now and at exit. */
void persistent_cleanup_at_exit(uint16_t lo, uint16_t hi);
void persistent_cleanup(uint16_t lo, uint16_t hi);

/* The listing entry of protocol proto that contains port, or NULL. */
const struct portres_entry *find_entry(const struct portres_entry *l, size_t n,
				       int proto, uint16_t port);
/* Count lines of text containing needle. */
int count_lines(const char *text, const char *needle);

/* ---- conv4: portresctl checks and programs in the background ---- */

/* run_prog() with the arguments (after NAME) in a NULL-terminated array. */
void run_progv(struct prog_result *r, enum runas who, const char *in,
	       const char *name, const char *const *args);

/*
 * Whether r exited with status and text (r->out or r->err) contains part;
 * if not, shows the run (show_prog) and what was wanted.
 */
bool prog_says(const struct prog_result *r, int status, const char *text,
	       const char *part);
/* ok; if not, shows the run: ASSERT_TRUE(prog_ok(&r, !r.status && ...)). */
bool prog_ok(const struct prog_result *r, bool ok);
/* For the kselftest harness: ASSERT_PROG(&r, 5, err, "not found"). */
#define ASSERT_PROG(r, code, stream, part) \
	ASSERT_TRUE(prog_says(r, code, (r)->stream, part))

/*
 * One run of portresctl and what it must answer, for tables of them:
 *	{ AS_ROOT, { "lookup", "tcp", "29000", "4" }, 5, ERR, "no persistent" }
 */
enum ctl_stream { ERR, OUT };
struct ctl_step {
	enum runas who;
	const char *argv[10];		/* after "portresctl"; NULL-ended */
	int status;			/* exit status wanted */
	enum ctl_stream stream;		/* where part must be */
	const char *part;		/* NULL: anything */
};
/* Runs the step into r: prog_says() of its answer. */
bool ctl_step(struct prog_result *r, const struct ctl_step *s);
/* Runs steps until one fails: how many passed; r is the last one run. */
size_t ctl_steps(struct prog_result *r, const struct ctl_step *s, size_t n);
#define ASSERT_CTL_STEPS(r, steps) \
	ASSERT_EQ(ARRAY_SIZE(steps), ctl_steps(r, steps, ARRAY_SIZE(steps)))

/*
 * A program beside the test binary (portresctl monitor, daemon) in the
 * background, its fd (1 or 2) in a temporary file: bg_output() reads what
 * it wrote so far, bg_stop() sends SIGTERM and returns its wait status.
 */
struct bg_prog {
	pid_t pid;
	FILE *log;
};
void bg_start(struct bg_prog *b, int fd, const char *name, ...)
	__attribute__((sentinel));
const char *bg_output(struct bg_prog *b);
int bg_stop(struct bg_prog *b);

#endif
