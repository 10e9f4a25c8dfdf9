// SPDX-License-Identifier: GPL-2.0
/*
 * portresctl save and restore within one boot: the saved file's lines, a
 * round trip that brings back the same tokens and allowed ids, a second
 * restore that skips what exists, conflicts reported with a non-zero exit,
 * the default file, standard input/output, and the privilege and file errors.
 */
#include <unistd.h>

#include "portres_test.h"
#include "libportres_util.h"

#define FILE1	"/tmp/portres-save-test.conf"
#define DEFAULT_FILE	"/etc/portres/reservations.conf"

PORTRES_FIXTURE(save, PORTRES_NETNS);

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

/* Three persistent reservations: blocks, and the ids they allow. */
static const char *const three[3][5] = {
	{ "tcp", "29500", "5", "--uid", "1000" },
	{ "udp", "29510", "2", "--gid", "100" },
	{ "tcp", "29520", "1" },
};

/* "portresctl CMD" of three[i]'s block (its ids too, for add) into r. */
static void three_run(struct prog_result *r, const char *cmd, int i, bool ids)
{
	const char *const *b = three[i];

	run_prog(r, AS_ROOT, NULL, "portresctl", cmd, b[0], b[1], b[2],
		 ids ? b[3] : NULL, b[4], NULL);
}

/* Every one of three as lookup prints it (lines of the saved file). */
static void lookup_three(struct __test_metadata *_metadata, char line[3][96])
{
	struct prog_result r;
	int i;

	for (i = 0; i < 3; i++) {
		three_run(&r, "lookup", i, false);
		ASSERT_PROG(&r, 0, err, "");
		ASSERT_GT(sizeof(line[i]), strlen(r.out))
			TH_LOG("long line '%s'", r.out);
		memcpy(line[i], r.out, strlen(r.out) + 1);
	}
}

/* lookup gives the lines it gave before. */
static void check_three(struct __test_metadata *_metadata, char want[3][96])
{
	char line[3][96];
	int i;

	lookup_three(_metadata, line);
	for (i = 0; i < 3; i++) {
		ASSERT_STREQ(want[i], line[i]) TH_LOG("after restore");
	}
}

TEST_F(save, save_restore_round_trip)
{
	struct prog_result r;
	char line[3][96];
	char *text;
	int i;

	for (i = 0; i < 3; i++) {
		three_run(&r, "add", i, true);
		ASSERT_PROG(&r, 0, err, "");
	}
	lookup_three(_metadata, line);
	ASSERT_TRUE(!strncmp(line[0], "tcp 29500 5 ", 12) &&
		    strstr(line[0], " 1000 -\n") && strstr(line[1], " - 100\n") &&
		    strstr(line[2], " - -\n"))
		TH_LOG("lookup lines '%s' '%s' '%s'", line[0], line[1], line[2]);
	unlink(FILE1);
	run_prog(&r, AS_ROOT, NULL, "portresctl", "save", FILE1, NULL);
	ASSERT_PROG(&r, 0, err, "persistent reservation");
	text = read_file(FILE1);
	ASSERT_NE(NULL, text) TH_LOG("no %s", FILE1);
	ASSERT_EQ(0, strncmp(text, "# ", 2)) TH_LOG("no comment header: '%s'", text);
	for (i = 0; i < 3; i++) {
		ASSERT_NE(NULL, strstr(text, line[i]))
			TH_LOG("'%s' not in '%s'", line[i], text);
	}

	for (i = 0; i < 3; i++) {
		three_run(&r, "delete", i, false);
		ASSERT_PROG(&r, 0, err, "");
	}
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", FILE1, NULL);
	ASSERT_PROG(&r, 0, err, "restored ");
	ASSERT_PROG(&r, 0, err, "failed 0\n");
	check_three(_metadata, line);

	/* Again: everything is there with the same token, nothing to do. */
	run_prog(&r, AS_ROOT, NULL, "portresctl", "restore", FILE1, NULL);
	ASSERT_PROG(&r, 0, err, "restored 0, already present ");
	ASSERT_PROG(&r, 0, err, "failed 0\n");
	check_three(_metadata, line);
	unlink(FILE1);
}

