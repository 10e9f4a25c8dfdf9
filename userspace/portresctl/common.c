// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl: what the subcommands share: the command line (options,
 * numbers, protocols, blocks, users and groups), error messages and exit
 * codes.
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
#include "subcommands.h"

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

int block_args(const char *cmd, int argc, char **argv,
	       struct portres_persistent *p)
{
	uint16_t first, n;
	int proto;

	if (argc > 4)
		return usage_error(cmd, "unexpected argument '%s'", argv[4]);
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

int report_block(const char *cmd, const struct portres_persistent *p, int err)
{
	char what[64];

	snprintf(what, sizeof(what), "%s %s", cmd,
		 block_str(p->protocol, ntohs(p->range.start_port),
			   p->range.number_of_ports));
	return report(what, err);
}

/*
 * "-" first: operands come back in order as option 1, so that they may
 * stand before, between or after the options whatever POSIXLY_CORRECT
 * says; ":" next: a missing value is told from an unknown option.
 */
#define SHORT_OPTIONS	"-:h"

int next_option(int argc, char *argv[], const struct option *longopts,
		int *nops)
{
	int opt;

	/*
	 * An operand goes to argv[1 + *nops], which getopt_long() has read
	 * already: in this mode it moves nothing in argv.
	 */
	while ((opt = getopt_long(argc, argv, SHORT_OPTIONS, longopts,
				  NULL)) == 1)
		argv[1 + (*nops)++] = optarg;
	if (opt == -1)	/* after "--", operands only */
		while (optind < argc)
			argv[1 + (*nops)++] = argv[optind++];
	return opt;
}

int other_option(int opt, char *argv[])
{
	/* The argument getopt_long() has just stepped over. */
	const char *arg = argv[optind - 1];

	switch (opt) {
	case OPT_HELP:
		return subcommand_help(argv[0]);
	case ':':	/* only long options take a value */
		return usage_error(argv[0], "%s needs a value", arg);
	case '?':
		/*
		 * optopt is 0 for an unknown long option, the option's value
		 * for one given a value it does not take, and the character
		 * for an unknown short one (perhaps within "-abc").
		 */
		if (optopt >= 256 || optopt == OPT_HELP)
			return usage_error(argv[0], "option '%.*s' takes no value",
					   (int)strcspn(arg, "="), arg);
		if (optopt)
			return usage_error(argv[0], "unknown option '-%c'", optopt);
		return usage_error(argv[0], "unknown option '%s'", arg);
	}
	return usage_error(argv[0], "option %d not handled", opt);
}
