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

#include "libportres_util.h"

#define MSG_HAS(err, part)						\
	CHECK(strstr(portres_strerror(err), part),			\
	      "message '%s' lacks '%s'", portres_strerror(err), part)

static int acquire_associate_bind_release(void)
{
	struct inet_port_reservation_instance inst;
	const struct portres_entry *e;
	struct portres_entry *l;
	int fd = xsock(AF_INET, IPPROTO_TCP), s = xsock(AF_INET6, IPPROTO_TCP);
	int port, ret;
	size_t n;

	CHECK_OK(portres_acquire(fd, 28000, 10, &inst));
	CHECK(ntohs(inst.reservation.start_port) == 28000 &&
	      inst.reservation.number_of_ports == 10 && inst.token.token,
	      "granted %u+%u token %llx", ntohs(inst.reservation.start_port),
	      inst.reservation.number_of_ports,
	      (unsigned long long)inst.token.token);
	CHECK_OK(portres_associate(s, inst.token.token));
	CHECK_OK(bind_port(s, 0));
	port = local_port(s);
	CHECK(port_in(port, 28000, 10), "bound to %d", port);

	CHECK_OK(portres_list(&l, &n));
	e = find_entry(l, n, IPPROTO_TCP, 28000);
	CHECK(e && !e->persistent && e->first == 28000 && e->last == 28009 &&
	      e->count == 10 && e->in_use == 1 && e->uid == 0 &&
	      e->pid == getpid() && !strcmp(e->comm, "lib_api") &&
	      e->token_visible && e->token == inst.token.token &&
	      e->allowed_uid == PORTRES_ANY_ID, "listing entry wrong");
	CHECK(!find_entry(l, n, IPPROTO_UDP, 28000), "udp entry for tcp block");
	portres_list_free(l);

	CHECK_OK(portres_release(fd, inst.token.token));
	ret = portres_release(fd, inst.token.token);
	CHECK_ERR(ret, -ENOENT);
	MSG_HAS(ret, "no reservation with that token");
	CHECK_OK(portres_list(&l, &n));
	CHECK(!find_entry(l, n, IPPROTO_TCP, 28000), "released block listed");
	portres_list_free(l);
	close(s);
	close(fd);
	return 0;
}

static int nobody_privileged(void *arg)
{
	int fd, ret;

	(void)arg;
	drop_to_uid(NOBODY_UID);
	fd = xsock(AF_INET, IPPROTO_UDP);
	ret = portres_acquire(fd, 1000, 1, NULL);
	if (ret == -EACCES && !strstr(portres_strerror(ret), "privileged port")) {
		tap_diag("message '%s'", portres_strerror(ret));
		return -EBADMSG;
	}
	return ret;
}

static int acquire_errors_have_sentences(void)
{
	int a = xsock(AF_INET, IPPROTO_TCP), b = xsock(AF_INET6, IPPROTO_TCP);
	int ret;

	CHECK_OK(portres_acquire(a, 28100, 5, NULL));
	ret = portres_acquire(b, 28102, 2, NULL);
	CHECK_ERR(ret, -EADDRINUSE);
	MSG_HAS(ret, "already reserved or bound");
	ret = portres_acquire(b, 28110, 0, NULL);
	CHECK_ERR(ret, -EINVAL);
	MSG_HAS(ret, "invalid block");
	ret = portres_acquire(b, 65535, 2, NULL);
	CHECK_ERR(ret, -EINVAL);
	CHECK_ERR(child_run(nobody_privileged, NULL), -EACCES);
	close(a);
	close(b);
	return 0;
}

static int other_process_associate(void *tok)
{
	int fd = xsock(AF_INET, IPPROTO_TCP), ret;

	ret = portres_associate(fd, *(uint64_t *)tok);
	if (ret == -EPERM && !strstr(portres_strerror(ret), "another process"))
		return -EBADMSG;
	return ret;
}

static int associate_errors_have_sentences(void)
{
	int a = xsock(AF_INET, IPPROTO_TCP), b = xsock(AF_INET, IPPROTO_TCP);
	struct inet_port_reservation_instance inst;
	uint64_t tok;
	int ret;

	CHECK_OK(portres_acquire(a, 28150, 4, &inst));
	tok = inst.token.token;
	ret = portres_associate(b, tok ^ 1);
	CHECK_ERR(ret, -ENOENT);
	MSG_HAS(ret, "no reservation with that token");
	CHECK_OK(bind_port(b, 28200));
	ret = portres_associate(b, tok);
	CHECK_ERR(ret, -EINVAL);
	MSG_HAS(ret, "already bound or associated");
	CHECK_ERR(child_run(other_process_associate, &tok), -EPERM);
	close(a);
	close(b);
	return 0;
}

