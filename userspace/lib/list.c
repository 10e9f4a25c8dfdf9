// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libportres: parsing /proc/net/port_reservations.
 *
 *   proto first last count kind in_use uid pid allow_uid allow_gid token comm refused
 *
 * (modules before the refused count had no last field: read as 0).
 * "-" stands for "none" or "anyone"; comm has space, tab, newline and
 * backslash escaped as \ooo (seq_escape), so fields split on blanks.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HEADER_V1 "proto first last count kind in_use uid pid allow_uid allow_gid token comm"
#define HEADER HEADER_V1 " refused"
#define NFIELDS 13

/* Decimal number in [0, max] into *v; "-" gives dash_val if dash_ok. */
static int parse_num(const char *s, unsigned long max, bool dash_ok,
		     unsigned long dash_val, unsigned long *v)
{
	char *end;

	if (dash_ok && !strcmp(s, "-")) {
		*v = dash_val;
		return 0;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

/* Undo seq_escape's \ooo; -1 if malformed or too long. */
static int unescape(const char *s, char *out, size_t size)
{
	size_t n = 0;

	while (*s) {
		int c = (unsigned char)*s++;

		if (c == '\\') {
			int i;

			c = 0;
			for (i = 0; i < 3; i++, s++) {
				if (*s < '0' || *s > '7')
					return -1;
				c = c * 8 + (*s - '0');
			}
			if (c > 255)
				return -1;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

static int parse_line(char *line, struct portres_entry *e, int nfields)
{
	char *f[NFIELDS + 1], *save = NULL, *tok;
	unsigned long v[7];
	int n = 0;

	for (tok = strtok_r(line, " \n", &save); tok;
	     tok = strtok_r(NULL, " \n", &save)) {
		if (n == nfields)
			return -1;
		f[n++] = tok;
	}
	if (n != nfields)
		return -1;

	memset(e, 0, sizeof(*e));
	e->protocol = portres_proto_parse(f[0]);
	if (!e->protocol || strcmp(f[0], portres_proto_name(e->protocol)))
		return -1;
	if (!strcmp(f[4], "persistent"))
		e->persistent = true;
	else if (strcmp(f[4], "runtime"))
		return -1;
	if (parse_num(f[1], 65535, false, 0, &v[0]) ||
	    parse_num(f[2], 65535, false, 0, &v[1]) ||
	    parse_num(f[3], 65536, false, 0, &v[2]) ||
	    parse_num(f[5], 65536, false, 0, &v[3]) ||
	    parse_num(f[6], UINT32_MAX, false, 0, &v[4]) ||
	    parse_num(f[8], UINT32_MAX, true, PORTRES_ANY_ID, &v[5]) ||
	    parse_num(f[9], UINT32_MAX, true, PORTRES_ANY_ID, &v[6]))
		return -1;
	e->first = v[0];
	e->last = v[1];
	e->count = v[2];
	e->in_use = v[3];
	e->uid = v[4];
	e->allowed_uid = v[5];
	e->allowed_gid = v[6];
	if (e->last < e->first || e->count != (uint32_t)(e->last - e->first + 1) ||
	    e->in_use > e->count)
		return -1;

	if (!strcmp(f[7], "-")) {
		e->pid = PORTRES_NO_PID;
	} else {
		unsigned long pid;

		if (parse_num(f[7], INT32_MAX, false, 0, &pid))
			return -1;
		e->pid = pid;
	}

	if (strcmp(f[10], "-")) {
		char *end;

		if (strlen(f[10]) != 16)
			return -1;
		errno = 0;
		e->token = strtoull(f[10], &end, 16);
		if (errno || *end || f[10][0] == '-' || f[10][0] == '+')
			return -1;
		e->token_visible = true;
	}

	/* A persistent reservation has no command; "-" of a runtime one is a name. */
	if (e->persistent && !strcmp(f[11], "-"))
		e->comm[0] = '\0';
	else if (unescape(f[11], e->comm, sizeof(e->comm)))
		return -1;
	if (nfields > 12) {
		char *end;

		if (f[12][0] < '0' || f[12][0] > '9')
			return -1;
		errno = 0;
		e->refused = strtoull(f[12], &end, 10);
		if (errno || *end)
			return -1;
	}
	return 0;
}

int portres_list_parse(FILE *f, struct portres_entry **out, size_t *n)
{
	struct portres_entry *list = NULL, *bigger;
	size_t len = 0, cap = 0;
	char *line = NULL;
	size_t lsize = 0;
	ssize_t got;
	int ret = 0;
	bool header = true;
	int nfields = NFIELDS;

	while ((got = getline(&line, &lsize, f)) >= 0) {
		if (got > 0 && line[got - 1] == '\n')
			line[--got] = '\0';
		if (header) {
			header = false;
			if (!strcmp(line, HEADER_V1)) {
				nfields = 12;
			} else if (strcmp(line, HEADER)) {
				ret = -EBADMSG;
				break;
			}
			continue;
		}
		if (len == cap) {
			cap = cap ? 2 * cap : 16;
			bigger = realloc(list, cap * sizeof(*list));
			if (!bigger) {
				ret = -ENOMEM;
				break;
			}
			list = bigger;
		}
		if (parse_line(line, &list[len], nfields)) {
			ret = -EBADMSG;
			break;
		}
		len++;
	}
	if (!ret && ferror(f))
		ret = -EIO;
	if (!ret && header)
		ret = -EBADMSG;	/* not even the header: not our file */
	free(line);
	if (ret) {
		free(list);
		return portres__fail(PR_OP_LIST, ret);
	}
	*out = list;
	*n = len;
	return 0;
}

void portres_list_free(struct portres_entry *list)
{
	free(list);
}
