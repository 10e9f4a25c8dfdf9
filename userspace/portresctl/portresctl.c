// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl: show, inspect and administer portres port reservations
 * (the Linux counterpart of "netsh int ipv4 show|add|delete excludedportrange").
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portresctl.h"

int exit_code(int err)
{
	if (portres_module_missing(err))
		return EXIT_NOMODULE;
	switch (-err) {
	case 0:
		return EXIT_OK;
	case EPERM:
	case EACCES:
		return EXIT_PERM;
	case ENOENT:
		return EXIT_NOTFOUND;
	case EINVAL:
		return EXIT_USAGE;
	}
	return EXIT_FAIL;
}

int report(const char *what, int err)
{
	int code = exit_code(err);	/* before anything else can fail */

	fprintf(stderr, "portresctl: %s: %s\n", what, portres_strerror(err));
	return code;
}

int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "portresctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'portresctl %s%s--help'.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int parse_number(const char *cmd, const char *what, const char *s,
		 unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9' ||
	    ((*v = strtoul(s, &end, 10)), errno == ERANGE) || *end)
		return usage_error(cmd, "%s '%s' is not a number", what, s);
	if (*v < min || *v > max)
		return usage_error(cmd, "%s %lu is out of range (%lu-%lu)",
				   what, *v, min, max);
	return 0;
}

int parse_proto(const char *cmd, const char *s)
{
	int proto = portres_proto_parse(s);

	if (!proto)
		usage_error(cmd, "unknown protocol '%s' (tcp or udp)", s);
	return proto;
}

int parse_block(const char *cmd, const char *start, const char *count,
		uint16_t *first, uint16_t *n)
{
	unsigned long s, c;

	if (parse_number(cmd, "start port", start, 1, 65535, &s) ||
	    parse_number(cmd, "port count", count, 1, 65535, &c))
		return EXIT_USAGE;
	if (s + c - 1 > 65535)
		return usage_error(cmd, "ports %lu-%lu go past 65535", s,
				   s + c - 1);
	*first = s;
	*n = c;
	return 0;
}

/* Names from the files themselves: no NSS, so static builds work anywhere. */
static int lookup_name(const char *s, bool group, uint32_t *id)
{
	FILE *f = fopen(group ? "/etc/group" : "/etc/passwd", "re");
	int found = 0;

	if (!f)
		return 0;
	if (group) {
		struct group *g;

		while (!found && (g = fgetgrent(f)))
			if (!strcmp(g->gr_name, s)) {
				*id = g->gr_gid;
				found = 1;
			}
	} else {
		struct passwd *p;

		while (!found && (p = fgetpwent(f)))
			if (!strcmp(p->pw_name, s)) {
				*id = p->pw_uid;
				found = 1;
			}
	}
	fclose(f);
	return found;
}

int parse_id(const char *cmd, const char *opt, const char *s, bool group,
	     uint32_t *id)
{
	unsigned long v;

	if (*s >= '0' && *s <= '9') {
		if (parse_number(cmd, opt, s, 0, PORTRES_ANY_ID - 1, &v))
			return EXIT_USAGE;
		*id = v;
		return 0;
	}
	if (lookup_name(s, group, id))
		return 0;
	return usage_error(cmd, "%s: no %s named '%s'", opt,
			   group ? "group" : "user", s);
}

const char *id_str(uint32_t id, char *buf, size_t size)
{
	if (id == PORTRES_ANY_ID)
		return "-";
	snprintf(buf, size, "%u", id);
	return buf;
}

void print_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c < 0x21 || c > 0x7e || c == '\\')
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
}

bool have_cap_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32));
}

/* ---- add, delete, lookup ---- */

/* "tcp 7000-7004" for messages. */
static const char *block_str(int proto, uint16_t first, uint16_t n)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s %u-%u", portres_proto_name(proto),
		 first, first + n - 1);
	return buf;
}

/* Parses "tcp|udp START COUNT" at argv[1..3] into p. */
static int block_args(const char *cmd, int argc, char **argv,
		      struct portres_persistent *p)
{
	uint16_t first, n;
	int proto;

