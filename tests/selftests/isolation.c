// SPDX-License-Identifier: GPL-2.0
/*
 * Privilege and isolation, beyond privilege.c, persist.c, procfs.c and
 * netns.c: the quota counts TCP and UDP, wildcard and specific blocks
 * together, costs nothing for failed acquires and follows a lowered limit;
 * persistent reservations are not charged to their creator's quota; tokens
 * are statistically unpredictable (10,000 of them); and the root of a user
 * namespace owning a network namespace administers that namespace only: it
 * reserves privileged ports there (its own ip_unprivileged_port_start), is
 * bound by the quota and the port rules of the initial namespace on sockets
 * and files from there, cannot see or use the initial namespace's tokens and
 * does not see them in the parent's listing, and nothing it makes shows in
 * the parent (tokens, /proc lines, bitmap bits, EACCES for outsiders).
 *
 * Ports used: 13500-13999, 700-899.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP

static void begin(void)
{
	root_traversable();
	persist_cleanup_at_exit(13500, 13999);
}

static void set_quota(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	xsysctl_set(PARAM_MAX_PORTS, buf);
}

/* ---- quota ---- */

static int quota_mixed(void *arg)
{
	int t, u, t2;
	uint64_t uw;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	/* 2 specific TCP + 3 wildcard UDP + 1 wildcard TCP = 6 = quota. */
	CHECK_OK(acquire(t, 13500, 2, NULL));
	uw = xacquire(u, 0, 3, NULL);
	CHECK_OK(acquire(t, 0, 1, NULL));
	/* N + 1, whatever the protocol or kind. */
	CHECK_ERR(acquire(u, 13510, 1, NULL), -EDQUOT);
	CHECK_ERR(acquire(t, 0, 1, NULL), -EDQUOT);
	CHECK_ERR(acquire(u, 0, 1, NULL), -EDQUOT);
	/* Released wildcard ports come back, exactly. */
	xrelease(u, uw);
	CHECK_OK(acquire(u, 13510, 3, NULL));
	CHECK_ERR(acquire(t, 13520, 1, NULL), -EDQUOT);
	/* Closing a socket gives back what was acquired on it (3). */
	close(t);
	t2 = xsock(AF_INET, TCP);
	CHECK_ERR(acquire(t2, 0, 4, NULL), -EDQUOT);
	CHECK_OK(acquire(t2, 0, 3, NULL));
	CHECK_ERR(acquire(t2, 0, 1, NULL), -EDQUOT);
	return 0;
}

static int quota_counts_tcp_udp_wildcard_and_specific_together(void)
{
	begin();
	set_quota(6);
	CHECK_OK(child_run(quota_mixed, NULL));
	return 0;
}

static int quota_failures(void *arg)
{
	struct inet_port_reservation_instance *ro, in;
	int t, u, i;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET, UDP);
	memset(&in, 0, sizeof(in));
	in.reservation.start_port = htons(13530);
	in.reservation.number_of_ports = 4;
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	*ro = in;
	mprotect(ro, 4096, PROT_READ);
	/* Each failure, several times: none may keep a charge. */
	for (i = 0; i < 3; i++) {
		CHECK_ERR(acquire(t, 13540, 4, NULL), -EADDRINUSE); /* bound */
		CHECK_ERR(acquire(u, 0, 4, NULL), -ENOSPC);	/* window of 3 */
		CHECK_ERR(ioctl(t, SIO_ACQUIRE_PORT_RESERVATION, ro) ? -errno : 0,
			  -EFAULT);
		CHECK_ERR(acquire(t, 13550, 0, NULL), -EINVAL);
		CHECK_ERR(acquire(t, 800, 4, NULL), -EACCES);
		CHECK_ERR(acquire(t, 13560, 5, NULL), -EDQUOT);
	}
	/* The whole quota is still there. */
	CHECK_OK(acquire(t, 13530, 4, NULL));
	CHECK_ERR(acquire(u, 0, 1, NULL), -EDQUOT);
	return 0;
}

static int failed_acquires_cost_no_quota(void)
{
	int b;

	begin();
	set_quota(4);
	xset_port_range(13590, 13592);
	xsysctl_set(SYSCTL_UNPRIV_START, "1024");
	b = xsock(AF_INET, TCP);
	CHECK_OK(bind_port(b, 13542));
	CHECK_OK(child_run(quota_failures, NULL));
	close(b);
	return 0;
}

