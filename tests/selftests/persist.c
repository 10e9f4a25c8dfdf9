// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent reservations through /dev/portres, with raw ioctls: who may
 * create and delete them (CAP_NET_ADMIN in the namespace's user namespace),
 * which requests are invalid, overlaps, exact-block delete and lookup, the
 * allowed_uid/allowed_gid admission for lookup and associate, restore with a
 * given token, life beyond the creator, and death with the namespace.
 *
 * Each test runs in a network namespace of its own (portres_test.h): its
 * persistent reservations go with it.
 */
#include <arpa/inet.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"
#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP

/* Children drop to nobody: they must reach /dev/portres. */
static void __attribute__((constructor)) traversable(void)
{
	root_traversable();
}

PORTRES_FIXTURE(persist, PORTRES_NETNS);

/* Associate a new socket with token and bind it to port 0: its port. */
static int assoc_bind(int family, int proto, uint64_t token, int *fdp)
{
	int fd = xsock(family, proto), err;

	err = associate(fd, token);
	if (!err)
		err = bind_port(fd, 0);
	if (!err)
		err = local_port(fd);
	if (fdp && err >= 0)
		*fdp = fd;
	else
		close(fd);
	return err;
}

/* ---- who may create and delete ---- */

/* Callers without CAP_NET_ADMIN: a user, and root without the capability. */
PORTRES_FIXTURE(unprivileged, PORTRES_NETNS);

/*
 * variant->nobody: the user nobody; else root without CAP_NET_ADMIN (root
 * is not enough: it is the capability that counts).
 */
PORTRES_BOOL_VARIANTS(unprivileged, nobody, root_without_cap_net_admin,
		      nobody);

struct refused_arg {
	struct __test_metadata *_metadata;
	bool nobody;
};

static int create_delete_refused(void *arg)
{
	struct refused_arg *a = arg;
	struct __test_metadata *_metadata = a->_metadata;
	int ctl;

	if (a->nobody)
		drop_to_uid(NOBODY_UID);
	else
		drop_cap(CAP_NET_ADMIN);
	ctl = xctl_open();
	ASSERT_ERRNO(pcreate(ctl, TCP, 30000, 2, ANY_ID, ANY_ID, NULL), -EPERM);
	ASSERT_ERRNO(pcreate(ctl, UDP, 30000, 2, ANY_ID, ANY_ID, NULL), -EPERM);
	ASSERT_ERRNO(pcreate_given(ctl, TCP, 30002, 1, 0x1234), -EPERM);
	ASSERT_ERRNO(pcreate_given(ctl, UDP, 30440, 1, 0x1122334455667788ULL),
		     -EPERM);
	ASSERT_ERRNO(pdelete(ctl, TCP, 30010, 2), -EPERM);
	ASSERT_ERRNO(pdelete(ctl, UDP, 30010, 2), -EPERM);
	/* Lookup is not an administrator's operation: anyone is allowed. */
	ASSERT_OK(plookup(ctl, TCP, 30010, 2, NULL));
	close(ctl);
	return 0;
}

TEST_F(unprivileged, create_and_delete_are_eperm)
{
	struct refused_arg a = { _metadata, variant->nobody };
	int ctl = xctl_open();

	xpcreate(ctl, TCP, 30010, 2);
	xpcreate(ctl, UDP, 30010, 2);
	ASSERT_OK(child_run(create_delete_refused, &a));
	ASSERT_FALSE(reserved(30000) || reserved(30002))
		TH_LOG("a refused create set reserved-port bits");
	ASSERT_ERRNO(plookup(ctl, UDP, 30440, 1, NULL), -ENOENT);
	ASSERT_OK(plookup(ctl, TCP, 30010, 2, NULL));
	ASSERT_OK(plookup(ctl, UDP, 30010, 2, NULL));
	ASSERT_OK(pdelete(ctl, TCP, 30010, 2));
	ASSERT_OK(pdelete(ctl, UDP, 30010, 2));
	close(ctl);
}

/*
 * An unprivileged user becomes root of a new user namespace owning a new
 * network namespace: it administers that one, not the test's (owned by the
 * initial user namespace) through a /dev/portres file opened before the
 * unshare.
 */
static int userns_child(void *arg)
{
	struct __test_metadata *_metadata = arg;
	struct portres_persistent out;
	int old, new;

	drop_to_uid(NOBODY_UID);
	old = xctl_open();
	xunshare_user_net();
	new = xctl_open();
	ASSERT_ERRNO(pcreate(old, TCP, 30020, 2, ANY_ID, ANY_ID, NULL), -EPERM);
	ASSERT_ERRNO(pcreate_given(old, UDP, 30020, 2, 0x77), -EPERM);
	ASSERT_ERRNO(pdelete(old, TCP, 30030, 1), -EPERM);
	ASSERT_OK(plookup(old, TCP, 30030, 1, NULL));

	ASSERT_OK(pcreate(new, TCP, 30020, 2, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate_given(new, UDP, 30020, 2, 0x77));
	/* Only uid/gid 0 exist in this user namespace. */
	ASSERT_ERRNO(pcreate(new, TCP, 30040, 1, 1000, ANY_ID, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(new, TCP, 30040, 1, ANY_ID, 1000, NULL), -EINVAL);
	ASSERT_OK(pcreate(new, TCP, 30040, 1, 0, 0, NULL));
	ASSERT_OK(plookup(new, TCP, 30040, 1, &out));
	ASSERT_EQ(0, out.allowed_uid);
	ASSERT_EQ(0, out.allowed_gid);
	/* Reserved here: even the namespace's root may not bind into it. */
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 30021), -EACCES);
	ASSERT_TRUE(reserved(30020) && reserved(30021))
		TH_LOG("the new namespace's bitmap lacks its reservation");
	ASSERT_OK(pdelete(new, TCP, 30040, 1));
	/* 30020 (TCP and UDP) are left for the namespace to take away. */
	return 0;
}

TEST_F(persist, userns_root_administers_only_its_own_netns)
{
	int ctl = xctl_open();

	xpcreate(ctl, TCP, 30030, 1);
	ASSERT_OK(child_run(userns_child, _metadata));
	ASSERT_FALSE(reserved(30020) || reserved(30021))
		TH_LOG("the child namespace's reservation shows in the parent's bitmap");
	ASSERT_OK(outsider_bind(AF_INET, TCP, 30020));
	ASSERT_OK(outsider_bind(AF_INET6, UDP, 30021));
	ASSERT_ERRNO(plookup(ctl, TCP, 30020, 2, NULL), -ENOENT);
	ASSERT_OK(pdelete(ctl, TCP, 30030, 1));
	close(ctl);
}

/* ---- invalid requests ---- */

TEST_F(persist, create_rejects_invalid_requests)
{
	struct portres_persistent p;
	struct portset before, after;
	static const unsigned int bad_proto[] = {
		0, IPPROTO_ICMP, IPPROTO_RAW, IPPROTO_SCTP, IPPROTO_UDPLITE,
		IPPROTO_MPTCP, 0x10006,
	};
	static const unsigned int bad_flags[] = {
		0x2, 0x80000000, PORTRES_F_GIVEN_TOKEN | 0x4,
	};
	size_t i;
	int ctl;

	ctl = xctl_open();
	xreserved_ports_read(&before);

	ASSERT_ERRNO(pcreate(ctl, TCP, 0, 1, ANY_ID, ANY_ID, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, UDP, 0, 10, ANY_ID, ANY_ID, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30050, 0, ANY_ID, ANY_ID, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, TCP, 65535, 2, ANY_ID, ANY_ID, NULL), -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, UDP, 65000, 1000, ANY_ID, ANY_ID, NULL),
		     -EINVAL);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30050, 65535, ANY_ID, ANY_ID, NULL),
		     -EINVAL);

	p = preq(TCP, 30050, 1, ANY_ID, ANY_ID);
	p.pad = 1;
	ASSERT_ERRNO(ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_proto); i++) {
		p = preq(TCP, 30050, 1, ANY_ID, ANY_ID);
		p.protocol = bad_proto[i];
		ASSERT_ERRNO(ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p),
			     -EINVAL) TH_LOG("protocol %u", bad_proto[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		p = preq(UDP, 30050, 1, ANY_ID, ANY_ID);
		p.flags = bad_flags[i];
		p.token = 0x4242;
		ASSERT_ERRNO(ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p),
			     -EINVAL) TH_LOG("flags %#x", bad_flags[i]);
	}
	ASSERT_ERRNO(pcreate_given(ctl, TCP, 30050, 1, 0), -EINVAL);

	/* The same blocks are no better for delete and lookup. */
	ASSERT_ERRNO(pdelete(ctl, TCP, 0, 1), -EINVAL);
	ASSERT_ERRNO(plookup(ctl, TCP, 30050, 0, NULL), -EINVAL);
	p = preq(TCP, 30050, 1, ANY_ID, ANY_ID);
	p.pad = 7;
	ASSERT_ERRNO(ctl_ioctl(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, &p), -EINVAL);
	p = preq(IPPROTO_SCTP, 30050, 1, ANY_ID, ANY_ID);
	ASSERT_ERRNO(ctl_ioctl(ctl, PORTRES_IOC_DELETE_PERSISTENT, &p), -EINVAL);
	/* A socket ioctl is not a control-device ioctl. */
	ASSERT_ERRNO(ioctl_err(ctl, SIO_ACQUIRE_PORT_RESERVATION, &p), -ENOTTY);

	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("a refused create changed ip_local_reserved_ports");
	ASSERT_OK(outsider_bind(AF_INET, TCP, 30050));
	ASSERT_OK(outsider_bind(AF_INET, UDP, 30050));

	/* The edges that are valid. */
	ASSERT_OK(pcreate(ctl, TCP, 65535, 1, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate(ctl, UDP, 30051, 1, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pdelete(ctl, TCP, 65535, 1));
	ASSERT_OK(pdelete(ctl, UDP, 30051, 1));
	close(ctl);
}

/* ---- overlaps ---- */

TEST_F(persist, create_over_reservation_is_eaddrinuse)
{
	int ctl, rt, r2;

	ctl = xctl_open();
	rt = xsock(AF_INET, TCP);
	xacquire(rt, 30100, 10, NULL);

	ASSERT_ERRNO(pcreate(ctl, TCP, 30100, 10, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30095, 10, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30109, 5, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30102, 2, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30090, 30, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate_given(ctl, TCP, 30105, 1, 0xabcdef), -EADDRINUSE);
	/* The other protocol's port space is separate. */
	ASSERT_OK(pcreate(ctl, UDP, 30100, 10, ANY_ID, ANY_ID, NULL));
	/* Adjacent is fine. */
	ASSERT_OK(pcreate(ctl, TCP, 30110, 5, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate(ctl, TCP, 30095, 5, ANY_ID, ANY_ID, NULL));

	/* Persistent against persistent, both ways round. */
	ASSERT_ERRNO(pcreate(ctl, TCP, 30112, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30114, 3, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, UDP, 30109, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, UDP, 30098, 3, 1000, ANY_ID, NULL), -EADDRINUSE);
	/* And a runtime acquire over a persistent block. */
	r2 = xsock(AF_INET6, TCP);
	ASSERT_ERRNO(acquire(r2, 30113, 1, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(r2, 30094, 2, NULL), -EADDRINUSE);
	close(r2);
	r2 = xsock(AF_INET, UDP);
	ASSERT_ERRNO(acquire(r2, 30105, 1, NULL), -EADDRINUSE);
	close(r2);

	/* Once the runtime reservation is gone, its block is free. */
	close(rt);
	ASSERT_OK(pcreate(ctl, TCP, 30100, 10, ANY_ID, ANY_ID, NULL));
	close(ctl);
}

TEST_F(persist, create_over_bound_port_is_eaddrinuse)
{
	int ctl, l, t6, u6;

	ctl = xctl_open();
	l = xlistener(AF_INET, 30120);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30120, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30118, 5, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_OK(pcreate(ctl, UDP, 30118, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, UDP, 30118, 5);

	/* Bound without listen() holds the port as well. */
	t6 = xsock(AF_INET6, TCP);
	ASSERT_OK(bind_port(t6, 30125));
	ASSERT_ERRNO(pcreate(ctl, TCP, 30123, 3, ANY_ID, ANY_ID, NULL), -EADDRINUSE);

	u6 = xsock(AF_INET6, UDP);
	ASSERT_OK(bind_port(u6, 30130));
	ASSERT_ERRNO(pcreate(ctl, UDP, 30128, 5, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, UDP, 30130, 1, 1000, 1000, NULL), -EADDRINUSE);
	ASSERT_OK(pcreate(ctl, TCP, 30128, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30128, 5);

	ASSERT_EQ(0, make_time_wait(30140, 30141));
	ASSERT_ERRNO(pcreate(ctl, TCP, 30141, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_ERRNO(pcreate(ctl, TCP, 30135, 10, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	ASSERT_OK(pcreate(ctl, TCP, 30142, 3, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30142, 3);

	/* The refusals were the sockets': without them the blocks are free. */
	close(l);
	close(t6);
	close(u6);
	ASSERT_OK(pcreate(ctl, TCP, 30118, 8, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate(ctl, UDP, 30128, 5, ANY_ID, ANY_ID, NULL));
	close(ctl);
}

/* ---- exact blocks ---- */

TEST_F(persist, delete_and_lookup_match_the_exact_block)
{
	static const struct {
		int proto;
		uint16_t start, n;
	} wrong[] = {
		{ TCP, 30200, 9 }, { TCP, 30201, 9 }, { TCP, 30200, 11 },
		{ TCP, 30199, 11 }, { TCP, 30205, 1 }, { TCP, 30209, 1 },
		{ TCP, 30199, 1 }, { UDP, 30200, 10 },
	};
	struct portres_persistent out;
	uint64_t tok, utok;
	size_t i;
	int ctl, rt;

	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, TCP, 30200, 10, 1000, 2000, &tok));
	ASSERT_NE(0, tok);
	for (i = 0; i < ARRAY_SIZE(wrong); i++) {
		ASSERT_ERRNO(plookup(ctl, wrong[i].proto, wrong[i].start,
				     wrong[i].n, NULL), -ENOENT)
			TH_LOG("wrong block %zu", i);
		ASSERT_ERRNO(pdelete(ctl, wrong[i].proto, wrong[i].start,
				     wrong[i].n), -ENOENT)
			TH_LOG("wrong block %zu", i);
	}
	/* A runtime reservation is not a persistent one. */
	rt = xsock(AF_INET, TCP);
	xacquire(rt, 30220, 5, NULL);
	ASSERT_ERRNO(plookup(ctl, TCP, 30220, 5, NULL), -ENOENT);
	ASSERT_ERRNO(pdelete(ctl, TCP, 30220, 5), -ENOENT);
	ASSERT_ERRNO(acquire(rt, 30222, 1, NULL), -EADDRINUSE);	/* still there */

	/* Same block, other protocol: the two are independent. */
	ASSERT_OK(pcreate(ctl, UDP, 30200, 10, ANY_ID, ANY_ID, &utok));
	ASSERT_NE(tok, utok) TH_LOG("two reservations share a token");

	ASSERT_OK(plookup(ctl, TCP, 30200, 10, &out));
	ASSERT_EQ(tok, out.token);
	ASSERT_EQ(1000, out.allowed_uid);
	ASSERT_EQ(2000, out.allowed_gid);
	ASSERT_TRUE(out.protocol == TCP && ntohs(out.range.start_port) == 30200 &&
		    out.range.number_of_ports == 10)
		TH_LOG("lookup changed the block");
	ASSERT_OK(plookup(ctl, UDP, 30200, 10, &out));
	ASSERT_EQ(utok, out.token);
	ASSERT_EQ(ANY_ID, out.allowed_uid);
	ASSERT_EQ(ANY_ID, out.allowed_gid);

	ASSERT_OK(pdelete(ctl, TCP, 30200, 10));
	ASSERT_ERRNO(pdelete(ctl, TCP, 30200, 10), -ENOENT);
	ASSERT_ERRNO(plookup(ctl, TCP, 30200, 10, NULL), -ENOENT);
	ASSERT_OK(plookup(ctl, UDP, 30200, 10, NULL));
	ASSERT_OK(pdelete(ctl, UDP, 30200, 10));
	close(rt);
	close(ctl);
}

/* ---- allowed_uid / allowed_gid ---- */

struct who {
	const char *name;
	uid_t ruid, euid;	/* 0/0: stay root */
	gid_t gid;
	int ngroups;
	gid_t groups[2];
	bool drop_admin;
};

static const struct who WHO[] = {
	{ "uid 1000", 1000, 1000, 1000, 0, { 0 }, false },
	{ "euid 1000 (ruid 1001)", 1001, 1000, 1001, 0, { 0 }, false },
	{ "ruid 1000 (euid 1001)", 1000, 1001, 1001, 0, { 0 }, false },
	{ "gid 2000", 1001, 1001, 2000, 0, { 0 }, false },
	{ "supplementary 2000", 1001, 1001, 1001, 2, { 3000, 2000 }, false },
	{ "nobody", NOBODY_UID, NOBODY_UID, NOBODY_UID, 0, { 0 }, false },
	{ "root without CAP_NET_ADMIN", 0, 0, 0, 0, { 0 }, true },
	{ "root", 0, 0, 0, 0, { 0 }, false },
};
#define NWHO	ARRAY_SIZE(WHO)

/* The blocks, and for each of WHO whether it is admitted. */
static const struct {
	uint16_t start;
	uint32_t uid, gid;
	bool ok[NWHO];
} BLK[] = {
	{ 30300, 1000, ANY_ID, { 1, 1, 0, 0, 0, 0, 0, 1 } },
	{ 30310, ANY_ID, 2000, { 0, 0, 0, 1, 1, 0, 0, 1 } },
	{ 30320, 1000, 2000, { 1, 1, 0, 1, 1, 0, 0, 1 } },
	{ 30330, ANY_ID, ANY_ID, { 1, 1, 1, 1, 1, 1, 1, 1 } },
	{ 30340, NOBODY_UID, 1000, { 1, 0, 0, 0, 0, 1, 0, 1 } },
};
#define NBLK	ARRAY_SIZE(BLK)

/* Lookup, or associate + bind(0), by each of WHO, of each of BLK. */
PORTRES_FIXTURE(admission, PORTRES_NETNS);

FIXTURE_VARIANT(admission) {
	bool assoc;		/* associate + bind(0), else lookup */
	int proto;
};

FIXTURE_VARIANT_ADD(admission, lookup) {
	.assoc = false, .proto = TCP,
};

FIXTURE_VARIANT_ADD(admission, tcp_associate) {
	.assoc = true, .proto = TCP,
};

FIXTURE_VARIANT_ADD(admission, udp_associate) {
	.assoc = true, .proto = UDP,
};

struct admit_arg {
	struct __test_metadata *_metadata;
	const struct who *w;
	int widx;
	bool assoc;
	int proto;
	uint64_t token[NBLK];
};

static void become_who(const struct who *w)
{
	if (w->drop_admin) {
		drop_cap(CAP_NET_ADMIN);
		return;
	}
	if (!w->euid)
		return;
	if (setgroups(w->ngroups, w->groups) ||
	    setresgid(w->gid, w->gid, w->gid) ||
	    setresuid(w->ruid, w->euid, w->ruid))
		die("become %s: %s", w->name, strerror(errno));
}

/* 0, or -1 after logging the first block where the answer was wrong. */
static int admit_child(void *arg)
{
	struct admit_arg *a = arg;
	struct __test_metadata *_metadata = a->_metadata;
	struct portres_persistent out;
	size_t b;
	int ctl, err, fd;

	become_who(a->w);
	ctl = xctl_open();
	for (b = 0; b < NBLK; b++) {
		int want = BLK[b].ok[a->widx] ? 0 : -EPERM;

		if (!a->assoc) {
			err = plookup(ctl, a->proto, BLK[b].start, 2, &out);
			if (!err && (out.token != a->token[b] ||
				     out.allowed_uid != BLK[b].uid ||
				     out.allowed_gid != BLK[b].gid)) {
				TH_LOG("%s: lookup %u gave token %016llx ids %u/%u",
				       a->w->name, BLK[b].start,
				       (unsigned long long)out.token,
				       out.allowed_uid, out.allowed_gid);
				return -1;
			}
		} else {
			fd = xsock(b & 1 ? AF_INET6 : AF_INET, a->proto);
			err = associate(fd, a->token[b]);
			if (!err) {
				ASSERT_OK(bind_port(fd, 0)) TH_LOG("%s", a->w->name);
				ASSERT_TRUE(port_in(local_port(fd), BLK[b].start, 2))
					TH_LOG("%s: bound to %d, outside %u+2",
					       a->w->name, local_port(fd),
					       BLK[b].start);
			}
			close(fd);
		}
		if (err != want) {
			TH_LOG("%s: %s of %u (uid %d gid %d): expected %s, got %s",
			       a->w->name, a->assoc ? "associate" : "lookup",
			       BLK[b].start, (int)BLK[b].uid, (int)BLK[b].gid,
			       errname(-want), errname(-err));
			return -1;
		}
	}
	close(ctl);
	return 0;
}

TEST_F(admission, admits_allowed_uid_gid_and_cap_net_admin)
{
	struct admit_arg a = {
		._metadata = _metadata,
		.assoc = variant->assoc, .proto = variant->proto,
	};
	size_t b, w;
	int ctl, fails = 0;

	ctl = xctl_open();
	for (b = 0; b < NBLK; b++)
		ASSERT_OK(pcreate(ctl, a.proto, BLK[b].start, 2, BLK[b].uid,
				  BLK[b].gid, &a.token[b]));
	for (w = 0; w < NWHO; w++) {
		a.w = &WHO[w];
		a.widx = w;
		/* Every one of them is a process other than the creator. */
		if (child_run(admit_child, &a))
			fails++;
	}
	for (b = 0; b < NBLK; b++)
		ASSERT_OK(pdelete(ctl, a.proto, BLK[b].start, 2));
	close(ctl);
	ASSERT_EQ(0, fails) TH_LOG("%d of %zu callers saw the wrong answer",
				   fails, NWHO);
}

TEST_F(persist, wrong_protocol_token_is_enoent)
{
	uint64_t t, u;
	int ctl, fd;

	ctl = xctl_open();
	t = xpcreate(ctl, TCP, 30350, 1);
	u = xpcreate(ctl, UDP, 30350, 1);
	fd = xsock(AF_INET, UDP);
	ASSERT_ERRNO(associate(fd, t), -ENOENT);
	close(fd);
	fd = xsock(AF_INET6, TCP);
	ASSERT_ERRNO(associate(fd, u), -ENOENT);
	ASSERT_ERRNO(associate(fd, t ^ u ^ 1), -ENOENT);
	ASSERT_OK(associate(fd, t));
	close(fd);
	close(ctl);
}

/* ---- restore with a given token ---- */

static int given_token_in_new_netns(void *arg)
{
	uint64_t tok = *(uint64_t *)arg;
	int ctl;

	if (unshare(CLONE_NEWNET))
		die("unshare: %s", strerror(errno));
	ctl = xctl_open();
	/* Tokens are unique per namespace, not across them. */
	return pcreate_given(ctl, TCP, 30400, 3, tok);
}

/* Unprivileged callers: unprivileged.create_and_delete_are_eperm. */
TEST_F(persist, given_token_restores_the_same_token)
{
	struct portres_persistent out;
	uint64_t tok, rtok;
	int ctl, rt, fd, port;

	ctl = xctl_open();
	tok = xpcreate(ctl, TCP, 30400, 3);
	xpdelete(ctl, TCP, 30400, 3);
	ASSERT_OK(pcreate_given(ctl, TCP, 30400, 3, tok));
	ASSERT_OK(plookup(ctl, TCP, 30400, 3, &out));
	ASSERT_EQ(tok, out.token) TH_LOG("restored with another token");
	/* The restored token is a working one. */
	port = assoc_bind(AF_INET, TCP, tok, &fd);
	ASSERT_TRUE(port_in(port, 30400, 3)) TH_LOG("associated bind gave %d", port);
	close(fd);

	/* In use: by a persistent reservation, of either protocol... */
	ASSERT_ERRNO(pcreate_given(ctl, TCP, 30410, 1, tok), -EEXIST);
	ASSERT_ERRNO(pcreate_given(ctl, UDP, 30410, 1, tok), -EEXIST);
	/* ...or by a runtime one. */
	rt = xsock(AF_INET, TCP);
	rtok = xacquire(rt, 30420, 1, NULL);
	ASSERT_ERRNO(pcreate_given(ctl, UDP, 30430, 1, rtok), -EEXIST);
	ASSERT_OK(outsider_bind(AF_INET, TCP, 30410));
	ASSERT_OK(outsider_bind(AF_INET, UDP, 30410));
	ASSERT_OK(outsider_bind(AF_INET, UDP, 30430));
	close(rt);	/* the runtime token is free again */
	ASSERT_OK(pcreate_given(ctl, UDP, 30430, 1, rtok));
	xpdelete(ctl, UDP, 30430, 1);

	ASSERT_ERRNO(pcreate_given(ctl, UDP, 30440, 1, 0), -EINVAL);
	ASSERT_ERRNO(plookup(ctl, UDP, 30440, 1, NULL), -ENOENT);

	ASSERT_OK(child_run(given_token_in_new_netns, &tok));
	close(ctl);
}

/* ---- lifetime ---- */

struct made {
	uint64_t tcp, udp;
};

static int create_and_exit(void *arg)
{
	struct made *m = arg;
	int ctl = xctl_open();

	m->tcp = xpcreate(ctl, TCP, 30500, 4);
	m->udp = xpcreate(ctl, UDP, 30500, 4);
	return 0;	/* exits with the control file open */
}

TEST_F(persist, persistent_outlives_its_creator_and_file)
{
	struct made *m = shared_page();
	struct portres_persistent out;
	int ctl, fd, port, i;
	uint64_t tok;

	ASSERT_OK(child_run(create_and_exit, m));
	ctl = xctl_open();
	ASSERT_OK(plookup(ctl, TCP, 30500, 4, &out));
	ASSERT_EQ(m->tcp, out.token) TH_LOG("TCP token changed");
	ASSERT_OK(plookup(ctl, UDP, 30500, 4, &out));
	ASSERT_EQ(m->udp, out.token) TH_LOG("UDP token changed");
	for (i = 30500; i < 30504; i++)
		ASSERT_TRUE(reserved(i)) TH_LOG("port %d not reserved", i);
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 30501), -EACCES);
	ASSERT_ERRNO(outsider_bind(AF_INET6, UDP, 30503), -EACCES);
	port = assoc_bind(AF_INET6, TCP, m->tcp, &fd);
	ASSERT_TRUE(port_in(port, 30500, 4)) TH_LOG("associated bind gave %d", port);
	close(fd);

	/* Closing the control file in the creating process ends nothing. */
	tok = xpcreate(ctl, TCP, 30510, 1);
	close(ctl);
	ctl = xctl_open();
	ASSERT_OK(plookup(ctl, TCP, 30510, 1, &out));
	ASSERT_EQ(tok, out.token) TH_LOG("token changed after close");
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 30510), -EACCES);
	close(ctl);
}

TEST_F(persist, delete_frees_the_ports)
{
	struct portset before, admin, now;
	int ctl, i, t, bound, unbound, port, s;
	uint64_t tok;

	ctl = xctl_open();
	xreserved_ports_read(&before);
	/* An administrator's bit inside the block must survive the delete. */
	admin = before;
	portset_set(&admin, 30604);
	xreserved_ports_write(&admin);

	tok = xpcreate(ctl, TCP, 30600, 5);
	xpcreate(ctl, UDP, 30600, 5);
	for (i = 30600; i < 30605; i++)
		ASSERT_TRUE(reserved(i)) TH_LOG("port %d not reserved", i);
	port = assoc_bind(AF_INET, TCP, tok, &bound);
	ASSERT_TRUE(port_in(port, 30600, 5)) TH_LOG("associated bind gave %d", port);
	unbound = xsock(AF_INET, TCP);
	xassociate(unbound, tok);

	ASSERT_OK(pdelete(ctl, TCP, 30600, 5));
	/* The UDP block still holds the (shared) bits. */
	for (i = 30600; i < 30605; i++)
		ASSERT_TRUE(reserved(i))
			TH_LOG("port %d lost its bit with UDP still reserved", i);
	/* A socket bound from the block keeps its port. */
	ASSERT_EQ(port, local_port(bound)) TH_LOG("bound socket moved");
	/* One associated but not bound yet finds the reservation gone. */
	ASSERT_ERRNO(bind_port(unbound, 0), -EADDRNOTAVAIL);
	t = xsock(AF_INET, TCP);
	s = port == 30600 ? 30601 : 30600;
	ASSERT_OK(bind_port(t, s));
	close(t);
	ASSERT_ERRNO(outsider_bind(AF_INET, UDP, 30601), -EACCES);

	ASSERT_OK(pdelete(ctl, UDP, 30600, 5));
	xreserved_ports_read(&now);
	ASSERT_EQ(0, memcmp(&now, &admin, sizeof(now)))
		TH_LOG("after delete the bitmap is not what the administrator set");
	ASSERT_OK(outsider_bind(AF_INET, UDP, 30601));
	ASSERT_OK(outsider_bind(AF_INET6, UDP, 30604));
	close(bound);
	close(unbound);
	t = xsock(AF_INET, TCP);
	ASSERT_OK(acquire(t, 30600, 4, NULL));
	close(t);
	ASSERT_OK(pcreate(ctl, TCP, 30600, 5, ANY_ID, ANY_ID, NULL));
	close(ctl);
}

static int release_nobody(void *arg)
{
	int fd;

	drop_to_uid(NOBODY_UID);
	fd = xsock(AF_INET, TCP);
	return release(fd, *(uint64_t *)arg);
}

TEST_F(persist, release_of_a_persistent_token_is_einval)
{
	uint64_t t, u;
	int ctl, tfd, ufd;

	ctl = xctl_open();
	t = xpcreate(ctl, TCP, 30700, 2);
	u = xpcreate(ctl, UDP, 30700, 2);
	tfd = xsock(AF_INET, TCP);
	ufd = xsock(AF_INET6, UDP);
	ASSERT_ERRNO(release(tfd, t), -EINVAL);
	ASSERT_ERRNO(release(ufd, u), -EINVAL);
	ASSERT_ERRNO(release(tfd, u), -ENOENT);	/* other protocol */
	/* An associated socket cannot release it either. */
	xassociate(tfd, t);
	ASSERT_ERRNO(release(tfd, t), -EINVAL);
	ASSERT_ERRNO(child_run(release_nobody, &t), -EINVAL);
	ASSERT_OK(plookup(ctl, TCP, 30700, 2, NULL));
	ASSERT_OK(plookup(ctl, UDP, 30700, 2, NULL));
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 30700), -EACCES);
	close(tfd);
	close(ufd);
	close(ctl);
}

TEST_F(persist, outsider_refused_associated_bind_from_block)
{
	int ctl, fd[4], u1, u2, port, i;
	uint64_t t, u;

	ctl = xctl_open();
	t = xpcreate(ctl, TCP, 30800, 3);
	u = xpcreate(ctl, UDP, 30800, 3);

	/* Even root with every capability is an outsider. */
	ASSERT_ERRNO(outsider_bind(AF_INET, TCP, 30800), -EACCES);
	ASSERT_ERRNO(outsider_bind(AF_INET6, TCP, 30802), -EACCES);
	ASSERT_ERRNO(outsider_bind(AF_INET, UDP, 30801), -EACCES);
	ASSERT_ERRNO(outsider_bind(AF_INET6, UDP, 30802), -EACCES);
	ASSERT_OK(outsider_bind(AF_INET, TCP, 30803));

	for (i = 0; i < 3; i++) {
		port = assoc_bind(i & 1 ? AF_INET6 : AF_INET, TCP, t, &fd[i]);
		ASSERT_TRUE(port_in(port, 30800, 3))
			TH_LOG("TCP socket %d bound to %d", i, port);
		if (i)
			ASSERT_NE(local_port(fd[i - 1]), port)
				TH_LOG("port %d twice", port);
		ASSERT_OK(listen(fd[i], 1) ? -errno : 0);
	}
	ASSERT_NE(local_port(fd[0]), local_port(fd[2]))
		TH_LOG("port %d twice", local_port(fd[0]));
	fd[3] = xsock(AF_INET, TCP);
	xassociate(fd[3], t);
	ASSERT_ERRNO(bind_port(fd[3], 0), -EADDRINUSE);	/* block full */

	u1 = xsock(AF_INET, UDP);
	xassociate(u1, u);
	ASSERT_ERRNO(bind_port(u1, 30810), -EINVAL);	/* outside the block */
	ASSERT_OK(bind_port(u1, 30801));
	/* UDP autobind of an associated socket takes a free block port. */
	u2 = xsock(AF_INET6, UDP);
	xassociate(u2, u);
	ASSERT_OK(sendto_port(u2, 30850));
	port = local_port(u2);
	ASSERT_TRUE(port == 30800 || port == 30802)
		TH_LOG("UDP autobind gave %d", port);

	for (i = 0; i < 4; i++)
		close(fd[i]);
	close(u1);
	close(u2);
	close(ctl);
}

/* ---- namespaces ---- */

static int reserve_in_netns_and_exit(void *arg)
{
	struct __test_metadata *_metadata = arg;
	uint64_t tok;
	int ctl, fd, port;

	if (unshare(CLONE_NEWNET))
		die("unshare: %s", strerror(errno));
	ctl = xctl_open();
	ASSERT_OK(pcreate(ctl, TCP, 30900, 5, 1000, 1000, &tok));
	ASSERT_OK(pcreate(ctl, UDP, 30900, 5, ANY_ID, ANY_ID, NULL));
	ASSERT_TRUE(reserved(30900)) TH_LOG("not in the namespace's own bitmap");
	port = assoc_bind(AF_INET, TCP, tok, &fd);
	ASSERT_TRUE(port_in(port, 30900, 5)) TH_LOG("associated bind gave %d", port);
	ASSERT_OK(listen(fd, 1) ? -errno : 0);
	/* Exit with a listening socket of the block and the file open. */
	return 0;
}

static int netns_of_passed_file(void *arg)
{
	int sock = *(int *)arg;

	if (unshare(CLONE_NEWNET))
		die("unshare: %s", strerror(errno));
	send_fd(sock, xctl_open());
	return 0;
}

TEST_F(persist, persistent_dies_with_its_namespace)
{
	struct portset before, after;
	int ctl, other, sv[2], i;

	ctl = xctl_open();
	xreserved_ports_read(&before);
	for (i = 0; i < 3; i++)
		ASSERT_OK(child_run(reserve_in_netns_and_exit, _metadata));
	ASSERT_OK(outsider_bind(AF_INET, TCP, 30900));
	ASSERT_OK(outsider_bind(AF_INET6, UDP, 30904));
	ASSERT_ERRNO(plookup(ctl, TCP, 30900, 5, NULL), -ENOENT);
	ASSERT_OK(pcreate(ctl, TCP, 30900, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30900, 5);

	/*
	 * A control file keeps working on its opener's namespace, here one
	 * whose only other user (the child) is gone.
	 */
	ASSERT_OK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) ? -errno : 0);
	ASSERT_OK(child_run(netns_of_passed_file, &sv[1]));
	other = recv_fd(sv[0]);
	ASSERT_OK(pcreate(other, TCP, 30910, 2, ANY_ID, ANY_ID, NULL));
	ASSERT_OK(pcreate(other, UDP, 30910, 2, 1000, ANY_ID, NULL));
	ASSERT_OK(plookup(other, TCP, 30910, 2, NULL));
	ASSERT_ERRNO(plookup(ctl, TCP, 30910, 2, NULL), -ENOENT);
	ASSERT_OK(outsider_bind(AF_INET, TCP, 30910));
	ASSERT_FALSE(reserved(30910)) TH_LOG("other namespace's block in our bitmap");
	close(other);	/* the namespace and its reservations go */
	close(sv[0]);
	close(sv[1]);

	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("namespaces that went away left bits in this one");
	close(ctl);
}

TEST_HARNESS_MAIN
