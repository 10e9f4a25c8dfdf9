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
 * Each test runs in a network namespace of its own (portres_test.h), owned
 * by the initial user namespace: "the initial namespace" below is that one.
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

#include "portres_test.h"
#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP

/* Children drop to nobody: they must reach /dev/portres and /proc. */
static void __attribute__((constructor)) traversable(void)
{
	root_traversable();
}

/*
 * The quota (max_ports_per_user) is global: xsysctl_set() writes it back
 * when the test ends, and the teardown checks it was.
 */
PORTRES_FIXTURE(isolation, PORTRES_NETNS);

static void set_quota(int n)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", n);
	xsysctl_set(PARAM_MAX_PORTS, buf);
}

/* ---- quota ---- */

static int quota_mixed(void *arg)
{
	struct __test_metadata *_metadata = arg;
	int t, u, t2;
	uint64_t uw;

	drop_to_uid(NOBODY_UID);
	t = xsock(AF_INET, TCP);
	u = xsock(AF_INET6, UDP);
	/* 2 specific TCP + 3 wildcard UDP + 1 wildcard TCP = 6 = quota. */
	ASSERT_OK(acquire(t, 13500, 2, NULL));
	uw = xacquire(u, 0, 3, NULL);
	ASSERT_OK(acquire(t, 0, 1, NULL));
	/* N + 1, whatever the protocol or kind. */
	ASSERT_ERRNO(acquire(u, 13510, 1, NULL), -EDQUOT);
	ASSERT_ERRNO(acquire(t, 0, 1, NULL), -EDQUOT);
	ASSERT_ERRNO(acquire(u, 0, 1, NULL), -EDQUOT);
	/* Released wildcard ports come back, exactly. */
	xrelease(u, uw);
	ASSERT_OK(acquire(u, 13510, 3, NULL));
	ASSERT_ERRNO(acquire(t, 13520, 1, NULL), -EDQUOT);
	/* Closing a socket gives back what was acquired on it (3). */
	close(t);
	t2 = xsock(AF_INET, TCP);
	ASSERT_ERRNO(acquire(t2, 0, 4, NULL), -EDQUOT);
	ASSERT_OK(acquire(t2, 0, 3, NULL));
	ASSERT_ERRNO(acquire(t2, 0, 1, NULL), -EDQUOT);
	return 0;
}

TEST_F(isolation, quota_counts_tcp_udp_wildcard_and_specific_together)
{
	set_quota(6);
	ASSERT_OK(child_run(quota_mixed, _metadata));
}

static int quota_failures(void *arg)
{
	struct __test_metadata *_metadata = arg;
	struct inet_port_reservation_instance *ro, in;
	int t, u, i;

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
		ASSERT_ERRNO(acquire(t, 13540, 4, NULL), -EADDRINUSE); /* bound */
		ASSERT_ERRNO(acquire(u, 0, 4, NULL), -ENOSPC);	/* window of 3 */
		ASSERT_ERRNO(ioctl_err(t, SIO_ACQUIRE_PORT_RESERVATION, ro),
			     -EFAULT);
		ASSERT_ERRNO(acquire(t, 13550, 0, NULL), -EINVAL);
		ASSERT_ERRNO(acquire(t, 800, 4, NULL), -EACCES);
		ASSERT_ERRNO(acquire(t, 13560, 5, NULL), -EDQUOT);
	}
	/* The whole quota is still there. */
	ASSERT_OK(acquire(t, 13530, 4, NULL));
	ASSERT_ERRNO(acquire(u, 0, 1, NULL), -EDQUOT);
	return 0;
}

TEST_F(isolation, failed_acquires_cost_no_quota)
{
	int b;

	set_quota(4);
	xset_port_range(13590, 13592);
	xsysctl_set(SYSCTL_UNPRIV_START, "1024");
	b = xsock(AF_INET, TCP);
	ASSERT_OK(bind_port(b, 13542));
	ASSERT_OK(child_run(quota_failures, _metadata));
	close(b);
}

struct lowered {
	struct __test_metadata *_metadata;
	struct hs h;
};

static int quota_lowered_child(void *arg)
{
	struct lowered *a = arg;
	struct __test_metadata *_metadata = a->_metadata;
	uint64_t tok;
	int t;

	hs_child_side(&a->h);
	drop_to_uid(NOBODY_UID);
	t = xsock(AF_INET, TCP);
	tok = xacquire(t, 13600, 5, NULL);
	hs_post(a->h.to_parent[1]);
	hs_wait(a->h.to_child[0]);	/* the quota is 3 now */
	ASSERT_ERRNO(acquire(t, 0, 1, NULL), -EDQUOT);
	/* What is held stays held. */
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 13604), -EACCES);
	ASSERT_TRUE(reserved(13600) && reserved(13604))
		TH_LOG("held block lost its bits");
	xrelease(t, tok);
	ASSERT_ERRNO(acquire(t, 0, 4, NULL), -EDQUOT);
	ASSERT_OK(acquire(t, 13600, 3, NULL));
	ASSERT_ERRNO(acquire(t, 0, 1, NULL), -EDQUOT);
	return 0;
}