struct lowered {
	struct hs h;
};

static int quota_lowered_child(void *arg)
{
	struct lowered *a = arg;
	uint64_t tok;
	int t;

	hs_child_side(&a->h);
	drop_to_uid(NOBODY_UID);
	t = xsock(AF_INET, TCP);
	tok = xacquire(t, 13600, 5, NULL);
	hs_post(a->h.to_parent[1]);
	hs_wait(a->h.to_child[0]);	/* the quota is 3 now */
	CHECK_ERR(acquire(t, 0, 1, NULL), -EDQUOT);
	/* What is held stays held. */
	CHECK_ERR(outsider_bind(AF_INET, TCP, 13604), -EACCES);
	CHECK(reserved(13600) && reserved(13604), "held block lost its bits");
	xrelease(t, tok);
	CHECK_ERR(acquire(t, 0, 4, NULL), -EDQUOT);
	CHECK_OK(acquire(t, 13600, 3, NULL));
	CHECK_ERR(acquire(t, 0, 1, NULL), -EDQUOT);
	return 0;
}

static int lowered_quota_applies_to_new_acquires_only(void)
{
	struct lowered *a = shared_page();
	pid_t pid;

	begin();
	set_quota(5);
	hs_init(&a->h);
	pid = child_start(quota_lowered_child, a);
	hs_parent_side(&a->h);
	hs_wait(a->h.to_parent[0]);
	set_quota(3);
	hs_post(a->h.to_child[1]);
	CHECK_OK(child_wait(pid));
	/* Quota 0: no unprivileged reservation at all; root is not limited. */
	set_quota(0);
	{
		int t = xsock(AF_INET, TCP);

		CHECK_OK(acquire(t, 0, 2, NULL));
		close(t);
	}
	return 0;
}

static int acquire_without_admin(void *arg)
{
	int n = *(int *)arg, t;

	drop_cap(CAP_NET_ADMIN);
	t = xsock(AF_INET, TCP);
	return acquire(t, 0, n, NULL);
}

/*
 * A persistent reservation is the namespace's, made by an administrator: it
 * must not use up the quota of the user who happened to create it.
 */
static int persistent_ports_are_not_charged_to_their_creator(void)
{
	int ctl, n = 4;

	begin();
	set_quota(4);
	ctl = xctl_open();
	/* Root, without CAP_NET_ADMIN, has its whole quota... */
	CHECK_OK(child_run(acquire_without_admin, &n));
	/* ...and still has it after root created 8 persistent ports. */
	xpcreate(ctl, TCP, 13610, 4);
	xpcreate(ctl, UDP, 13610, 4);
	n = 1;
	CHECK_ERR(child_run(acquire_without_admin, &n), 0);
	n = 4;
	CHECK_ERR(child_run(acquire_without_admin, &n), 0);
	xpdelete(ctl, TCP, 13610, 4);
	xpdelete(ctl, UDP, 13610, 4);
	close(ctl);
	return 0;
}

/* ---- tokens ---- */

