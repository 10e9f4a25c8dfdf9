/* SPDX-License-Identifier: GPL-2.0 */
/* portresctl: what its subcommands share (common.c, format.c, save.c, restore.c). */
#ifndef PORTRESCTL_H
#define PORTRESCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <portres/portres.h>

/* Exit codes (documented in portresctl(8)). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,		/* the kernel refused, or some of a restore failed */
	EXIT_USAGE = 2,		/* bad command line: syntax, numbers, ranges */
	EXIT_NOMODULE = 3,	/* the portres module is not loaded */
	EXIT_PERM = 4,		/* missing privilege */
	EXIT_NOTFOUND = 5,	/* no such reservation */
	EXIT_FILE = 6,		/* save/restore file unreadable, unwritable, malformed */
};

#define DEFAULT_SAVE_FILE	"/etc/portres/reservations.conf"

/*
 * Options: every subcommand takes -h/--help; the other options are long
 * only, with these values (above any character, so that an error can tell
 * a long option from a short one).
 */
enum {
	OPT_HELP = 'h',
	OPT_JSON = 256,
	OPT_UID,
	OPT_GID,
	OPT_SAVE,
};

#define OPTION_HELP	{ "help", no_argument, NULL, OPT_HELP }
#define OPTION_END	{ NULL, 0, NULL, 0 }

/*
 * getopt_long() over a subcommand's argv (argv[0] is its name): returns
 * the next option's value, or -1 when there are none left. Options and
 * operands may come in any order, whatever POSIXLY_CORRECT says, and "--"
 * ends the options; the operands are moved, in order, to argv[1..*nops].
 */
int next_option(int argc, char *argv[], const struct option *longopts,
		int *nops);
/*
 * For an option value the subcommand does not take itself: -h/--help
 * prints its help (EXIT_OK); an unknown option or a missing value is a
 * usage error (EXIT_USAGE). Call it right after next_option().
 */
int other_option(int opt, char *argv[]);

/* Print "portresctl: what: message" for err and return its exit code. */
int report(const char *what, int err);
int exit_code(int err);
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Strict decimal in [min, max]; prints the error itself (exit code 2). */
int parse_number(const char *cmd, const char *what, const char *s,
		 unsigned long min, unsigned long max, unsigned long *v);
/* "tcp"/"udp" -> IPPROTO_*, else prints the error and returns 0. */
int parse_proto(const char *cmd, const char *s);
/* START COUNT: a block inside 1-65535; returns 0 or EXIT_USAGE. */
int parse_block(const char *cmd, const char *start, const char *count,
		uint16_t *first, uint16_t *n);
/* "tcp|udp START COUNT" at argv[1..3] (argc - 1 of them there) into p. */
int block_args(const char *cmd, int argc, char **argv,
	       struct portres_persistent *p);
/* A failed operation on p's block: "portresctl: CMD PROTO BLOCK: why". */
int report_block(const char *cmd, const struct portres_persistent *p, int err);
/* A user or group: number or name from /etc/passwd, /etc/group. */
int parse_id(const char *cmd, const char *opt, const char *s, bool group,
	     uint32_t *id);

bool have_cap_net_admin(void);

/* ---- format.c ---- */

/* "1000" or "-" for PORTRES_ANY_ID, into buf. */
const char *id_str(uint32_t id, char *buf, size_t size);
/* "tcp 7000-7004" for messages (a static buffer). */
const char *block_str(int proto, uint16_t first, uint16_t n);
/* Printable form of a command name (\ooo for the rest). */
void print_escaped(FILE *f, const char *s);
/* "pid 12 uid 0" or "uid 0, allows uid 1000 gid any" of a reservation. */
void owner_str(const struct portres_entry *e, char *buf, size_t size);
/* The members of one reservation's JSON object; in_use only if asked. */
void json_entry(const struct portres_entry *e, bool in_use);

/* ---- save.c, restore.c (the daemon uses them too) ---- */

/* Writes the persistent reservations to path; an exit code. */
int save_to(const char *path, bool quiet);
/*
 * Restores every readable reservation of path; an exit code. A damaged
 * file (some lines unreadable) sets *damaged and gives EXIT_FILE.
 */
int restore_from(const char *path, bool *damaged);

#endif
