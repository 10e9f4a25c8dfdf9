// SPDX-License-Identifier: GPL-2.0
/*
 * Privilege rules of acquire: ports below ip_unprivileged_port_start need
 * CAP_NET_BIND_SERVICE (as for bind()), and callers without CAP_NET_ADMIN
 * hold at most max_ports_per_user ports per user and namespace (EDQUOT).
 * Unprivileged callers are forked children that drop to uid 65534 (or just
 * drop one capability).
 */
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

PORTRES_FIXTURE(privilege, PORTRES_NETNS);

#define QUOTA	5

/* What a child does: become who, then acquire blocks and expect results. */
struct plan {
	uid_t uid;		/* 0: stay root */
	int drop_cap;		/* -1: none */
	bool new_netns;
	struct hs *hold;	/* if set: hand-shake, then hold until told */
	struct {
		uint16_t start, n;
		int want;	/* 0 or -errno */
	} step[6];
	int nsteps;
};

static int run_plan(void *p)
{
	struct plan *pl = p;
	int fd, i, err;

	if (pl->hold)
		hs_child_side(pl->hold);
	if (pl->new_netns && unshare(CLONE_NEWNET))
		die("unshare: %s", errname(errno));
	if (pl->drop_cap >= 0)
		drop_cap(pl->drop_cap);
	if (pl->uid)
		drop_to_uid(pl->uid);
	fd = xsock(AF_INET, IPPROTO_TCP);
	for (i = 0; i < pl->nsteps; i++) {
		err = acquire(fd, pl->step[i].start, pl->step[i].n, NULL);
		if (err != pl->step[i].want) {
			diag("uid %u: acquire %u+%u: expected %s, got %s",
			     pl->uid, pl->step[i].start, pl->step[i].n,
			     errname(-pl->step[i].want), errname(-err));
			return -1;
		}
	}
	if (pl->hold) {
		hs_post(pl->hold->to_parent[1]);
		hs_wait(pl->hold->to_child[0]);
	}
	return 0;
}

static void set_quota(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	xsysctl_set(PARAM_MAX_PORTS, buf);
}

TEST_F(privilege, unprivileged_port_needs_cap_net_bind_service)
{
	struct plan nobody = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 4,
		.step = {
			{ 1000, 1, -EACCES },
			{ 1020, 10, -EACCES },	/* straddles 1024 */
			{ 1023, 1, -EACCES },
			{ 26000, 2, 0 },	/* the control */
		},
	};
	struct plan root_minus_cap = {
		.uid = 0, .drop_cap = CAP_NET_BIND_SERVICE, .nsteps = 2,
		.step = { { 1001, 1, -EACCES }, { 26002, 2, 0 } },
	};
	struct plan root = {
		.uid = 0, .drop_cap = -1, .nsteps = 2,
		.step = { { 1000, 1, 0 }, { 1020, 10, 0 } },
	};

	xsysctl_set(SYSCTL_UNPRIV_START, "1024");
	ASSERT_EQ(0, child_run(run_plan, &nobody));
	ASSERT_EQ(0, child_run(run_plan, &root_minus_cap));
	ASSERT_EQ(0, child_run(run_plan, &root));
}

TEST_F(privilege, unprivileged_port_start_sysctl_is_honoured)
{
	struct plan denied = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 2,
		.step = { { 1500, 1, -EACCES }, { 1999, 1, -EACCES } },
	};
	struct plan allowed = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 2,
		.step = { { 1500, 1, 0 }, { 999, 1, -EACCES } },
	};

	xsysctl_set(SYSCTL_UNPRIV_START, "2000");
	ASSERT_EQ(0, child_run(run_plan, &denied));
	xsysctl_set(SYSCTL_UNPRIV_START, "1000");
	ASSERT_EQ(0, child_run(run_plan, &allowed));
}

TEST_F(privilege, quota_limits_user_without_cap_net_admin)
{
	struct plan nobody = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 5,
		.step = {
			{ 0, 3, 0 },
			{ 26010, 2, 0 },	/* now at the quota */
			{ 0, 1, -EDQUOT },
			{ 26020, 1, -EDQUOT },
			{ 26030, QUOTA + 1, -EDQUOT },
		},
	};
	struct plan too_big = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 2,
		.step = { { 0, QUOTA + 1, -EDQUOT }, { 0, QUOTA, 0 } },
	};
	struct plan root_minus_admin = {
		.uid = 0, .drop_cap = CAP_NET_ADMIN, .nsteps = 2,
		.step = { { 0, QUOTA, 0 }, { 26040, 1, -EDQUOT } },
	};
	struct plan root = {
		.uid = 0, .drop_cap = -1, .nsteps = 2,
		.step = { { 0, QUOTA, 0 }, { 26050, QUOTA, 0 } },
	};

	set_quota(QUOTA);
	ASSERT_EQ(0, child_run(run_plan, &nobody));
	ASSERT_EQ(0, child_run(run_plan, &too_big));
	/* It is CAP_NET_ADMIN that lifts the limit, not being uid 0. */
	ASSERT_EQ(0, child_run(run_plan, &root_minus_admin));
	ASSERT_EQ(0, child_run(run_plan, &root));
}

static int release_returns_quota(void *arg)
{
	int fd;
	uint64_t tok;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	fd = xsock(AF_INET, IPPROTO_UDP);
	tok = xacquire(fd, 0, QUOTA, NULL);
	if (acquire(fd, 0, 1, NULL) != -EDQUOT) {
		diag("acquire over the quota did not give EDQUOT");
		return -EPROTO;
	}
	xrelease(fd, tok);
	return acquire(fd, 0, QUOTA, NULL);
}

TEST_F(privilege, released_ports_count_no_more)
{
	set_quota(QUOTA);
	ASSERT_OK(child_run(release_returns_quota, NULL));
}

TEST_F(privilege, quota_is_per_user_across_processes)
{
	struct hs h;
	struct plan holder = {
		.uid = NOBODY_UID, .drop_cap = -1, .hold = &h, .nsteps = 1,
		.step = { { 0, QUOTA, 0 } },
	};
	struct plan same_user = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 1,
		.step = { { 0, 1, -EDQUOT } },
	};
	struct plan other_user = {
		.uid = NOBODY_UID - 1, .drop_cap = -1, .nsteps = 1,
		.step = { { 0, QUOTA, 0 } },
	};
	struct plan other_netns = {
		.uid = NOBODY_UID, .drop_cap = -1, .new_netns = true,
		.nsteps = 1, .step = { { 0, QUOTA, 0 } },
	};
	struct plan after = {
		.uid = NOBODY_UID, .drop_cap = -1, .nsteps = 1,
		.step = { { 0, QUOTA, 0 } },
	};
	pid_t pid;

	set_quota(QUOTA);
	hs_init(&h);
	pid = child_start(run_plan, &holder);
	hs_parent_side(&h);
	hs_wait(h.to_parent[0]);
	ASSERT_EQ(0, child_run(run_plan, &same_user));
	ASSERT_EQ(0, child_run(run_plan, &other_user));
	ASSERT_EQ(0, child_run(run_plan, &other_netns));
	hs_post(h.to_child[1]);
	ASSERT_EQ(0, child_wait(pid));
	/* The holder's socket is closed: its ports count no more. */
	ASSERT_EQ(0, child_run(run_plan, &after));
}

TEST_HARNESS_MAIN