	if (argc < 4)
		return usage_error(cmd, "missing %s", argc < 2 ? "protocol" :
				   argc < 3 ? "start port" : "port count");
	proto = parse_proto(cmd, argv[1]);
	if (!proto)
		return EXIT_USAGE;
	if (parse_block(cmd, argv[2], argv[3], &first, &n))
		return EXIT_USAGE;
	portres_persistent_init(p, proto, first, n);
	return 0;
}

static int cmd_add(int argc, char **argv)
{
	struct portres_persistent p;
	char *pos[4];
	int i, npos = 0, ret;
	uint32_t uid = PORTRES_ANY_ID, gid = PORTRES_ANY_ID;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		bool is_uid = !strncmp(a, "--uid", 5), is_gid = !strncmp(a, "--gid", 5);

		if ((is_uid || is_gid) && (a[5] == '=' || !a[5])) {
			if (a[5] == '=')
				val = a + 6;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return usage_error("add", "%.5s needs a value", a);
			if (parse_id("add", is_uid ? "--uid" : "--gid", val, is_gid,
				     is_uid ? &uid : &gid))
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			return usage_error("add", "unknown option '%s'", a);
		} else if (npos == 3) {
			return usage_error("add", "unexpected argument '%s'", a);
		} else {
			pos[1 + npos++] = argv[i];
		}
	}
	pos[0] = argv[0];
	ret = block_args("add", npos + 1, pos, &p);
	if (ret)
		return ret;
	p.allowed_uid = uid;
	p.allowed_gid = gid;
	ret = portres_persistent_create(-1, &p);
	if (ret) {
		char what[64];

		snprintf(what, sizeof(what), "add %s",
			 block_str(p.protocol, ntohs(p.range.start_port),
				   p.range.number_of_ports));
		return report(what, ret);
	}
	printf("%016llx\n", (unsigned long long)p.token);
	return EXIT_OK;
}

static int cmd_delete_lookup(int argc, char **argv, bool lookup)
{
	const char *cmd = lookup ? "lookup" : "delete";
	struct portres_persistent p;
	char what[64], ub[16], gb[16];
	uint16_t first;
	int ret;

	if (argc > 4)
		return usage_error(cmd, "unexpected argument '%s'", argv[4]);
	ret = block_args(cmd, argc, argv, &p);
	if (ret)
		return ret;
	first = ntohs(p.range.start_port);
	ret = lookup ? portres_persistent_lookup(-1, &p) :
		       portres_persistent_delete(-1, &p);
	if (ret) {
		snprintf(what, sizeof(what), "%s %s", cmd,
			 block_str(p.protocol, first, p.range.number_of_ports));
		return report(what, ret);
	}
	/* The lookup line is a line of the save file. */
	if (lookup)
		printf("%s %u %u %016llx %s %s\n", portres_proto_name(p.protocol),
		       first, p.range.number_of_ports,
		       (unsigned long long)p.token,
		       id_str(p.allowed_uid, ub, sizeof(ub)),
		       id_str(p.allowed_gid, gb, sizeof(gb)));
	return EXIT_OK;
}

static int cmd_delete(int argc, char **argv)
{
	return cmd_delete_lookup(argc, argv, false);
}

static int cmd_lookup(int argc, char **argv)
{
	return cmd_delete_lookup(argc, argv, true);
}

/* ---- dispatch and help ---- */