#define NTOK	10000
#define BATCH	1000	/* 500 ports, TCP and UDP */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int tokens_are_statistically_unpredictable(void)
{
	static uint64_t tok[NTOK], sorted[NTOK];
	static uint64_t deltas[NTOK];
	int bits[64] = { 0 }, bmin = NTOK, bmax = 0;
	time_t t0;
	int i, b, fd[4], same_hi = 0, same_lo = 0, near = 0, rep_delta = 0;
	long long ham = 0;

	begin();
	t0 = time(NULL);
	for (i = 0; i < 4; i++)
		fd[i] = xsock(i & 1 ? AF_INET6 : AF_INET, i & 2 ? UDP : TCP);
	/*
	 * In rounds of BATCH held at once (unique among live ones, not just
	 * over time), single ports: fast enough for a debug kernel too.
	 */
	for (i = 0; i < NTOK; i++) {
		if (i && i % BATCH == 0)
			for (b = i - BATCH; b < i; b++)
				xrelease(fd[b & 3], tok[b]);
		tok[i] = xacquire(fd[i & 3],
				  13500 + ((i % BATCH) >> 2) * 2 + (i & 1), 1,
				  NULL);
		for (b = 0; b < 64; b++)
			bits[b] += (tok[i] >> b) & 1;
		if (i) {
			uint64_t x = tok[i] ^ tok[i - 1];

			same_hi += (tok[i] >> 32) == (tok[i - 1] >> 32);
			same_lo += (uint32_t)tok[i] == (uint32_t)tok[i - 1];
			near += tok[i] - tok[i - 1] < (1ULL << 40) ||
				tok[i - 1] - tok[i] < (1ULL << 40);
			ham += __builtin_popcountll(x);
			deltas[i - 1] = tok[i] - tok[i - 1];
		}
	}
	memcpy(sorted, tok, sizeof(tok));
	for (i = 0; i < NTOK; i++)
		CHECK(tok[i] != 0, "token %d is 0", i);
	qsort(sorted, NTOK, sizeof(sorted[0]), cmp_u64);
	for (i = 1; i < NTOK; i++)
		CHECK(sorted[i] != sorted[i - 1], "token %016llx given twice",
		      (unsigned long long)sorted[i]);
	qsort(deltas, NTOK - 1, sizeof(deltas[0]), cmp_u64);
	for (i = 1; i < NTOK - 1; i++)
		rep_delta += deltas[i] == deltas[i - 1];
	for (b = 0; b < 64; b++) {
		bmin = bits[b] < bmin ? bits[b] : bmin;
		bmax = bits[b] > bmax ? bits[b] : bmax;
	}
	for (b = 0; b < 64; b++)
		CHECK(bits[b] >= NTOK * 4 / 10 && bits[b] <= NTOK * 6 / 10,
		      "bit %d set in %d of %d tokens", b, bits[b], NTOK);
	/* Each of these is about 2^-32 .. 2^-24 per pair by chance. */
	CHECK(same_hi <= 1, "%d consecutive pairs share the top 32 bits", same_hi);
	CHECK(same_lo <= 1, "%d consecutive pairs share the low 32 bits", same_lo);
	CHECK(near <= 1, "%d consecutive pairs differ by less than 2^40", near);
	CHECK(rep_delta <= 1, "%d repeated deltas between consecutive tokens",
	      rep_delta);
	/* Consecutive tokens differ in 32 of 64 bits on average. */
	CHECK(ham > 31LL * (NTOK - 1) && ham < 33LL * (NTOK - 1),
	      "mean Hamming distance %.2f", (double)ham / (NTOK - 1));
	tap_diag("%d tokens in %lds: unique, each bit set in %d..%d of them, mean distance %.2f",
		 NTOK, (long)(time(NULL) - t0), bmin, bmax,
		 (double)ham / (NTOK - 1));
	for (i = 0; i < 4; i++)
		close(fd[i]);
	return 0;
}

/* ---- user namespace root ---- */

struct uns {
	struct hs h;
	uint64_t parent_persist;	/* TCP 13700+2, anyone */
	uint64_t parent_restricted;	/* TCP 13710+2, uid 1000 only */
	uint64_t parent_runtime;	/* TCP 13720+2 */
	pid_t parent;
	/* out */
	uint64_t child_persist;		/* TCP 13730+2 in the child's netns */
	uint64_t child_runtime;		/* UDP 13740+2 in the child's netns */
	int fail;
};

static int read_unpriv_start(void)
{
	char buf[32];

	if (file_read(SYSCTL_UNPRIV_START, buf, sizeof(buf)))
		die("read %s", SYSCTL_UNPRIV_START);
	return atoi(buf);
}

