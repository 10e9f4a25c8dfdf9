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

/*
 * The guest's / comes from a mktemp -d directory (mode 0700): make it
 * traversable so that unprivileged users reach /dev/portres, /proc, /tests.
 */
void root_dir_traversable(void);

/* Delete the persistent reservations inside [lo, hi] now and at exit. */
void persistent_cleanup_at_exit(uint16_t lo, uint16_t hi);
void persistent_cleanup(uint16_t lo, uint16_t hi);

/* The listing entry of protocol proto that contains port, or NULL. */
const struct portres_entry *find_entry(const struct portres_entry *l, size_t n,
				       int proto, uint16_t port);
/* Count lines of text containing needle. */
int count_lines(const char *text, const char *needle);

#endif
