// SPDX-License-Identifier: GPL-2.0
/*
 * libportres against the module: the socket operations, the persistent
 * operations through /dev/portres, the /proc listing as parsed by
 * portres_list(), and portres_strerror()'s sentences for real failures.
 *
 * Ports used: 28000-28499.
 */
#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"
#include "libportres_util.h"

PORTRES_FIXTURE(lib_api, PORTRES_NETNS);

/* err is a -errno that fails as want, with a sentence saying part. */
static void fails_saying(struct __test_metadata *_metadata, int err, int want,
			 const char *part)
{
	ASSERT_ERRNO(err, want);
	ASSERT_NE(NULL, strstr(portres_strerror(err), part))
		TH_LOG("message '%s' lacks '%s'", portres_strerror(err), part);
}

TEST_F(lib_api, acquire_associate_bind_release)
{
	struct inet_port_reservation_instance inst;
	const struct portres_entry *e;
	struct portres_entry *l;
	int fd = xsock(AF_INET, IPPROTO_TCP), s = xsock(AF_INET6, IPPROTO_TCP);
	int port, ret;
	size_t n;

	ASSERT_OK(portres_acquire(fd, 28000, 10, &inst));
	ASSERT_TRUE(ntohs(inst.reservation.start_port) == 28000 &&
		    inst.reservation.number_of_ports == 10 && inst.token.token)
		TH_LOG("granted %u+%u token %llx",
		       ntohs(inst.reservation.start_port),
		       inst.reservation.number_of_ports,
		       (unsigned long long)inst.token.token);
	ASSERT_OK(portres_associate(s, inst.token.token));
	ASSERT_OK(bind_port(s, 0));
	port = local_port(s);
	ASSERT_TRUE(port_in(port, 28000, 10)) TH_LOG("bound to %d", port);

	ASSERT_OK(portres_list(&l, &n));
	e = find_entry(l, n, IPPROTO_TCP, 28000);
	ASSERT_TRUE(e && !e->persistent && e->first == 28000 &&
		    e->last == 28009 && e->count == 10 && e->in_use == 1 &&
		    e->uid == 0 && e->pid == getpid() &&
		    !strcmp(e->comm, "lib_api") && e->token_visible &&
		    e->token == inst.token.token &&
		    e->allowed_uid == PORTRES_ANY_ID)
		TH_LOG("listing entry wrong");
	ASSERT_EQ(NULL, find_entry(l, n, IPPROTO_UDP, 28000))
		TH_LOG("udp entry for tcp block");
	portres_list_free(l);

	ASSERT_OK(portres_release(fd, inst.token.token));
	ret = portres_release(fd, inst.token.token);
	fails_saying(_metadata, ret, -ENOENT, "no reservation with that token");
	ASSERT_OK(portres_list(&l, &n));
	ASSERT_EQ(NULL, find_entry(l, n, IPPROTO_TCP, 28000))
		TH_LOG("released block listed");
	portres_list_free(l);
	close(s);
	close(fd);
}

static int nobody_privileged(void *arg)
{
	int fd, ret;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	fd = xsock(AF_INET, IPPROTO_UDP);
	ret = portres_acquire(fd, 1000, 1, NULL);
	if (ret == -EACCES && !strstr(portres_strerror(ret), "privileged port")) {
		diag("message '%s'", portres_strerror(ret));
		return -EBADMSG;
	}
	return ret;
}

TEST_F(lib_api, acquire_errors_have_sentences)
{
	int a = xsock(AF_INET, IPPROTO_TCP), b = xsock(AF_INET6, IPPROTO_TCP);
	int ret;

	ASSERT_OK(portres_acquire(a, 28100, 5, NULL));
	ret = portres_acquire(b, 28102, 2, NULL);
	fails_saying(_metadata, ret, -EADDRINUSE, "already reserved or bound");
	ret = portres_acquire(b, 28110, 0, NULL);
	fails_saying(_metadata, ret, -EINVAL, "invalid block");
	ret = portres_acquire(b, 65535, 2, NULL);
	ASSERT_ERRNO(ret, -EINVAL);
	ASSERT_ERRNO(child_run(nobody_privileged, NULL), -EACCES);
	close(a);
	close(b);
}

static int other_process_associate(void *tok)
{
	int fd = xsock(AF_INET, IPPROTO_TCP), ret;

	ret = portres_associate(fd, *(uint64_t *)tok);
	if (ret == -EPERM && !strstr(portres_strerror(ret), "another process"))
		return -EBADMSG;
	return ret;
}

TEST_F(lib_api, associate_errors_have_sentences)
{
	int a = xsock(AF_INET, IPPROTO_TCP), b = xsock(AF_INET, IPPROTO_TCP);
	struct inet_port_reservation_instance inst;
	uint64_t tok;
	int ret;

	ASSERT_OK(portres_acquire(a, 28150, 4, &inst));
	tok = inst.token.token;
	ret = portres_associate(b, tok ^ 1);
	fails_saying(_metadata, ret, -ENOENT, "no reservation with that token");
	ASSERT_OK(bind_port(b, 28200));
	ret = portres_associate(b, tok);
	fails_saying(_metadata, ret, -EINVAL, "already bound or associated");
	ASSERT_ERRNO(child_run(other_process_associate, &tok), -EPERM);
	close(a);
	close(b);
}