static int uns_child(void *arg)
{
	struct uns *a = arg;
	static struct proc_listing l;
	struct portres_persistent out;
	int old_ctl, old_sock, ctl, t, u, o, port;
	char path[64];
	pid_t parent = a->parent;

	hs_child_side(&a->h);
	a->fail = 1;
	drop_to_uid(NOBODY_UID);
	old_ctl = xctl_open();
	old_sock = xsock(AF_INET, TCP);
	xunshare_user_net();
	ctl = xctl_open();

	/* The initial namespace's tokens do not exist here. */
	t = xsock(AF_INET, TCP);
	CHECK_ERR(associate(t, a->parent_persist), -ENOENT);
	CHECK_ERR(associate(t, a->parent_restricted), -ENOENT);
	CHECK_ERR(associate(t, a->parent_runtime), -ENOENT);
	CHECK_ERR(release(t, a->parent_runtime), -ENOENT);
	CHECK_ERR(release(t, a->parent_persist), -ENOENT);
	CHECK_ERR(plookup(ctl, TCP, 13700, 2, NULL), -ENOENT);
	CHECK_ERR(pdelete(ctl, TCP, 13700, 2), -ENOENT);
	/* Using them as given tokens here reveals nothing (no EEXIST). */
	CHECK_OK(pcreate_given(ctl, UDP, 13750, 1, a->parent_persist));
	CHECK_OK(pcreate_given(ctl, UDP, 13751, 1, a->parent_runtime));
	CHECK_OK(pdelete(ctl, UDP, 13750, 1));
	CHECK_OK(pdelete(ctl, UDP, 13751, 1));

	/*
	 * Root here is nobody there: a restricted reservation of the initial
	 * namespace is closed to it, through the old file and an old socket.
	 */
	CHECK_OK(plookup(old_ctl, TCP, 13700, 2, &out));
	CHECK(out.token == a->parent_persist, "old file: wrong token");
	CHECK_ERR(plookup(old_ctl, TCP, 13710, 2, NULL), -EPERM);
	CHECK_ERR(associate(old_sock, a->parent_restricted), -EPERM);
	CHECK_ERR(pdelete(old_ctl, TCP, 13700, 2), -EPERM);
	/* A runtime token of another process: EPERM there, as for anyone. */
	CHECK_ERR(release(old_sock, a->parent_runtime), -EPERM);
	/* Privileged ports and quota on an initial-namespace socket. */
	CHECK_ERR(acquire(old_sock, 800, 1, NULL), -EACCES);
	CHECK_ERR(acquire(old_sock, 13760, 3, NULL), -EDQUOT);	/* quota 2 */
	CHECK_OK(acquire(old_sock, 13760, 2, NULL));

	/* Its own namespace: privileged ports and no quota. */
	CHECK_OK(acquire(t, 800, 1, NULL));
	CHECK_OK(acquire(t, 700, 50, NULL));
	CHECK_OK(pcreate(ctl, TCP, 801, 1, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pcreate(ctl, TCP, 13730, 2, ANY_ID, ANY_ID, &a->child_persist));
	u = xsock(AF_INET6, UDP);
	a->child_runtime = xacquire(u, 13740, 2, NULL);
	CHECK(reserved(13730) && reserved(13741) && reserved(800),
	      "own bitmap lacks own reservations");
	CHECK_ERR(outsider_bind(AF_INET, TCP, 13731), -EACCES);
	CHECK_ERR(outsider_bind(AF_INET, UDP, 13740), -EACCES);
	/* The parent's blocks are free here. */
	CHECK(!reserved(13700) && !reserved(13720), "parent's bits here");
	CHECK_OK(outsider_bind(AF_INET, TCP, 13701));
	CHECK_OK(outsider_bind(AF_INET6, TCP, 13721));
	port = xsock(AF_INET, TCP);
	xassociate(port, a->child_persist);
	CHECK_OK(bind_port(port, 0));
	CHECK(port_in(local_port(port), 13730, 2), "bound to %d",
	      local_port(port));

	/* Its own ip_unprivileged_port_start: the parent's stays. */
	CHECK(file_write(SYSCTL_UNPRIV_START, "850") == 0,
	      "userns root cannot set its own %s", SYSCTL_UNPRIV_START);
	CHECK(read_unpriv_start() == 850, "value not kept");
	drop_cap(CAP_NET_BIND_SERVICE);
	o = xsock(AF_INET, TCP);
	CHECK_OK(acquire(o, 860, 1, NULL));
	CHECK_ERR(acquire(o, 849, 1, NULL), -EACCES);

	/* Its listing: its own lines only. */
	CHECK_OK(proc_read(PROC_RESV, &l));
	CHECK(proc_find(&l, "tcp", 13730) && proc_find(&l, "udp", 13740),
	      "own lines missing");
	CHECK(!proc_find(&l, "tcp", 13700) && !proc_find(&l, "tcp", 13720) &&
	      !proc_find(&l, "tcp", 13760), "initial namespace lines here");
	/* The parent's listing, opened from here: no token for it. */
	snprintf(path, sizeof(path), "/proc/%d/net/port_reservations", parent);
	CHECK_OK(proc_read(path, &l));
	CHECK(proc_find(&l, "tcp", 13700), "parent's listing lacks 13700");
	CHECK(!strcmp(proc_find(&l, "tcp", 13700)->f[PL_TOKEN], "-"),
	      "userns root sees the initial namespace's token: '%s'",
	      proc_find(&l, "tcp", 13700)->raw);
	CHECK(!proc_find(&l, "tcp", 13730), "own line in parent's listing");

	a->fail = 0;
	hs_post(a->h.to_parent[1]);
	hs_wait(a->h.to_child[0]);
	close(t);
	close(u);
	close(o);
	close(port);
	close(old_sock);
	close(ctl);
	close(old_ctl);
	return 0;
}

static int userns_root_administers_its_own_netns_only(void)
{
	struct uns *a = shared_page();
	static struct proc_listing l;
	int ctl, r, t, unpriv;
	pid_t pid;

	begin();
	set_quota(2);
	xsysctl_set(SYSCTL_UNPRIV_START, "1024");
	unpriv = read_unpriv_start();
	ctl = xctl_open();
	a->parent = getpid();
	a->parent_persist = xpcreate(ctl, TCP, 13700, 2);
	CHECK_OK(pcreate(ctl, TCP, 13710, 2, 1000, ANY_ID,
			 &a->parent_restricted));
	r = xsock(AF_INET, TCP);
	a->parent_runtime = xacquire(r, 13720, 2, NULL);

	hs_init(&a->h);
	pid = child_start(uns_child, a);
	hs_parent_side(&a->h);
	hs_wait(a->h.to_parent[0]);
	CHECK(!a->fail, "the child's checks failed");

	/* Nothing of the child's namespace is visible or usable here. */
	CHECK(read_unpriv_start() == unpriv, "child changed our %s",
	      SYSCTL_UNPRIV_START);
	CHECK(!reserved(13730) && !reserved(13740) && !reserved(800) &&
	      !reserved(860), "child's reservations in our bitmap");
	CHECK_OK(outsider_bind(AF_INET, TCP, 13730));
	CHECK_OK(outsider_bind(AF_INET6, UDP, 13741));
	CHECK_OK(outsider_bind(AF_INET, TCP, 800));
	CHECK_ERR(plookup(ctl, TCP, 13730, 2, NULL), -ENOENT);
	CHECK_ERR(pdelete(ctl, TCP, 801, 1), -ENOENT);
	t = xsock(AF_INET, TCP);
	CHECK_ERR(associate(t, a->child_persist), -ENOENT);
	CHECK_ERR(release(t, a->child_runtime), -ENOENT);
	close(t);
	t = xsock(AF_INET, UDP);
	CHECK_ERR(associate(t, a->child_runtime), -ENOENT);
	close(t);
	CHECK_OK(pcreate_given(ctl, TCP, 13770, 1, a->child_persist));
	CHECK_OK(pdelete(ctl, TCP, 13770, 1));
	CHECK_OK(proc_read(PROC_RESV, &l));
	CHECK(!proc_find(&l, "tcp", 13730) && !proc_find(&l, "udp", 13740) &&
	      !proc_find(&l, "tcp", 800) && !proc_find(&l, "tcp", 801),
	      "child's lines in our listing");
	/* What the child did here (old socket) is here, and only that. */
	CHECK(proc_find(&l, "tcp", 13760) && reserved(13761),
	      "child's reservation on an initial-namespace socket missing");
	/* Ours are intact. */
	CHECK(reserved(13700) && reserved(13721), "our bits went");
	CHECK_ERR(outsider_bind(AF_INET, TCP, 13701), -EACCES);

	hs_post(a->h.to_child[1]);
	CHECK_OK(child_wait(pid));
	CHECK(!reserved(13761), "child's reservation outlived its socket");
	close(r);
	xpdelete(ctl, TCP, 13700, 2);
	xpdelete(ctl, TCP, 13710, 2);
	close(ctl);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(quota_counts_tcp_udp_wildcard_and_specific_together),
	TAP_TEST(failed_acquires_cost_no_quota),
	TAP_TEST(lowered_quota_applies_to_new_acquires_only),
	TAP_TEST(persistent_ports_are_not_charged_to_their_creator),
	TAP_TEST(tokens_are_statistically_unpredictable),
	TAP_TEST(userns_root_administers_its_own_netns_only),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
