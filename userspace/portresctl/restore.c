// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl restore [FILE]: creates the reservations of a file that save
 * wrote (its format is described in save.c), with their saved tokens.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portresctl.h"
#include "subcommands.h"

struct saved {
	struct portres_persistent p;
	int line;
};

/* One line of the file into s; 0, 1 for nothing (comment), or -1. */
static int parse_saved(char *line, struct saved *s, const char **why)
{
	char *f[7], *save = NULL, *tok, *end;
	unsigned long v[2];
	int n = 0, i, proto;
	uint32_t ids[2];

	line[strcspn(line, "#")] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok && n < 7;
	     tok = strtok_r(NULL, " \t\r\n", &save))
		f[n++] = tok;
	if (!n)
		return 1;
	if (n != 6) {
		*why = "expected 6 fields: proto start count token allowed_uid allowed_gid";
		return -1;
	}
	proto = portres_proto_parse(f[0]);
	if (!proto) {
		*why = "protocol must be tcp or udp";
		return -1;
	}
	for (i = 0; i < 2; i++) {
		errno = 0;
		v[i] = strtoul(f[1 + i], &end, 10);
		if (f[1 + i][0] < '0' || f[1 + i][0] > '9' || *end || errno ||
		    v[i] < 1 || v[i] > 65535) {
			*why = i ? "bad port count (1-65535)" : "bad start port (1-65535)";
			return -1;
		}
	}
	if (v[0] + v[1] - 1 > 65535) {
		*why = "block goes past port 65535";
		return -1;
	}
	portres_persistent_init(&s->p, proto, v[0], v[1]);
	errno = 0;
	s->p.token = strtoull(f[3], &end, 16);
	if (strlen(f[3]) != 16 || *end || errno || !s->p.token ||
	    strchr(f[3], '-') || strchr(f[3], '+') || strchr(f[3], 'x') ||
	    strchr(f[3], 'X')) {
		*why = "token must be 16 hex digits, not all zero";
		return -1;
	}
	for (i = 0; i < 2; i++) {
		const char *a = f[4 + i];
		unsigned long id;

		if (!strcmp(a, "-")) {
			ids[i] = PORTRES_ANY_ID;
			continue;
		}
		errno = 0;
		id = strtoul(a, &end, 10);
		if (a[0] < '0' || a[0] > '9' || *end || errno ||
		    id >= PORTRES_ANY_ID) {
			*why = i ? "bad allowed gid (number or -)" :
				   "bad allowed uid (number or -)";
			return -1;
		}
		ids[i] = id;
	}
	s->p.allowed_uid = ids[0];
	s->p.allowed_gid = ids[1];
	s->p.flags = PORTRES_F_GIVEN_TOKEN;
	return 0;
}

/*
 * Every readable line of path into *out; each unreadable one is named on
 * stderr and counted in *bad. EXIT_FILE if the file cannot be read at all.
 */
static int read_file(const char *path, struct saved **out, size_t *n,
		     int *bad_lines)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *line = NULL;
	size_t size = 0, len = 0;
	struct saved *v = NULL, *bigger, s;
	int lineno = 0, bad = 0;
	ssize_t got;

	if (!f) {
		fprintf(stderr, "portresctl: restore: %s: %s\n", path,
			strerror(errno));
		return EXIT_FILE;
	}
	while ((got = getline(&line, &size, f)) >= 0) {
		/* save ends every line: one without '\n' may be cut short. */
		bool cut = got > 0 && line[got - 1] != '\n';
		const char *why = NULL;
		int r;

		lineno++;
		r = parse_saved(line, &s, &why);
		if (!r && cut) {
			r = -1;
			why = "no newline at the end of the file: the line may be cut off";
		}
		if (r < 0) {
			fprintf(stderr, "portresctl: restore: %s:%d: %s\n", path,
				lineno, why);
			bad++;
			continue;
		}
		if (r > 0)
			continue;
		s.line = lineno;
		bigger = realloc(v, (len + 1) * sizeof(*v));
		if (!bigger) {
			bad++;
			break;
		}
		v = bigger;
		v[len++] = s;
	}
	if (ferror(f)) {
		fprintf(stderr, "portresctl: restore: %s: read error\n", path);
		bad++;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	*out = v;
	*n = len;
	*bad_lines = bad;
	return 0;
}

/*
 * Restores every readable reservation of path. A damaged file: the good
 * lines are restored, the bad ones named, and the exit code is EXIT_FILE
 * (*damaged set); otherwise EXIT_FAIL if some create failed.
 */
int restore_from(const char *path, bool *damaged)
{
	struct saved *v = NULL;
	size_t n = 0, i, done = 0, skipped = 0, failed = 0;
	int ret, fd, bad = 0;

	*damaged = false;
	ret = read_file(path, &v, &n, &bad);
	if (ret)
		return ret;
	*damaged = bad;
	if (bad)
		fprintf(stderr, "portresctl: restore: %s: %d unreadable line%s not restored (named above)\n",
			path, bad, bad == 1 ? "" : "s");
	fd = portres_open();
	if (fd < 0) {
		free(v);
		ret = report("restore", fd);
		return bad ? EXIT_FILE : ret;
	}
	for (i = 0; i < n; i++) {
		struct portres_persistent p = v[i].p, cur = v[i].p;
		uint16_t first = ntohs(p.range.start_port);
		char what[128];
		const char *msg;
		int err;

		snprintf(what, sizeof(what), "restore: %s:%d: %s %u-%u", path,
			 v[i].line, portres_proto_name(p.protocol), first,
			 first + p.range.number_of_ports - 1);
		err = portres_persistent_create(fd, &p);
		if (!err) {
			done++;
			continue;
		}
		msg = portres_strerror(err);	/* before the lookup below */
		if (err == -EPERM) {	/* so will every other line be */
			ret = report(what, err);
			break;
		}
		/* Restored already (a second run, or the boot restored it)? */
		if ((err == -EEXIST || err == -EADDRINUSE) &&
		    !portres_persistent_lookup(fd, &cur) && cur.token == p.token &&
		    cur.allowed_uid == p.allowed_uid &&
		    cur.allowed_gid == p.allowed_gid) {
			skipped++;
			continue;
		}
		fprintf(stderr, "portresctl: %s: %s\n", what, msg);
		failed++;
	}
	close(fd);
	free(v);
	if (ret)
		return bad ? EXIT_FILE : ret;
	fprintf(stderr, "restored %zu, already present %zu, failed %zu\n", done,
		skipped, failed);
	return bad ? EXIT_FILE : failed ? EXIT_FAIL : EXIT_OK;
}

static const struct option restore_options[] = {
	OPTION_HELP,
	OPTION_END
};

int restore_main(int argc, char *argv[])
{
	bool damaged;
	int opt, nops = 0;

	opt = next_option(argc, argv, restore_options, &nops);
	if (opt != -1)
		return other_option(opt, argv);
	if (nops > 1)
		return usage_error("restore", "unexpected argument '%s'", argv[2]);
	return restore_from(nops ? argv[1] : DEFAULT_SAVE_FILE, &damaged);
}
