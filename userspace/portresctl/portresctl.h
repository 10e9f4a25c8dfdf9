/* SPDX-License-Identifier: GPL-2.0 */
/* portresctl: shared declarations of its source files. */
#ifndef PORTRESCTL_H
#define PORTRESCTL_H

#include <stdbool.h>
#include <stdint.h>
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

/* Command-line arguments left after options: argv[0] is the command. */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;	/* after "portresctl NAME " */
	const char *help;
};

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
/* A user or group: number or name from /etc/passwd, /etc/group. */
int parse_id(const char *cmd, const char *opt, const char *s, bool group,
	     uint32_t *id);
/* "1000" or "-" for PORTRES_ANY_ID, into buf. */
const char *id_str(uint32_t id, char *buf, size_t size);
/* Printable form of a command name (\ooo for the rest). */
void print_escaped(FILE *f, const char *s);

bool have_cap_net_admin(void);

int cmd_show(int argc, char **argv);
int cmd_who(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_daemon(int argc, char **argv);

#endif