TEST_F(isolation, lowered_quota_applies_to_new_acquires_only)
{
	struct lowered *a = shared_page();
	pid_t pid;

	a->_metadata = _metadata;
	set_quota(5);
	hs_init(&a->h);
	pid = child_start(quota_lowered_child, a);
	hs_parent_side(&a->h);
	hs_wait(a->h.to_parent[0]);
	set_quota(3);
	hs_post(a->h.to_child[1]);
	ASSERT_OK(child_wait(pid));
	/* Quota 0: no unprivileged reservation at all; root is not limited. */
	set_quota(0);
	{
		int t = xsock(AF_INET, TCP);

		ASSERT_OK(acquire(t, 0, 2, NULL));
		close(t);
	}
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
TEST_F(isolation, persistent_ports_are_not_charged_to_their_creator)
{
	int ctl, n = 4;

	set_quota(4);
	ctl = xctl_open();
	/* Root, without CAP_NET_ADMIN, has its whole quota... */
	ASSERT_OK(child_run(acquire_without_admin, &n));
	/* ...and still has it after root created 8 persistent ports. */
	xpcreate(ctl, TCP, 13610, 4);
	xpcreate(ctl, UDP, 13610, 4);
	n = 1;
	ASSERT_ERRNO(child_run(acquire_without_admin, &n), 0);
	n = 4;
	ASSERT_ERRNO(child_run(acquire_without_admin, &n), 0);
	xpdelete(ctl, TCP, 13610, 4);
	xpdelete(ctl, UDP, 13610, 4);
	close(ctl);
}

/* ---- tokens ---- */

#define NTOK	10000
#define BATCH	1000	/* 500 ports, TCP and UDP */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F(isolation, tokens_are_statistically_unpredictable)
{
	static uint64_t tok[NTOK], sorted[NTOK];
	static uint64_t deltas[NTOK];
	int bits[64] = { 0 }, bmin = NTOK, bmax = 0;
	time_t t0;
	int i, b, fd[4], same_hi = 0, same_lo = 0, near = 0, rep_delta = 0;
	long long ham = 0;

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
		ASSERT_NE(0, tok[i]) TH_LOG("token %d", i);
	qsort(sorted, NTOK, sizeof(sorted[0]), cmp_u64);
	for (i = 1; i < NTOK; i++)
		ASSERT_NE(sorted[i - 1], sorted[i])
			TH_LOG("token %016llx given twice",
			       (unsigned long long)sorted[i - 1]);
	qsort(deltas, NTOK - 1, sizeof(deltas[0]), cmp_u64);
	for (i = 1; i < NTOK - 1; i++)
		rep_delta += deltas[i] == deltas[i - 1];
	for (b = 0; b < 64; b++) {
		bmin = bits[b] < bmin ? bits[b] : bmin;
		bmax = bits[b] > bmax ? bits[b] : bmax;
	}
	for (b = 0; b < 64; b++)
		ASSERT_TRUE(bits[b] >= NTOK * 4 / 10 && bits[b] <= NTOK * 6 / 10)
			TH_LOG("bit %d set in %d of %d tokens", b, bits[b], NTOK);
	/* Each of these is about 2^-32 .. 2^-24 per pair by chance. */
	ASSERT_LE(same_hi, 1) TH_LOG("consecutive pairs sharing the top 32 bits");
	ASSERT_LE(same_lo, 1) TH_LOG("consecutive pairs sharing the low 32 bits");
	ASSERT_LE(near, 1) TH_LOG("consecutive pairs differing by less than 2^40");
	ASSERT_LE(rep_delta, 1) TH_LOG("repeated deltas between consecutive tokens");
	/* Consecutive tokens differ in 32 of 64 bits on average. */
	ASSERT_TRUE(ham > 31LL * (NTOK - 1) && ham < 33LL * (NTOK - 1))
		TH_LOG("mean Hamming distance %.2f", (double)ham / (NTOK - 1));
	diag("%d tokens in %lds: unique, each bit set in %d..%d of them, mean distance %.2f",
	     NTOK, (long)(time(NULL) - t0), bmin, bmax,
	     (double)ham / (NTOK - 1));
	for (i = 0; i < 4; i++)
		close(fd[i]);
}

/* ---- user namespace root ---- */

struct uns {
	struct __test_metadata *_metadata;
	struct hs h;
	uint64_t parent_persist;	/* TCP 13700+2, anyone */
	uint64_t parent_restricted;	/* TCP 13710+2, uid 1000 only */
	uint64_t parent_runtime;	/* TCP 13720+2 */
	pid_t parent;
	/* out */
	uint64_t child_persist;		/* TCP 13730+2 in the child's netns */
	uint64_t child_runtime;		/* UDP 13740+2 in the child's netns */
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
	struct __test_metadata *_metadata = a->_metadata;
	static struct proc_listing l;
	struct portres_persistent out;
	int old_ctl, old_sock, ctl, t, u, o, port;
	char path[64];
	pid_t parent = a->parent;

	hs_child_side(&a->h);
	drop_to_uid(NOBODY_UID);
	old_ctl = xctl_open();
	old_sock = xsock(AF_INET, TCP);
	xunshare_user_net();
	ctl = xctl_open();

	/* The initial namespace's tokens do not exist here. */
	t = xsock(AF_INET, TCP);
	ASSERT_ERRNO(associate(t, a->parent_persist), -ENOENT);
	ASSERT_ERRNO(associate(t, a->parent_restricted), -ENOENT);
	ASSERT_ERRNO(associate(t, a->parent_runtime), -ENOENT);
	ASSERT_ERRNO(release(t, a->parent_runtime), -ENOENT);
	ASSERT_ERRNO(release(t, a->parent_persist), -ENOENT);
	ASSERT_ERRNO(plookup(ctl, TCP, 13700, 2, NULL), -ENOENT);
	ASSERT_ERRNO(pdelete(ctl, TCP, 13700, 2), -ENOENT);
	/* Using them as given tokens here reveals nothing (no EEXIST). */
	ASSERT_OK(pcreate_given(ctl, UDP, 13750, 1, a->parent_persist));
	ASSERT_OK(pcreate_given(ctl, UDP, 13751, 1, a->parent_runtime));
	ASSERT_OK(pdelete(ctl, UDP, 13750, 1));
	ASSERT_OK(pdelete(ctl, UDP, 13751, 1));

	/*
	 * Root here is nobody there: a restricted reservation of the initial
	 * namespace is closed to it, through the old file and an old socket.
	 */
	ASSERT_OK(plookup(old_ctl, TCP, 13700, 2, &out));
	ASSERT_TRUE(out.token == a->parent_persist)
		TH_LOG("old file: wrong token");
	ASSERT_ERRNO(plookup(old_ctl, TCP, 13710, 2, NULL), -EPERM);
	ASSERT_ERRNO(associate(old_sock, a->parent_restricted), -EPERM);
	ASSERT_ERRNO(pdelete(old_ctl, TCP, 13700, 2), -EPERM);
	/* A runtime token of another process: EPERM there, as for anyone. */
	ASSERT_ERRNO(release(old_sock, a->parent_runtime), -EPERM);
	/* Privileged ports and quota on an initial-namespace socket. */
	ASSERT_ERRNO(acquire(old_sock, 800, 1, NULL), -EACCES);
	ASSERT_ERRNO(acquire(old_sock, 13760, 3, NULL), -EDQUOT);	/* quota 2 */
	ASSERT_OK(acquire(old_sock, 13760, 2, NULL));

	/* Its own namespace: privileged ports and no quota. */
	ASSERT_OK(acquire(t, 800, 1, NULL));
	ASSERT_OK(acquire(t, 700, 50, NULL));
	ASSERT_OK(pcreate(ctl, TCP, 801, 1, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate(ctl, TCP, 13730, 2, ANY_ID, ANY_ID, &a->child_persist));
	u = xsock(AF_INET6, UDP);
	a->child_runtime = xacquire(u, 13740, 2, NULL);
	ASSERT_TRUE(reserved(13730) && reserved(13741) && reserved(800))
		TH_LOG("own bitmap lacks own reservations");
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 13731), -EACCES);
	ASSERT_ERRNO(outsider_bind(AF_INET, UDP, 13740), -EACCES);
	/* The parent's blocks are free here. */
	ASSERT_TRUE(!reserved(13700) && !reserved(13720))
		TH_LOG("parent's bits here");
	ASSERT_OK(outsider_bind(AF_INET, TCP, 13701));
	ASSERT_OK(outsider_bind(AF_INET6, TCP, 13721));
	port = xsock(AF_INET, TCP);
	xassociate(port, a->child_persist);
	ASSERT_OK(bind_port(port, 0));
	ASSERT_PORT_IN(port, 13730, 2);

	/* Its own ip_unprivileged_port_start: the parent's stays. */
	ASSERT_TRUE(file_write(SYSCTL_UNPRIV_START, "850") == 0)
		TH_LOG("userns root cannot set its own %s",
		       SYSCTL_UNPRIV_START);
	ASSERT_TRUE(read_unpriv_start() == 850) TH_LOG("value not kept");
	drop_cap(CAP_NET_BIND_SERVICE);
	o = xsock(AF_INET, TCP);
	ASSERT_OK(acquire(o, 860, 1, NULL));
	ASSERT_ERRNO(acquire(o, 849, 1, NULL), -EACCES);

	/* Its listing: its own lines only. */
	ASSERT_OK(proc_read(PROC_RESV, &l));
	ASSERT_TRUE(proc_find(&l, "tcp", 13730) && proc_find(&l, "udp", 13740))
		TH_LOG("own lines missing");
	ASSERT_TRUE(!proc_find(&l, "tcp", 13700) && !proc_find(&l, "tcp", 13720) &&
		    !proc_find(&l, "tcp", 13760))
		TH_LOG("initial namespace lines here");
	/* The parent's listing, opened from here: no token for it. */
	snprintf(path, sizeof(path), "/proc/%d/net/port_reservations", parent);
	ASSERT_OK(proc_read(path, &l));
	ASSERT_TRUE(proc_find(&l, "tcp", 13700))
		TH_LOG("parent's listing lacks 13700");
	ASSERT_TRUE(!strcmp(proc_find(&l, "tcp", 13700)->f[PL_TOKEN], "-"))
		TH_LOG("userns root sees the initial namespace's token: '%s'",
		       proc_find(&l, "tcp", 13700)->raw);
	ASSERT_TRUE(!proc_find(&l, "tcp", 13730))
		TH_LOG("own line in parent's listing");

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

TEST_F(isolation, userns_root_administers_its_own_netns_only)
{
	struct uns *a = shared_page();
	static struct proc_listing l;
	int ctl, r, t, unpriv;
	pid_t pid;

	set_quota(2);
	xsysctl_set(SYSCTL_UNPRIV_START, "1024");
	unpriv = read_unpriv_start();
	ctl = xctl_open();
	a->_metadata = _metadata;
	a->parent = getpid();
	a->parent_persist = xpcreate(ctl, TCP, 13700, 2);
	ASSERT_OK(pcreate(ctl, TCP, 13710, 2, 1000, ANY_ID,
			  &a->parent_restricted));
	r = xsock(AF_INET, TCP);
	a->parent_runtime = xacquire(r, 13720, 2, NULL);

	hs_init(&a->h);
	pid = child_start(uns_child, a);
	hs_parent_side(&a->h);
	hs_wait(a->h.to_parent[0]);

	/* Nothing of the child's namespace is visible or usable here. */
	ASSERT_TRUE(read_unpriv_start() == unpriv)
		TH_LOG("child changed our %s", SYSCTL_UNPRIV_START);
	ASSERT_TRUE(!reserved(13730) && !reserved(13740) && !reserved(800) &&
		    !reserved(860))
		TH_LOG("child's reservations in our bitmap");
	ASSERT_OK(outsider_bind(AF_INET, TCP, 13730));
	ASSERT_OK(outsider_bind(AF_INET6, UDP, 13741));
	ASSERT_OK(outsider_bind(AF_INET, TCP, 800));
	ASSERT_ERRNO(plookup(ctl, TCP, 13730, 2, NULL), -ENOENT);
	ASSERT_ERRNO(pdelete(ctl, TCP, 801, 1), -ENOENT);
	t = xsock(AF_INET, TCP);
	ASSERT_ERRNO(associate(t, a->child_persist), -ENOENT);
	ASSERT_ERRNO(release(t, a->child_runtime), -ENOENT);
	close(t);
	t = xsock(AF_INET, UDP);
	ASSERT_ERRNO(associate(t, a->child_runtime), -ENOENT);
	close(t);
	ASSERT_OK(pcreate_given(ctl, TCP, 13770, 1, a->child_persist));
	ASSERT_OK(pdelete(ctl, TCP, 13770, 1));
	ASSERT_OK(proc_read(PROC_RESV, &l));
	ASSERT_TRUE(!proc_find(&l, "tcp", 13730) && !proc_find(&l, "udp", 13740) &&
		    !proc_find(&l, "tcp", 800) && !proc_find(&l, "tcp", 801))
		TH_LOG("child's lines in our listing");
	/* What the child did here (old socket) is here, and only that. */
	ASSERT_TRUE(proc_find(&l, "tcp", 13760) && reserved(13761))
		TH_LOG("child's reservation on an initial-namespace socket missing");
	/* Ours are intact. */
	ASSERT_TRUE(reserved(13700) && reserved(13721)) TH_LOG("our bits went");
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 13701), -EACCES);

	hs_post(a->h.to_child[1]);
	ASSERT_OK(child_wait(pid));
	ASSERT_TRUE(!reserved(13761))
		TH_LOG("child's reservation outlived its socket");
	close(r);
	xpdelete(ctl, TCP, 13700, 2);
	xpdelete(ctl, TCP, 13710, 2);
	close(ctl);
}

TEST_HARNESS_MAIN