TEST_F(lib_api, persistent_create_lookup_delete)
{
	struct portres_persistent p, q;
	const struct portres_entry *e;
	struct portres_entry *l;
	int ctl = portres_open(), ret;
	size_t n;

	ASSERT_LE(0, ctl) TH_LOG("portres_open: %s", portres_strerror(ctl));
	portres_persistent_init(&p, IPPROTO_UDP, 28250, 4);
	p.allowed_uid = NOBODY_UID;
	ASSERT_OK(portres_persistent_create(ctl, &p));
	ASSERT_NE(0, p.token) TH_LOG("token 0");

	portres_persistent_init(&q, IPPROTO_UDP, 28250, 4);
	ASSERT_OK(portres_persistent_lookup(-1, &q));
	ASSERT_TRUE(q.token == p.token && q.allowed_uid == NOBODY_UID &&
		    q.allowed_gid == PORTRES_ANY_ID)
		TH_LOG("lookup: %llx uid %u gid %u",
		       (unsigned long long)q.token, q.allowed_uid,
		       q.allowed_gid);

	ASSERT_OK(portres_list(&l, &n));
	e = find_entry(l, n, IPPROTO_UDP, 28253);
	ASSERT_TRUE(e && e->persistent && e->first == 28250 && e->count == 4 &&
		    e->pid == PORTRES_NO_PID && !e->comm[0] && e->uid == 0 &&
		    e->allowed_uid == NOBODY_UID &&
		    e->allowed_gid == PORTRES_ANY_ID && e->token == p.token)
		TH_LOG("listing entry wrong");
	portres_list_free(l);

	portres_persistent_init(&q, IPPROTO_UDP, 28252, 10);
	ret = portres_persistent_create(ctl, &q);
	fails_saying(_metadata, ret, -EADDRINUSE, "overlaps a reservation or a bound port");

	portres_persistent_init(&q, IPPROTO_TCP, 28250, 4);
	q.flags = PORTRES_F_GIVEN_TOKEN;
	q.token = p.token;
	ret = portres_persistent_create(ctl, &q);
	fails_saying(_metadata, ret, -EEXIST, "token is already in use");

	portres_persistent_init(&q, IPPROTO_UDP, 28250, 3);	/* not exact */
	ret = portres_persistent_delete(ctl, &q);
	fails_saying(_metadata, ret, -ENOENT, "no persistent reservation of exactly that");
	ASSERT_OK(portres_persistent_delete(ctl, &p));
	ret = portres_persistent_lookup(ctl, &p);
	fails_saying(_metadata, ret, -ENOENT, "no persistent reservation");
	close(ctl);
}

struct nobody_op {
	uint16_t first, n;
	bool create;
	uint64_t want_token;
};

static int nobody_persistent(void *arg)
{
	struct nobody_op *op = arg;
	struct portres_persistent p;
	int ret;

	root_traversable();
	drop_to_uid(NOBODY_UID);
	portres_persistent_init(&p, IPPROTO_TCP, op->first, op->n);
	ret = op->create ? portres_persistent_create(-1, &p) :
			   portres_persistent_lookup(-1, &p);
	if (ret == -EPERM &&
	    !strstr(portres_strerror(ret), op->create ? "CAP_NET_ADMIN" :
			    "allowed uid/gid"))
		return -EBADMSG;
	if (!ret && p.token != op->want_token)
		return -EBADMSG;
	return ret;
}

TEST_F(lib_api, persistent_given_token_and_ids)
{
	struct portres_persistent p;
	struct nobody_op op = { 28300, 2, true, 0 };

	portres_persistent_init(&p, IPPROTO_TCP, 28300, 2);
	p.flags = PORTRES_F_GIVEN_TOKEN;
	p.token = 0x1122334455667788ULL;
	p.allowed_uid = 0;
	p.allowed_gid = 0;
	ASSERT_OK(portres_persistent_create(-1, &p));
	ASSERT_EQ(0x1122334455667788ULL, p.token);
	ASSERT_ERRNO(child_run(nobody_persistent, &op), -EPERM);	/* create */
	op.create = false;
	ASSERT_ERRNO(child_run(nobody_persistent, &op), -EPERM);	/* lookup */

	portres_persistent_init(&p, IPPROTO_TCP, 28310, 1);	/* anyone */
	ASSERT_OK(portres_persistent_create(-1, &p));
	op.first = 28310;
	op.n = 1;
	op.want_token = p.token;
	ASSERT_OK(child_run(nobody_persistent, &op));
}

static int noadmin_list(void *tok)
{
	struct portres_entry *l;
	const struct portres_entry *e;
	size_t n;
	int ret;

	drop_cap(CAP_NET_ADMIN);
	ret = portres_list(&l, &n);
	if (ret)
		return ret;
	e = find_entry(l, n, IPPROTO_UDP, 28400);
	ret = e && !e->token_visible && e->token == 0 ? 0 : -EBADMSG;
	(void)tok;
	portres_list_free(l);
	return ret;
}

TEST_F(lib_api, tokens_only_for_cap_net_admin)
{
	struct inet_port_reservation_instance inst;
	const struct portres_entry *e;
	struct portres_entry *l;
	int fd = xsock(AF_INET, IPPROTO_UDP);
	size_t n;

	ASSERT_OK(portres_acquire(fd, 28400, 3, &inst));
	ASSERT_OK(portres_list(&l, &n));
	e = find_entry(l, n, IPPROTO_UDP, 28402);
	ASSERT_TRUE(e && e->token_visible && e->token == inst.token.token)
		TH_LOG("root does not see the token");
	portres_list_free(l);
	ASSERT_OK(child_run(noadmin_list, NULL));
	close(fd);
}

TEST_HARNESS_MAIN
