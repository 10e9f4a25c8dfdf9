// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl: how reservations are written out, shared by show, who,
 * monitor, lookup and save.
 */
#include <stdio.h>

#include "portresctl.h"

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

const char *block_str(int proto, uint16_t first, uint16_t n)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s %u-%u", portres_proto_name(proto),
		 first, first + n - 1);
	return buf;
}

void owner_str(const struct portres_entry *e, char *buf, size_t size)
{
	char ub[16], gb[16];

	if (!e->persistent) {
		snprintf(buf, size, "pid %d uid %u", e->pid, e->uid);
		return;
	}
	if (e->allowed_uid == PORTRES_ANY_ID && e->allowed_gid == PORTRES_ANY_ID)
		snprintf(buf, size, "uid %u, allows anyone", e->uid);
	else
		snprintf(buf, size, "uid %u, allows uid %s gid %s", e->uid,
			 e->allowed_uid == PORTRES_ANY_ID ? "any" :
			 id_str(e->allowed_uid, ub, sizeof(ub)),
			 e->allowed_gid == PORTRES_ANY_ID ? "any" :
			 id_str(e->allowed_gid, gb, sizeof(gb)));
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);	/* comm bytes need not be UTF-8 */
		else
			putchar(c);
	}
	putchar('"');
}

static void json_id(const char *name, uint32_t id)
{
	if (id == PORTRES_ANY_ID)
		printf(",\"%s\":null", name);
	else
		printf(",\"%s\":%u", name, id);
}

void json_entry(const struct portres_entry *e, bool in_use)
{
	printf("\"protocol\":\"%s\",\"start\":%u,\"end\":%u,"
	       "\"count\":%u,\"kind\":\"%s\"",
	       portres_proto_name(e->protocol), e->first, e->last, e->count,
	       e->persistent ? "persistent" : "runtime");
	if (in_use)
		printf(",\"in_use\":%u", e->in_use);
	printf(",\"refused\":%llu,\"uid\":%u",
	       (unsigned long long)e->refused, e->uid);
	if (e->persistent) {
		printf(",\"pid\":null,\"command\":null");
	} else {
		printf(",\"pid\":%d,\"command\":", e->pid);
		json_str(e->comm);
	}
	json_id("allowed_uid", e->persistent ? e->allowed_uid : PORTRES_ANY_ID);
	json_id("allowed_gid", e->persistent ? e->allowed_gid : PORTRES_ANY_ID);
}