static int cmd_help(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "show", cmd_show, "[tcp|udp] [--json]",
	  "List the reservations of this network namespace, like 'netsh int ipv4\n"
	  "show excludedportrange', with kind, ports in use, binds refused and\n"
	  "owner (pid and command of runtime reservations, creator and allowed\n"
	  "uid/gid of persistent ones), from the kernel's netlink dump. Tokens\n"
	  "appear only with CAP_NET_ADMIN.\n"
	  "  --json   one JSON array of objects instead of the table\n" },
	{ "who", cmd_who, "PORT [tcp|udp]",
	  "Tell which reservation holds PORT and which processes have a socket\n"
	  "bound to it (from /proc/net/{tcp,tcp6,udp,udp6} and /proc/*/fd).\n"
	  "Without a protocol, both are shown. Processes of other users are\n"
	  "visible only to root.\n" },
	{ "monitor", cmd_monitor, "[--json]",
	  "Print every reservation made or ended in this network namespace as\n"
	  "it happens, like 'ip monitor': 'new' and 'del' lines with protocol,\n"
	  "block, kind and owner; 'del' lines say why it ended (release, close,\n"
	  "delete, netns, unload) and how many binds it refused. Tokens are never\n"
	  "shown. Runs until interrupted.\n"
	  "  --json   one JSON object per line\n" },
	{ "add", cmd_add, "tcp|udp START COUNT [--uid USER] [--gid GROUP]",
	  "Create a persistent reservation of ports START..START+COUNT-1 and\n"
	  "print its token (16 hex digits). Needs CAP_NET_ADMIN.\n"
	  "  --uid USER    only USER (name or number) may look it up or associate\n"
	  "  --gid GROUP   only members of GROUP may (both: either admits)\n" },
	{ "delete", cmd_delete, "tcp|udp START COUNT",
	  "Delete the persistent reservation of exactly that block. Needs\n"
	  "CAP_NET_ADMIN.\n" },
	{ "lookup", cmd_lookup, "tcp|udp START COUNT",
	  "Print the persistent reservation of exactly that block as\n"
	  "'PROTO START COUNT TOKEN ALLOWED_UID ALLOWED_GID' ('-' = anyone).\n"
	  "Allowed to whom its allowed uid/gid admit, and to CAP_NET_ADMIN.\n" },
	{ "save", cmd_save, "[FILE]",
	  "Write every persistent reservation, with its token and allowed ids, to\n"
	  "FILE (default " DEFAULT_SAVE_FILE ", '-' = standard output), one\n"
	  "'PROTO START COUNT TOKEN ALLOWED_UID ALLOWED_GID' line each.\n"
	  "Needs CAP_NET_ADMIN (tokens are hidden from others).\n" },
	{ "restore", cmd_restore, "[FILE]",
	  "Create every reservation of FILE (default " DEFAULT_SAVE_FILE ",\n"
	  "'-' = standard input) with its saved token. Reservations that already\n"
	  "exist with the same token are skipped; every other failure is\n"
	  "reported and makes the exit status non-zero. Needs CAP_NET_ADMIN.\n" },
	{ "daemon", cmd_daemon, "[--save FILE]",
	  "Keep FILE (default " DEFAULT_SAVE_FILE ") equal to the persistent\n"
	  "reservations: restore it first (as restore does; a damaged file is\n"
	  "kept as FILE.damaged-TIME and its bad lines named), save, then rewrite\n"
	  "it after every persistent reservation the kernel announces as created\n"
	  "or deleted (temporary file, fsync, rename, fsync of the directory).\n"
	  "Unloading the module or ending a namespace deletes nothing from FILE;\n"
	  "when the module comes back the daemon restores FILE again. Tells\n"
	  "systemd when it is ready (Type=notify). Runs until killed; needs\n"
	  "CAP_NET_ADMIN.\n" },
	{ "help", cmd_help, "[COMMAND]", "Show help for COMMAND, or for all.\n" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: portresctl COMMAND [ARGS]\n"
		   "Show and administer portres port reservations.\n\nCommands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].usage);
	fprintf(f, "\n'portresctl COMMAND --help' describes one command;\n"
		   "'portresctl --version' prints the version.\n"
		   "Exit status: 0 ok, 1 refused/failed, 2 usage, 3 module not loaded,\n"
		   "4 permission denied, 5 no such reservation, 6 file error.\n"
		   "See portresctl(8) and portres(7).\n");
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static void cmd_usage(const struct cmd *c)
{
	printf("Usage: portresctl %s %s\n\n%s", c->name, c->usage, c->help);
}

static int cmd_help(int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (argc > 2)
		return usage_error("help", "unexpected argument '%s'", argv[2]);
	c = find_cmd(argv[1]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	cmd_usage(c);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		if (argc > 2)
			return usage_error(NULL, "unexpected argument '%s'", argv[2]);
		printf("portresctl %s\n", PORTRES_VERSION);
		return EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return usage_error(NULL, "unknown command '%s'", argv[1]);
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cmd_usage(c);
			return EXIT_OK;
		}
	}
	return c->fn(argc - 1, argv + 1);
}
