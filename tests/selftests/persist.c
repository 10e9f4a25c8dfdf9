// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent reservations through /dev/portres, with raw ioctls: who may
 * create and delete them (CAP_NET_ADMIN in the namespace's user namespace),
 * which requests are invalid, overlaps, exact-block delete and lookup, the
 * allowed_uid/allowed_gid admission for lookup and associate, restore with a
 * given token, life beyond the creator, and death with the namespace.
 *
 * Ports used: 30000-30999.
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

#include "persist_util.h"

#define TCP	IPPROTO_TCP
#define UDP	IPPROTO_UDP

static void begin(void)
{
	root_traversable();
	persist_cleanup_at_exit(30000, 30999);
}

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

enum unpriv { NOBODY, ROOT_NO_ADMIN };

static int create_delete_refused(void *arg)
{
	enum unpriv how = *(enum unpriv *)arg;
	int ctl;

	if (how == NOBODY)
		drop_to_uid(NOBODY_UID);
	else
		drop_cap(CAP_NET_ADMIN);
	ctl = xctl_open();
	CHECK_ERR(pcreate(ctl, TCP, 30000, 2, ANY_ID, ANY_ID, NULL), -EPERM);
	CHECK_ERR(pcreate(ctl, UDP, 30000, 2, ANY_ID, ANY_ID, NULL), -EPERM);
	CHECK_ERR(pcreate_given(ctl, TCP, 30002, 1, 0x1234), -EPERM);
	CHECK_ERR(pdelete(ctl, TCP, 30010, 2), -EPERM);
	CHECK_ERR(pdelete(ctl, UDP, 30010, 2), -EPERM);
	/* Lookup is not an administrator's operation: anyone is allowed. */
	CHECK_OK(plookup(ctl, TCP, 30010, 2, NULL));
	close(ctl);
	return 0;
}

static int create_and_delete_need_cap_net_admin(void)
{
	enum unpriv nobody = NOBODY, noadmin = ROOT_NO_ADMIN;
	int ctl;

	begin();
	ctl = xctl_open();
	xpcreate(ctl, TCP, 30010, 2);
	xpcreate(ctl, UDP, 30010, 2);
	CHECK_OK(child_run(create_delete_refused, &nobody));
	/* Root is not enough: it is the capability that counts. */
	CHECK_OK(child_run(create_delete_refused, &noadmin));
	CHECK(!reserved(30000) && !reserved(30002),
	      "a refused create set reserved-port bits");
	CHECK_OK(plookup(ctl, TCP, 30010, 2, NULL));
	CHECK_OK(plookup(ctl, UDP, 30010, 2, NULL));
	CHECK_OK(pdelete(ctl, TCP, 30010, 2));
	CHECK_OK(pdelete(ctl, UDP, 30010, 2));
	close(ctl);
	return 0;
}

/*
 * An unprivileged user becomes root of a new user namespace owning a new
 * network namespace: it administers that one, not the initial one through
 * a /dev/portres file opened before the unshare.
 */
static int userns_child(void *arg)
{
	struct portres_persistent out;
	int old, new;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	old = xctl_open();
	xunshare_user_net();
	new = xctl_open();
	CHECK_ERR(pcreate(old, TCP, 30020, 2, ANY_ID, ANY_ID, NULL), -EPERM);
	CHECK_ERR(pcreate_given(old, UDP, 30020, 2, 0x77), -EPERM);
	CHECK_ERR(pdelete(old, TCP, 30030, 1), -EPERM);
	CHECK_OK(plookup(old, TCP, 30030, 1, NULL));

	CHECK_OK(pcreate(new, TCP, 30020, 2, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pcreate_given(new, UDP, 30020, 2, 0x77));
	/* Only uid/gid 0 exist in this user namespace. */
	CHECK_ERR(pcreate(new, TCP, 30040, 1, 1000, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(new, TCP, 30040, 1, ANY_ID, 1000, NULL), -EINVAL);
	CHECK_OK(pcreate(new, TCP, 30040, 1, 0, 0, NULL));
	CHECK_OK(plookup(new, TCP, 30040, 1, &out));
	CHECK(out.allowed_uid == 0 && out.allowed_gid == 0,
	      "allowed ids %u/%u, want 0/0", out.allowed_uid, out.allowed_gid);
	/* Reserved here: even the namespace's root may not bind into it. */
	CHECK_ERR(outsider_bind(AF_INET, TCP, 30021), -EACCES);
	CHECK(reserved(30020) && reserved(30021),
	      "the new namespace's bitmap lacks its reservation");
	CHECK_OK(pdelete(new, TCP, 30040, 1));
	/* 30020 (TCP and UDP) are left for the namespace to take away. */
	return 0;
}

static int userns_root_administers_only_its_own_netns(void)
{
	int ctl;

	begin();
	ctl = xctl_open();
	xpcreate(ctl, TCP, 30030, 1);
	CHECK_OK(child_run(userns_child, NULL));
	CHECK(!reserved(30020) && !reserved(30021),
	      "the child namespace's reservation shows in the parent's bitmap");
	CHECK_OK(outsider_bind(AF_INET, TCP, 30020));
	CHECK_OK(outsider_bind(AF_INET6, UDP, 30021));
	CHECK_ERR(plookup(ctl, TCP, 30020, 2, NULL), -ENOENT);
	CHECK_OK(pdelete(ctl, TCP, 30030, 1));
	close(ctl);
	return 0;
}

/* ---- invalid requests ---- */

static int create_rejects_invalid_requests(void)
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

	begin();
	ctl = xctl_open();
	xreserved_ports_read(&before);

	CHECK_ERR(pcreate(ctl, TCP, 0, 1, ANY_ID, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, UDP, 0, 10, ANY_ID, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, TCP, 30050, 0, ANY_ID, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, TCP, 65535, 2, ANY_ID, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, UDP, 65000, 1000, ANY_ID, ANY_ID, NULL), -EINVAL);
	CHECK_ERR(pcreate(ctl, TCP, 30050, 65535, ANY_ID, ANY_ID, NULL), -EINVAL);

	p = preq(TCP, 30050, 1, ANY_ID, ANY_ID);
	p.pad = 1;
	CHECK_ERR(ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p), -EINVAL);
	for (i = 0; i < ARRAY_SIZE(bad_proto); i++) {
		p = preq(TCP, 30050, 1, ANY_ID, ANY_ID);
		p.protocol = bad_proto[i];
		CHECK_ERR(ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p),
			  -EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		p = preq(UDP, 30050, 1, ANY_ID, ANY_ID);
		p.flags = bad_flags[i];
		p.token = 0x4242;
		CHECK_ERR(ctl_ioctl(ctl, PORTRES_IOC_CREATE_PERSISTENT, &p),
			  -EINVAL);
	}
	CHECK_ERR(pcreate_given(ctl, TCP, 30050, 1, 0), -EINVAL);

	/* The same blocks are no better for delete and lookup. */
	CHECK_ERR(pdelete(ctl, TCP, 0, 1), -EINVAL);
	CHECK_ERR(plookup(ctl, TCP, 30050, 0, NULL), -EINVAL);
	p = preq(TCP, 30050, 1, ANY_ID, ANY_ID);
	p.pad = 7;
	CHECK_ERR(ctl_ioctl(ctl, PORTRES_IOC_LOOKUP_PERSISTENT, &p), -EINVAL);
	p = preq(IPPROTO_SCTP, 30050, 1, ANY_ID, ANY_ID);
	CHECK_ERR(ctl_ioctl(ctl, PORTRES_IOC_DELETE_PERSISTENT, &p), -EINVAL);
	/* A socket ioctl is not a control-device ioctl. */
	CHECK_ERR(ioctl(ctl, SIO_ACQUIRE_PORT_RESERVATION, &p) ? -errno : 0,
		  -ENOTTY);

	xreserved_ports_read(&after);
	CHECK(!memcmp(&before, &after, sizeof(before)),
	      "a refused create changed ip_local_reserved_ports");
	CHECK_OK(outsider_bind(AF_INET, TCP, 30050));
	CHECK_OK(outsider_bind(AF_INET, UDP, 30050));

	/* The edges that are valid. */
	CHECK_OK(pcreate(ctl, TCP, 65535, 1, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pcreate(ctl, UDP, 30051, 1, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pdelete(ctl, TCP, 65535, 1));
	CHECK_OK(pdelete(ctl, UDP, 30051, 1));
	close(ctl);
	return 0;
}

/* ---- overlaps ---- */

static int create_over_reservation_is_eaddrinuse(void)
{
	int ctl, rt, r2;

	begin();
	ctl = xctl_open();
	rt = xsock(AF_INET, TCP);
	xacquire(rt, 30100, 10, NULL);

	CHECK_ERR(pcreate(ctl, TCP, 30100, 10, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30095, 10, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30109, 5, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30102, 2, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30090, 30, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate_given(ctl, TCP, 30105, 1, 0xabcdef), -EADDRINUSE);
	/* The other protocol's port space is separate. */
	CHECK_OK(pcreate(ctl, UDP, 30100, 10, ANY_ID, ANY_ID, NULL));
	/* Adjacent is fine. */
	CHECK_OK(pcreate(ctl, TCP, 30110, 5, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pcreate(ctl, TCP, 30095, 5, ANY_ID, ANY_ID, NULL));

	/* Persistent against persistent, both ways round. */
	CHECK_ERR(pcreate(ctl, TCP, 30112, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30114, 3, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, UDP, 30109, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, UDP, 30098, 3, 1000, ANY_ID, NULL), -EADDRINUSE);
	/* And a runtime acquire over a persistent block. */
	r2 = xsock(AF_INET6, TCP);
	CHECK_ERR(acquire(r2, 30113, 1, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(r2, 30094, 2, NULL), -EADDRINUSE);
	close(r2);
	r2 = xsock(AF_INET, UDP);
	CHECK_ERR(acquire(r2, 30105, 1, NULL), -EADDRINUSE);
	close(r2);

	/* Once the runtime reservation is gone, its block is free. */
	close(rt);
	CHECK_OK(pcreate(ctl, TCP, 30100, 10, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30100, 10);
	xpdelete(ctl, TCP, 30095, 5);
	xpdelete(ctl, TCP, 30110, 5);
	xpdelete(ctl, UDP, 30100, 10);
	close(ctl);
	return 0;
}

static int create_over_bound_port_is_eaddrinuse(void)
{
	int ctl, l, t6, u6;

	begin();
	ctl = xctl_open();
	l = xlistener(AF_INET, 30120);
	CHECK_ERR(pcreate(ctl, TCP, 30120, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30118, 5, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_OK(pcreate(ctl, UDP, 30118, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, UDP, 30118, 5);

	/* Bound without listen() holds the port as well. */
	t6 = xsock(AF_INET6, TCP);
	CHECK_OK(bind_port(t6, 30125));
	CHECK_ERR(pcreate(ctl, TCP, 30123, 3, ANY_ID, ANY_ID, NULL), -EADDRINUSE);

	u6 = xsock(AF_INET6, UDP);
	CHECK_OK(bind_port(u6, 30130));
	CHECK_ERR(pcreate(ctl, UDP, 30128, 5, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, UDP, 30130, 1, 1000, 1000, NULL), -EADDRINUSE);
	CHECK_OK(pcreate(ctl, TCP, 30128, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30128, 5);

	CHECK_PASS(make_time_wait(30140, 30141));
	CHECK_ERR(pcreate(ctl, TCP, 30141, 1, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_ERR(pcreate(ctl, TCP, 30135, 10, ANY_ID, ANY_ID, NULL), -EADDRINUSE);
	CHECK_OK(pcreate(ctl, TCP, 30142, 3, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30142, 3);

	/* The refusals were the sockets': without them the blocks are free. */
	close(l);
	close(t6);
	close(u6);
	CHECK_OK(pcreate(ctl, TCP, 30118, 8, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pcreate(ctl, UDP, 30128, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30118, 8);
	xpdelete(ctl, UDP, 30128, 5);
	close(ctl);
	return 0;
}

/* ---- exact blocks ---- */

static int delete_and_lookup_match_the_exact_block(void)
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

	begin();
	ctl = xctl_open();
	CHECK_OK(pcreate(ctl, TCP, 30200, 10, 1000, 2000, &tok));
	CHECK(tok != 0, "token 0");
	for (i = 0; i < ARRAY_SIZE(wrong); i++) {
		CHECK_ERR(plookup(ctl, wrong[i].proto, wrong[i].start,
				  wrong[i].n, NULL), -ENOENT);
		CHECK_ERR(pdelete(ctl, wrong[i].proto, wrong[i].start,
				  wrong[i].n), -ENOENT);
	}
	/* A runtime reservation is not a persistent one. */
	rt = xsock(AF_INET, TCP);
	xacquire(rt, 30220, 5, NULL);
	CHECK_ERR(plookup(ctl, TCP, 30220, 5, NULL), -ENOENT);
	CHECK_ERR(pdelete(ctl, TCP, 30220, 5), -ENOENT);
	CHECK_ERR(acquire(rt, 30222, 1, NULL), -EADDRINUSE);	/* still there */

	/* Same block, other protocol: the two are independent. */
	CHECK_OK(pcreate(ctl, UDP, 30200, 10, ANY_ID, ANY_ID, &utok));
	CHECK(utok != tok, "two reservations share token %016llx",
	      (unsigned long long)tok);

	CHECK_OK(plookup(ctl, TCP, 30200, 10, &out));
	CHECK(out.token == tok, "lookup token %016llx, created %016llx",
	      (unsigned long long)out.token, (unsigned long long)tok);
	CHECK(out.allowed_uid == 1000 && out.allowed_gid == 2000,
	      "lookup allowed ids %u/%u, want 1000/2000", out.allowed_uid,
	      out.allowed_gid);
	CHECK(out.protocol == TCP && ntohs(out.range.start_port) == 30200 &&
	      out.range.number_of_ports == 10, "lookup changed the block");
	CHECK_OK(plookup(ctl, UDP, 30200, 10, &out));
	CHECK(out.token == utok && out.allowed_uid == ANY_ID &&
	      out.allowed_gid == ANY_ID, "UDP lookup: token %016llx ids %u/%u",
	      (unsigned long long)out.token, out.allowed_uid, out.allowed_gid);

	CHECK_OK(pdelete(ctl, TCP, 30200, 10));
	CHECK_ERR(pdelete(ctl, TCP, 30200, 10), -ENOENT);
	CHECK_ERR(plookup(ctl, TCP, 30200, 10, NULL), -ENOENT);
	CHECK_OK(plookup(ctl, UDP, 30200, 10, NULL));
	CHECK_OK(pdelete(ctl, UDP, 30200, 10));
	close(rt);
	close(ctl);
	return 0;
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

struct admit_arg {
	const struct who *w;
	int widx;
	bool assoc;		/* associate + bind(0), else lookup */
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

static int admit_child(void *arg)
{
	struct admit_arg *a = arg;
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
				tap_diag("%s: lookup %u gave token %016llx ids %u/%u",
					 a->w->name, BLK[b].start,
					 (unsigned long long)out.token,
					 out.allowed_uid, out.allowed_gid);
				return -1;
			}
		} else {
			fd = xsock(b & 1 ? AF_INET6 : AF_INET, a->proto);
			err = associate(fd, a->token[b]);
			if (!err) {
				CHECK_OK(bind_port(fd, 0));
				CHECK(port_in(local_port(fd), BLK[b].start, 2),
				      "%s: bound to %d, outside %u+2",
				      a->w->name, local_port(fd), BLK[b].start);
			}
			close(fd);
		}
		if (err != want) {
			tap_diag("%s: %s of %u (uid %d gid %d): expected %s, got %s",
				 a->w->name, a->assoc ? "associate" : "lookup",
				 BLK[b].start, (int)BLK[b].uid, (int)BLK[b].gid,
				 tap_errname(-want), tap_errname(-err));
			return -1;
		}
	}
	close(ctl);
	return 0;
}

static int admission(bool assoc, int proto)
{
	struct admit_arg a = { .assoc = assoc, .proto = proto };
	size_t b, w;
	int ctl, fails = 0;

	begin();
	ctl = xctl_open();
	for (b = 0; b < NBLK; b++)
		CHECK_OK(pcreate(ctl, proto, BLK[b].start, 2, BLK[b].uid,
				 BLK[b].gid, &a.token[b]));
	for (w = 0; w < NWHO; w++) {
		a.w = &WHO[w];
		a.widx = w;
		/* Every one of them is a process other than the creator. */
		if (child_run(admit_child, &a))
			fails++;
	}
	for (b = 0; b < NBLK; b++)
		CHECK_OK(pdelete(ctl, proto, BLK[b].start, 2));
	close(ctl);
	CHECK(!fails, "%d of %zu callers saw the wrong answer", fails, NWHO);
	return 0;
}

static int lookup_admits_allowed_uid_gid_and_cap_net_admin(void)
{
	return admission(false, TCP);
}

static int tcp_associate_admits_allowed_uid_gid_and_cap_net_admin(void)
{
	return admission(true, TCP);
}

static int udp_associate_admits_allowed_uid_gid_and_cap_net_admin(void)
{
	return admission(true, UDP);
}

static int wrong_protocol_token_is_enoent(void)
{
	uint64_t t, u;
	int ctl, fd;

	begin();
	ctl = xctl_open();
	t = xpcreate(ctl, TCP, 30350, 1);
	u = xpcreate(ctl, UDP, 30350, 1);
	fd = xsock(AF_INET, UDP);
	CHECK_ERR(associate(fd, t), -ENOENT);
	close(fd);
	fd = xsock(AF_INET6, TCP);
	CHECK_ERR(associate(fd, u), -ENOENT);
	CHECK_ERR(associate(fd, t ^ u ^ 1), -ENOENT);
	CHECK_OK(associate(fd, t));
	close(fd);
	xpdelete(ctl, TCP, 30350, 1);
	xpdelete(ctl, UDP, 30350, 1);
	close(ctl);
	return 0;
}

/* ---- restore with a given token ---- */

static int given_token_refused(void *arg)
{
	enum unpriv how = *(enum unpriv *)arg;
	int ctl;

	if (how == NOBODY)
		drop_to_uid(NOBODY_UID);
	else
		drop_cap(CAP_NET_ADMIN);
	ctl = xctl_open();
	return pcreate_given(ctl, UDP, 30440, 1, 0x1122334455667788ULL);
}

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

static int given_token_restores_the_same_token(void)
{
	enum unpriv nobody = NOBODY, noadmin = ROOT_NO_ADMIN;
	struct portres_persistent out;
	uint64_t tok, rtok;
	int ctl, rt, fd, port;

	begin();
	ctl = xctl_open();
	tok = xpcreate(ctl, TCP, 30400, 3);
	xpdelete(ctl, TCP, 30400, 3);
	CHECK_OK(pcreate_given(ctl, TCP, 30400, 3, tok));
	CHECK_OK(plookup(ctl, TCP, 30400, 3, &out));
	CHECK(out.token == tok, "restored as %016llx, not %016llx",
	      (unsigned long long)out.token, (unsigned long long)tok);
	/* The restored token is a working one. */
	port = assoc_bind(AF_INET, TCP, tok, &fd);
	CHECK(port_in(port, 30400, 3), "associated bind gave %d", port);
	close(fd);

	/* In use: by a persistent reservation, of either protocol... */
	CHECK_ERR(pcreate_given(ctl, TCP, 30410, 1, tok), -EEXIST);
	CHECK_ERR(pcreate_given(ctl, UDP, 30410, 1, tok), -EEXIST);
	/* ...or by a runtime one. */
	rt = xsock(AF_INET, TCP);
	rtok = xacquire(rt, 30420, 1, NULL);
	CHECK_ERR(pcreate_given(ctl, UDP, 30430, 1, rtok), -EEXIST);
	CHECK_OK(outsider_bind(AF_INET, TCP, 30410));
	CHECK_OK(outsider_bind(AF_INET, UDP, 30410));
	CHECK_OK(outsider_bind(AF_INET, UDP, 30430));
	close(rt);	/* the runtime token is free again */
	CHECK_OK(pcreate_given(ctl, UDP, 30430, 1, rtok));
	xpdelete(ctl, UDP, 30430, 1);

	CHECK_ERR(pcreate_given(ctl, UDP, 30440, 1, 0), -EINVAL);
	CHECK_ERR(child_run(given_token_refused, &nobody), -EPERM);
	CHECK_ERR(child_run(given_token_refused, &noadmin), -EPERM);
	CHECK_ERR(plookup(ctl, UDP, 30440, 1, NULL), -ENOENT);

	CHECK_OK(child_run(given_token_in_new_netns, &tok));
	xpdelete(ctl, TCP, 30400, 3);
	close(ctl);
	return 0;
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

static int persistent_outlives_its_creator_and_file(void)
{
	struct made *m = shared_page();
	struct portres_persistent out;
	int ctl, fd, port, i;
	uint64_t tok;

	begin();
	CHECK_OK(child_run(create_and_exit, m));
	ctl = xctl_open();
	CHECK_OK(plookup(ctl, TCP, 30500, 4, &out));
	CHECK(out.token == m->tcp, "TCP token changed");
	CHECK_OK(plookup(ctl, UDP, 30500, 4, &out));
	CHECK(out.token == m->udp, "UDP token changed");
	for (i = 30500; i < 30504; i++)
		CHECK(reserved(i), "port %d not reserved", i);
	CHECK_ERR(outsider_bind(AF_INET, TCP, 30501), -EACCES);
	CHECK_ERR(outsider_bind(AF_INET6, UDP, 30503), -EACCES);
	port = assoc_bind(AF_INET6, TCP, m->tcp, &fd);
	CHECK(port_in(port, 30500, 4), "associated bind gave %d", port);
	close(fd);

	/* Closing the control file in the creating process ends nothing. */
	tok = xpcreate(ctl, TCP, 30510, 1);
	close(ctl);
	ctl = xctl_open();
	CHECK_OK(plookup(ctl, TCP, 30510, 1, &out));
	CHECK(out.token == tok, "token changed after close");
	CHECK_ERR(outsider_bind(AF_INET, TCP, 30510), -EACCES);

	xpdelete(ctl, TCP, 30500, 4);
	xpdelete(ctl, UDP, 30500, 4);
	xpdelete(ctl, TCP, 30510, 1);
	close(ctl);
	return 0;
}

static int delete_frees_the_ports(void)
{
	struct portset before, admin, now;
	int ctl, i, t, bound, unbound, port, s;
	uint64_t tok;

	begin();
	ctl = xctl_open();
	xreserved_ports_read(&before);
	/* An administrator's bit inside the block must survive the delete. */
	admin = before;
	portset_set(&admin, 30604);
	xreserved_ports_write(&admin);

	tok = xpcreate(ctl, TCP, 30600, 5);
	xpcreate(ctl, UDP, 30600, 5);
	for (i = 30600; i < 30605; i++)
		CHECK(reserved(i), "port %d not reserved", i);
	port = assoc_bind(AF_INET, TCP, tok, &bound);
	CHECK(port_in(port, 30600, 5), "associated bind gave %d", port);
	unbound = xsock(AF_INET, TCP);
	xassociate(unbound, tok);

	CHECK_OK(pdelete(ctl, TCP, 30600, 5));
	/* The UDP block still holds the (shared) bits. */
	for (i = 30600; i < 30605; i++)
		CHECK(reserved(i), "port %d lost its bit with UDP still reserved", i);
	/* A socket bound from the block keeps its port. */
	CHECK(local_port(bound) == port, "bound socket moved to %d",
	      local_port(bound));
	/* One associated but not bound yet finds the reservation gone. */
	CHECK_ERR(bind_port(unbound, 0), -EADDRNOTAVAIL);
	t = xsock(AF_INET, TCP);
	s = port == 30600 ? 30601 : 30600;
	CHECK_OK(bind_port(t, s));
	close(t);
	CHECK_ERR(outsider_bind(AF_INET, UDP, 30601), -EACCES);

	CHECK_OK(pdelete(ctl, UDP, 30600, 5));
	xreserved_ports_read(&now);
	CHECK(!memcmp(&now, &admin, sizeof(now)),
	      "after delete the bitmap is not what the administrator set");
	CHECK_OK(outsider_bind(AF_INET, UDP, 30601));
	CHECK_OK(outsider_bind(AF_INET6, UDP, 30604));
	close(bound);
	close(unbound);
	t = xsock(AF_INET, TCP);
	CHECK_OK(acquire(t, 30600, 4, NULL));
	close(t);
	CHECK_OK(pcreate(ctl, TCP, 30600, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30600, 5);
	close(ctl);
	return 0;
}

static int release_nobody(void *arg)
{
	int fd;

	drop_to_uid(NOBODY_UID);
	fd = xsock(AF_INET, TCP);
	return release(fd, *(uint64_t *)arg);
}

static int release_of_a_persistent_token_is_einval(void)
{
	uint64_t t, u;
	int ctl, tfd, ufd;

	begin();
	ctl = xctl_open();
	t = xpcreate(ctl, TCP, 30700, 2);
	u = xpcreate(ctl, UDP, 30700, 2);
	tfd = xsock(AF_INET, TCP);
	ufd = xsock(AF_INET6, UDP);
	CHECK_ERR(release(tfd, t), -EINVAL);
	CHECK_ERR(release(ufd, u), -EINVAL);
	CHECK_ERR(release(tfd, u), -ENOENT);	/* other protocol */
	/* An associated socket cannot release it either. */
	xassociate(tfd, t);
	CHECK_ERR(release(tfd, t), -EINVAL);
	CHECK_ERR(child_run(release_nobody, &t), -EINVAL);
	CHECK_OK(plookup(ctl, TCP, 30700, 2, NULL));
	CHECK_OK(plookup(ctl, UDP, 30700, 2, NULL));
	CHECK_ERR(outsider_bind(AF_INET, TCP, 30700), -EACCES);
	close(tfd);
	close(ufd);
	xpdelete(ctl, TCP, 30700, 2);
	xpdelete(ctl, UDP, 30700, 2);
	close(ctl);
	return 0;
}

static int outsider_refused_associated_bind_from_block(void)
{
	int ctl, fd[4], u1, u2, port, i;
	uint64_t t, u;

	begin();
	ctl = xctl_open();
	t = xpcreate(ctl, TCP, 30800, 3);
	u = xpcreate(ctl, UDP, 30800, 3);

	/* Even root with every capability is an outsider. */
	CHECK_ERR(outsider_bind(AF_INET, TCP, 30800), -EACCES);
	CHECK_ERR(outsider_bind(AF_INET6, TCP, 30802), -EACCES);
	CHECK_ERR(outsider_bind(AF_INET, UDP, 30801), -EACCES);
	CHECK_ERR(outsider_bind(AF_INET6, UDP, 30802), -EACCES);
	CHECK_OK(outsider_bind(AF_INET, TCP, 30803));

	for (i = 0; i < 3; i++) {
		port = assoc_bind(i & 1 ? AF_INET6 : AF_INET, TCP, t, &fd[i]);
		CHECK(port_in(port, 30800, 3), "TCP socket %d bound to %d", i,
		      port);
		if (i)
			CHECK(port != local_port(fd[i - 1]), "port %d twice", port);
		CHECK_OK(listen(fd[i], 1) ? -errno : 0);
	}
	CHECK(local_port(fd[0]) != local_port(fd[2]), "port %d twice",
	      local_port(fd[0]));
	fd[3] = xsock(AF_INET, TCP);
	xassociate(fd[3], t);
	CHECK_ERR(bind_port(fd[3], 0), -EADDRINUSE);	/* block full */

	u1 = xsock(AF_INET, UDP);
	xassociate(u1, u);
	CHECK_ERR(bind_port(u1, 30810), -EINVAL);	/* outside the block */
	CHECK_OK(bind_port(u1, 30801));
	/* UDP autobind of an associated socket takes a free block port. */
	u2 = xsock(AF_INET6, UDP);
	xassociate(u2, u);
	CHECK_OK(sendto_port(u2, 30850));
	port = local_port(u2);
	CHECK(port == 30800 || port == 30802, "UDP autobind gave %d", port);

	for (i = 0; i < 4; i++)
		close(fd[i]);
	close(u1);
	close(u2);
	xpdelete(ctl, TCP, 30800, 3);
	xpdelete(ctl, UDP, 30800, 3);
	close(ctl);
	return 0;
}

/* ---- namespaces ---- */

static int reserve_in_netns_and_exit(void *arg)
{
	uint64_t tok;
	int ctl, fd, port;

	(void)arg;
	if (unshare(CLONE_NEWNET))
		die("unshare: %s", strerror(errno));
	ctl = xctl_open();
	CHECK_OK(pcreate(ctl, TCP, 30900, 5, 1000, 1000, &tok));
	CHECK_OK(pcreate(ctl, UDP, 30900, 5, ANY_ID, ANY_ID, NULL));
	CHECK(reserved(30900), "not in the namespace's own bitmap");
	port = assoc_bind(AF_INET, TCP, tok, &fd);
	CHECK(port_in(port, 30900, 5), "associated bind gave %d", port);
	CHECK_OK(listen(fd, 1) ? -errno : 0);
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

static int persistent_dies_with_its_namespace(void)
{
	struct portset before, after;
	int ctl, other, sv[2], i;

	begin();
	ctl = xctl_open();
	xreserved_ports_read(&before);
	for (i = 0; i < 3; i++)
		CHECK_OK(child_run(reserve_in_netns_and_exit, NULL));
	CHECK_OK(outsider_bind(AF_INET, TCP, 30900));
	CHECK_OK(outsider_bind(AF_INET6, UDP, 30904));
	CHECK_ERR(plookup(ctl, TCP, 30900, 5, NULL), -ENOENT);
	CHECK_OK(pcreate(ctl, TCP, 30900, 5, ANY_ID, ANY_ID, NULL));
	xpdelete(ctl, TCP, 30900, 5);

	/*
	 * A control file keeps working on its opener's namespace, here one
	 * whose only other user (the child) is gone.
	 */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		die("socketpair: %s", strerror(errno));
	CHECK_OK(child_run(netns_of_passed_file, &sv[1]));
	other = recv_fd(sv[0]);
	CHECK_OK(pcreate(other, TCP, 30910, 2, ANY_ID, ANY_ID, NULL));
	CHECK_OK(pcreate(other, UDP, 30910, 2, 1000, ANY_ID, NULL));
	CHECK_OK(plookup(other, TCP, 30910, 2, NULL));
	CHECK_ERR(plookup(ctl, TCP, 30910, 2, NULL), -ENOENT);
	CHECK_OK(outsider_bind(AF_INET, TCP, 30910));
	CHECK(!reserved(30910), "other namespace's block in our bitmap");
	close(other);	/* the namespace and its reservations go */
	close(sv[0]);
	close(sv[1]);

	xreserved_ports_read(&after);
	CHECK(!memcmp(&before, &after, sizeof(before)),
	      "namespaces that went away left bits in this one");
	close(ctl);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(create_and_delete_need_cap_net_admin),
	TAP_TEST(userns_root_administers_only_its_own_netns),
	TAP_TEST(create_rejects_invalid_requests),
	TAP_TEST(create_over_reservation_is_eaddrinuse),
	TAP_TEST(create_over_bound_port_is_eaddrinuse),
	TAP_TEST(delete_and_lookup_match_the_exact_block),
	TAP_TEST(lookup_admits_allowed_uid_gid_and_cap_net_admin),
	TAP_TEST(tcp_associate_admits_allowed_uid_gid_and_cap_net_admin),
	TAP_TEST(udp_associate_admits_allowed_uid_gid_and_cap_net_admin),
	TAP_TEST(wrong_protocol_token_is_enoent),
	TAP_TEST(given_token_restores_the_same_token),
	TAP_TEST(persistent_outlives_its_creator_and_file),
	TAP_TEST(delete_frees_the_ports),
	TAP_TEST(release_of_a_persistent_token_is_einval),
	TAP_TEST(outsider_refused_associated_bind_from_block),
	TAP_TEST(persistent_dies_with_its_namespace),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