static int persistent_create_lookup_delete(void)
{
	struct portres_persistent p, q;
	const struct portres_entry *e;
	struct portres_entry *l;
	int ctl = portres_open(), ret;
	size_t n;

	persistent_cleanup_at_exit(28000, 28499);
	CHECK(ctl >= 0, "portres_open: %s", portres_strerror(ctl));
	portres_persistent_init(&p, IPPROTO_UDP, 28250, 4);
	p.allowed_uid = NOBODY_UID;
	CHECK_OK(portres_persistent_create(ctl, &p));
	CHECK(p.token, "token 0");

	portres_persistent_init(&q, IPPROTO_UDP, 28250, 4);
	CHECK_OK(portres_persistent_lookup(-1, &q));
	CHECK(q.token == p.token && q.allowed_uid == NOBODY_UID &&
	      q.allowed_gid == PORTRES_ANY_ID, "lookup: %llx uid %u gid %u",
	      (unsigned long long)q.token, q.allowed_uid, q.allowed_gid);

	CHECK_OK(portres_list(&l, &n));
	e = find_entry(l, n, IPPROTO_UDP, 28253);
	CHECK(e && e->persistent && e->first == 28250 && e->count == 4 &&
	      e->pid == PORTRES_NO_PID && !e->comm[0] && e->uid == 0 &&
	      e->allowed_uid == NOBODY_UID && e->allowed_gid == PORTRES_ANY_ID &&
	      e->token == p.token, "listing entry wrong");
	portres_list_free(l);

	portres_persistent_init(&q, IPPROTO_UDP, 28252, 10);
	ret = portres_persistent_create(ctl, &q);
	CHECK_ERR(ret, -EADDRINUSE);
	MSG_HAS(ret, "overlaps a reservation or a bound port");

	portres_persistent_init(&q, IPPROTO_TCP, 28250, 4);
	q.flags = PORTRES_F_GIVEN_TOKEN;
	q.token = p.token;
	ret = portres_persistent_create(ctl, &q);
	CHECK_ERR(ret, -EEXIST);
	MSG_HAS(ret, "token is already in use");

	portres_persistent_init(&q, IPPROTO_UDP, 28250, 3);	/* not exact */
	ret = portres_persistent_delete(ctl, &q);
	CHECK_ERR(ret, -ENOENT);
	MSG_HAS(ret, "no persistent reservation of exactly that");
	CHECK_OK(portres_persistent_delete(ctl, &p));
	ret = portres_persistent_lookup(ctl, &p);
	CHECK_ERR(ret, -ENOENT);
	MSG_HAS(ret, "no persistent reservation");
	close(ctl);
	return 0;
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

	root_dir_traversable();
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

static int persistent_given_token_and_ids(void)
{
	struct portres_persistent p;
	struct nobody_op op = { 28300, 2, true, 0 };

	persistent_cleanup_at_exit(28000, 28499);
	portres_persistent_init(&p, IPPROTO_TCP, 28300, 2);
	p.flags = PORTRES_F_GIVEN_TOKEN;
	p.token = 0x1122334455667788ULL;
	p.allowed_uid = 0;
	p.allowed_gid = 0;
	CHECK_OK(portres_persistent_create(-1, &p));
	CHECK(p.token == 0x1122334455667788ULL, "token %llx",
	      (unsigned long long)p.token);
	CHECK_ERR(child_run(nobody_persistent, &op), -EPERM);	/* create */
	op.create = false;
	CHECK_ERR(child_run(nobody_persistent, &op), -EPERM);	/* lookup */

	portres_persistent_init(&p, IPPROTO_TCP, 28310, 1);	/* anyone */
	CHECK_OK(portres_persistent_create(-1, &p));
	op.first = 28310;
	op.n = 1;
	op.want_token = p.token;
	CHECK_OK(child_run(nobody_persistent, &op));
	return 0;
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

static int tokens_only_for_cap_net_admin(void)
{
	struct inet_port_reservation_instance inst;
	const struct portres_entry *e;
	struct portres_entry *l;
	int fd = xsock(AF_INET, IPPROTO_UDP);
	size_t n;

	CHECK_OK(portres_acquire(fd, 28400, 3, &inst));
	CHECK_OK(portres_list(&l, &n));
	e = find_entry(l, n, IPPROTO_UDP, 28402);
	CHECK(e && e->token_visible && e->token == inst.token.token,
	      "root does not see the token");
	portres_list_free(l);
	CHECK_OK(child_run(noadmin_list, NULL));
	close(fd);
	return 0;
}

int main(void)
{
	static const struct tap_test tests[] = {
		TAP_TEST(acquire_associate_bind_release),
		TAP_TEST(acquire_errors_have_sentences),
		TAP_TEST(associate_errors_have_sentences),
		TAP_TEST(persistent_create_lookup_delete),
		TAP_TEST(persistent_given_token_and_ids),
		TAP_TEST(tokens_only_for_cap_net_admin),
	};

	return run_tests(tests, ARRAY_SIZE(tests));
}