TEST_F(save, restore_reports_conflicts)
{
	struct portres_persistent held, other;
	struct prog_result r;
	char text[512];

	portres_persistent_init(&held, IPPROTO_TCP, 29600, 2);
	ASSERT_OK(portres_persistent_create(-1, &held));
	portres_persistent_init(&other, IPPROTO_UDP, 29610, 1);
	ASSERT_OK(portres_persistent_create(-1, &other));
	/* 1: held block, other token. 2: a token in use elsewhere. 3: fine. */
	snprintf(text, sizeof(text),
		 "tcp 29600 2 %016llx - -\n"
		 "# comment\n\n"
		 "udp 29620 1 %016llx - -\n"
		 "udp 29630 3 5eed5eed5eed5eed 0 0   # trailing comment\n",
		 (unsigned long long)held.token ^ 1,
		 (unsigned long long)other.token);
	run_prog(&r, AS_ROOT, text, "portresctl", "restore", "-", NULL);
	ASSERT_PROG(&r, 1, err, "restore: -:1: tcp 29600-29601: the block overlaps a reservation or a bound port\n");
	ASSERT_PROG(&r, 1, err, "restore: -:4: udp 29620-29620: that token is already in use\n");
	ASSERT_PROG(&r, 1, err, "restored 1, already present 0, failed 2\n");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "udp", "29630", "3", NULL);
	ASSERT_PROG(&r, 0, out, "udp 29630 3 5eed5eed5eed5eed 0 0\n");

	/* Same block, same token, other allowed ids: not "already present". */
	run_prog(&r, AS_ROOT, "udp 29630 3 5eed5eed5eed5eed 0 -\n", "portresctl",
		 "restore", "-", NULL);
	ASSERT_PROG(&r, 1, err, "failed 1\n");
}

TEST_F(save, save_and_restore_need_cap_net_admin)
{
	static const struct ctl_step steps[] = {
		{ AS_ROOT, { "add", "tcp", "29700", "1" }, 0, ERR, "" },
		{ AS_NOADMIN, { "save", "-" }, 4, ERR, "save: needs CAP_NET_ADMIN" },
	};
	struct prog_result r;

	ASSERT_CTL_STEPS(&r, steps);
	ASSERT_EQ(0, r.out[0]) TH_LOG("saved without privilege: '%s'", r.out);
	run_prog(&r, AS_NOBODY, "tcp 29710 1 00000000000000aa - -\n", "portresctl",
		 "restore", "-", NULL);
	ASSERT_PROG(&r, 4, err, "creating persistent reservations needs CAP_NET_ADMIN");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "tcp", "29710", "1", NULL);
	ASSERT_PROG(&r, 5, err, "");
}

TEST_F(save, default_file_stdout_and_file_errors)
{
	static const struct ctl_step errors[] = {
		{ AS_ROOT, { "save", "/nonexistent/dir/file" }, 6, ERR,
		  "save: /nonexistent/dir/file: No such file or directory" },
		{ AS_ROOT, { "restore", "/nonexistent/file" }, 6, ERR,
		  "restore: /nonexistent/file: No such file or directory" },
	};
	struct prog_result r, s;
	char *text;

	run_prog(&r, AS_ROOT, NULL, "portresctl", "add", "udp", "29800", "4", NULL);
	ASSERT_PROG(&r, 0, err, "");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "save", NULL);
	ASSERT_PROG(&r, 0, err, "to " DEFAULT_FILE);
	run_prog(&s, AS_ROOT, NULL, "portresctl", "save", "-", NULL);
	ASSERT_PROG(&s, 0, out, "udp 29800 4 ");
	text = read_file(DEFAULT_FILE);
	unlink(DEFAULT_FILE);
	ASSERT_TRUE(text && !strcmp(text, s.out))
		TH_LOG("default file '%s' differs from stdout '%s'",
		       text ? text : "", s.out);

	ASSERT_CTL_STEPS(&r, errors);
	run_prog(&r, AS_ROOT, "udp 29810 1 zz - -\n", "portresctl", "restore", "-", NULL);
	ASSERT_PROG(&r, 6, err, "-:1: token must be 16 hex digits");
	run_prog(&r, AS_ROOT, NULL, "portresctl", "lookup", "udp", "29810", "1", NULL);
	ASSERT_PROG(&r, 5, err, "");
}

TEST_HARNESS_MAIN
