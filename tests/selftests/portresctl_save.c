// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl save and restore within one boot: the saved file's lines, a
 * round trip that brings back the same tokens and allowed ids, a second
 * restore that skips what exists, conflicts reported with a non-zero exit,
 * the default file, standard input/output, and the privilege and file errors.
 *
 * Ports used: 29500-29999.
 */
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libportres_util.h"

#define FILE1	"/tmp/portres-save-test.conf"

#define EXPECT(r, code, stream, part)					\
	do {								\
		if ((r)->status != (code) || !strstr((r)->stream, part)) { \
			show_prog(r);					\
			CHECK(0, "want exit %d and %s with '%s'", code,	\
			      #stream, part);				\
		}							\
	} while (0)

struct three {
	char line[3][96];	/* as lookup prints them: lines of the file */
};

static int make_three(struct three *t)
{
	static const char *const args[3][6] = {
		{ "tcp", "29500", "5", "--uid", "1000", NULL },
		{ "udp", "29510", "2", "--gid", "100", NULL },
		{ "tcp", "29520", "1", NULL },
	};
	struct prog_result r;
	int i;

	for (i = 0; i < 3; i++) {
		run_prog(&r, AS_ROOT, NULL, "portresctl", "add", args[i][0],
			 args[i][1], args[i][2], args[i][3], args[i][4], NULL);
		EXPECT(&r, 0, err, "");
		run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", args[i][0],
			 args[i][1], args[i][2], NULL);
		EXPECT(&r, 0, err, "");
		CHECK(strlen(r.out) < sizeof(t->line[i]), "long line '%s'", r.out);
		memcpy(t->line[i], r.out, strlen(r.out) + 1);
	}
	return 0;
}

/* The whole file, trailing newline included (file_read() strips it). */
static char *read_file(const char *path)
{
	static char buf[OUT_MAX];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int delete_three(void)
{
	struct prog_result r;

	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "tcp", "29500", "5", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "udp", "29510", "2", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "delete", "tcp", "29520", "1", NULL);
	EXPECT(&r, 0, err, "");
	return 0;
}

static int check_three(const struct three *t)
{
	static const char *const blk[3][3] = {
		{ "tcp", "29500", "5" }, { "udp", "29510", "2" }, { "tcp", "29520", "1" },
	};
	struct prog_result r;
	int i;

	for (i = 0; i < 3; i++) {
		run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", blk[i][0],
			 blk[i][1], blk[i][2], NULL);
		if (r.status || strcmp(r.out, t->line[i])) {
			show_prog(&r);
			CHECK(0, "after restore: want '%s'", t->line[i]);
		}
	}
	return 0;
}

static int save_restore_round_trip(void)
{
	struct prog_result r;
	struct three t;
	char *text;
	int i;

	persistent_cleanup_at_exit(29500, 29999);
	CHECK_PASS(make_three(&t));
	CHECK(!strncmp(t.line[0], "tcp 29500 5 ", 12) &&
	      strstr(t.line[0], " 1000 -\n") && strstr(t.line[1], " - 100\n") &&
	      strstr(t.line[2], " - -\n"), "lookup lines '%s' '%s' '%s'",
	      t.line[0], t.line[1], t.line[2]);
	unlink(FILE1);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "save", FILE1, NULL);
	EXPECT(&r, 0, err, "persistent reservation");
	text = read_file(FILE1);
	CHECK(text, "no %s", FILE1);
	CHECK(!strncmp(text, "# ", 2), "no comment header: '%s'", text);
	for (i = 0; i < 3; i++)
		CHECK(strstr(text, t.line[i]), "'%s' not in '%s'", t.line[i], text);

	CHECK_PASS(delete_three());
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", FILE1, NULL);
	EXPECT(&r, 0, err, "restored ");
	CHECK(strstr(r.err, "failed 0\n"), "'%s'", r.err);
	CHECK_PASS(check_three(&t));

	/* Again: everything is there with the same token, nothing to do. */
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", FILE1, NULL);
	EXPECT(&r, 0, err, "restored 0, already present ");
	CHECK(strstr(r.err, "failed 0\n"), "'%s'", r.err);
	CHECK_PASS(check_three(&t));
	unlink(FILE1);
	return 0;
}

static int restore_reports_conflicts(void)
{
	struct portres_persistent held, other;
	struct prog_result r;
	char text[512];

	persistent_cleanup_at_exit(29500, 29999);
	portres_persistent_init(&held, IPPROTO_TCP, 29600, 2);
	CHECK_OK(portres_persistent_create(-1, &held));
	portres_persistent_init(&other, IPPROTO_UDP, 29610, 1);
	CHECK_OK(portres_persistent_create(-1, &other));
	/* 1: held block, other token. 2: a token in use elsewhere. 3: fine. */
	snprintf(text, sizeof(text),
		 "tcp 29600 2 %016llx - -\n"
		 "# comment\n\n"
		 "udp 29620 1 %016llx - -\n"
		 "udp 29630 3 5eed5eed5eed5eed 0 0   # trailing comment\n",
		 (unsigned long long)held.token ^ 1,
		 (unsigned long long)other.token);
	run_prog(&r, AS_ROOT, text, "portresctl", "restore", "-", NULL);
	EXPECT(&r, 1, err, "restore: -:1: tcp 29600-29601: the block overlaps a reservation or a bound port\n");
	EXPECT(&r, 1, err, "restore: -:4: udp 29620-29620: that token is already in use\n");
	EXPECT(&r, 1, err, "restored 1, already present 0, failed 2\n");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "udp", "29630", "3", NULL);
	EXPECT(&r, 0, out, "udp 29630 3 5eed5eed5eed5eed 0 0\n");

	/* Same block, same token, other allowed ids: not "already present". */
	snprintf(text, sizeof(text), "udp 29630 3 5eed5eed5eed5eed 0 -\n");
	run_prog(&r, AS_ROOT, text, "portresctl", "restore", "-", NULL);
	EXPECT(&r, 1, err, "failed 1\n");
	return 0;
}

static int save_and_restore_need_cap_net_admin(void)
{
	struct prog_result r;

	persistent_cleanup_at_exit(29500, 29999);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "tcp", "29700", "1", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_NOADMIN, NULL, "portresctl", "save", "-", NULL);
	EXPECT(&r, 4, err, "save: needs CAP_NET_ADMIN");
	CHECK(!r.out[0], "saved without privilege: '%s'", r.out);
	run_prog(&r, AS_NOBODY, "tcp 29710 1 00000000000000aa - -\n", "portresctl",
		 "restore", "-", NULL);
	EXPECT(&r, 4, err, "creating persistent reservations needs CAP_NET_ADMIN");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29710", "1", NULL);
	EXPECT(&r, 5, err, "");
	return 0;
}

static int default_file_stdout_and_file_errors(void)
{
	struct prog_result r, s;
	char *text;

	persistent_cleanup_at_exit(29500, 29999);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "udp", "29800", "4", NULL);
	EXPECT(&r, 0, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "save", NULL);
	EXPECT(&r, 0, err, "to /etc/portres/reservations.conf");
	run_prog(&s, AS_ROOT, NULL, "portresctl", "save", "-", NULL);
	EXPECT(&s, 0, out, "udp 29800 4 ");
	text = read_file("/etc/portres/reservations.conf");
	CHECK(text && !strcmp(text, s.out),
	      "default file '%s' differs from stdout '%s'", text ? text : "", s.out);
	unlink("/etc/portres/reservations.conf");

	run_prog(&r, AS_ROOT, NULL, "portresctl", "save", "/nonexistent/dir/file", NULL);
	EXPECT(&r, 6, err, "save: /nonexistent/dir/file: No such file or directory");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", "/nonexistent/file", NULL);
	EXPECT(&r, 6, err, "restore: /nonexistent/file: No such file or directory");
	run_prog(&r, AS_ROOT, "udp 29810 1 zz - -\n", "portresctl", "restore", "-", NULL);
	EXPECT(&r, 6, err, "-:1: token must be 16 hex digits");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "udp", "29810", "1", NULL);
	EXPECT(&r, 5, err, "");
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(save_restore_round_trip),
		TAP_TEST(restore_reports_conflicts),
		TAP_TEST(save_and_restore_need_cap_net_admin),
		TAP_TEST(default_file_stdout_and_file_errors),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
