// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading portres (delete_module, as rmmod does) with live reservations and
 * associated sockets succeeds and leaves the system as if the module had
 * never been there: ip_local_reserved_ports as it was (administrator's bits
 * kept), every socket working, the ioctls giving ENOTTY. Runs last: it
 * unloads the module, loads it again from $PORTRES_KO (default /portres.ko)
 * with the parameters it had, and leaves it loaded. The tests run in this
 * order and each one starts where the one before left the module.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "portres_test.h"

#define TCP_BLOCK	27000	/* 27000-27003, admin bit 27001 inside */
#define UDP_BLOCK	27006	/* 27006-27009, admin bit 27010 next to it */
#define ADMIN_FAR	27100
#define LONG_BLOCK	27020	/* 27020-27029, listed in a long write */

/*
 * init_net: unloading the module is global, and the reserved-ports bitmap
 * it must leave as it found it is init_net's (the administrator's).
 */
PORTRES_FIXTURE(unload, PORTRES_INIT_NET);

static void check_acquire_is_enotty(struct __test_metadata *_metadata)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);

	ASSERT_ERRNO(acquire(t, 27190, 1, NULL), -ENOTTY);
	ASSERT_ERRNO(acquire(u, 0, 1, NULL), -ENOTTY);
	ASSERT_ERRNO(associate(u, 1), -ENOTTY);
	ASSERT_ERRNO(release(t, 1), -ENOTTY);
	close(t);
	close(u);
}

TEST_F(unload, module_unloads_and_ioctls_give_enotty)
{
	struct portset before, after;

	ASSERT_TRUE(module_loaded()) TH_LOG("portres is not loaded at the start");
	xreserved_ports_read(&before);
	ASSERT_OK(unload_module());
	ASSERT_FALSE(module_loaded()) TH_LOG(MODULE_DIR " still there");
	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&before, &after, sizeof(before)))
		TH_LOG("ip_local_reserved_ports changed by an idle unload");
	check_acquire_is_enotty(_metadata);
}

TEST_F(unload, module_loads_again_and_works)
{
	int t = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_FALSE(module_loaded()) TH_LOG("portres unexpectedly loaded");
	ASSERT_OK(load_module(module_params_saved()));
	ASSERT_OK(acquire(t, 27190, 1, NULL));
	close(t);
}

/* Everything the module has a hand in, all live at once. */
struct live {
	int rt, ru;		/* acquiring sockets */
	int assoc;		/* associated, never bound */
	int lis;		/* associated, bound from the block, listening */
	int cli, srv;		/* associated client connected to lis */
	int udp;		/* associated, bound from the block */
	int lport, uport;
};

static void make_live_state(struct __test_metadata *_metadata,
			    struct live *s)
{
	uint64_t tt, tu;

	s->rt = xsock(AF_INET, IPPROTO_TCP);
	s->ru = xsock(AF_INET6, IPPROTO_UDP);
	tt = xacquire(s->rt, TCP_BLOCK, 4, NULL);
	tu = xacquire(s->ru, UDP_BLOCK, 4, NULL);
	xacquire(s->rt, 0, 3, NULL);
	xacquire(s->ru, 0, 2, NULL);
	s->assoc = xsock(AF_INET, IPPROTO_TCP);
	xassociate(s->assoc, tt);
	s->lis = xsock(AF_INET6, IPPROTO_TCP);
	xassociate(s->lis, tt);
	ASSERT_OK(bind_port(s->lis, 0));
	ASSERT_OK(listen(s->lis, 8) ? -errno : 0);
	s->lport = local_port(s->lis);
	ASSERT_TRUE(port_in(s->lport, TCP_BLOCK, 4))
		TH_LOG("listener on %d", s->lport);
	s->cli = xsock(AF_INET, IPPROTO_TCP);
	xassociate(s->cli, tt);
	ASSERT_OK(connect_port(s->cli, s->lport));
	s->srv = xaccept(s->lis);
	s->udp = xsock(AF_INET, IPPROTO_UDP);
	xassociate(s->udp, tu);
	ASSERT_OK(bind_port(s->udp, 0));
	s->uport = local_port(s->udp);
	ASSERT_TRUE(port_in(s->uport, UDP_BLOCK, 4))
		TH_LOG("UDP socket on %d", s->uport);
}

/* A port of [start, start + 4) that neither a nor b uses. */
static uint16_t free_port(uint16_t start, int a, int b)
{
	uint16_t p = start;

	while (p == a || p == b)
		p++;
	return p;
}

static void check_sockets_work_after_unload(struct __test_metadata *_metadata,
					    struct live *s)
{
	int c, a, snd, out_t, out_u, lo, hi, port;
	char buf[8];

	/* The listener still accepts. */
	c = xsock(AF_INET, IPPROTO_TCP);
	ASSERT_OK(connect_port(c, s->lport));
	a = xaccept(s->lis);
	close_rst(c);
	close(a);
	/* The connection made from the block still carries data. */
	ASSERT_EQ(4, send(s->cli, "ping", 4, 0))
		TH_LOG("send: %s", errname(errno));
	ASSERT_EQ(4, recv(s->srv, buf, sizeof(buf), 0))
		TH_LOG("recv: %s", errname(errno));
	/* The UDP socket still receives. */
	snd = xsock(AF_INET, IPPROTO_UDP);
	ASSERT_OK(sendto_port(snd, s->uport));
	ASSERT_EQ(1, recv(s->udp, buf, sizeof(buf), MSG_DONTWAIT))
		TH_LOG("UDP socket got nothing: %s", errname(errno));
	close(snd);
	/* The associated, unbound socket binds like any other socket. */
	ASSERT_OK(bind_port(s->assoc, 0));
	port = local_port(s->assoc);
	get_port_range(&lo, &hi);
	ASSERT_TRUE(port >= lo && port <= hi)
		TH_LOG("bind(0) gave %d, range %d-%d", port, lo, hi);
	/* The blocks' free ports are open to anyone. */
	out_t = xsock(AF_INET, IPPROTO_TCP);
	out_u = xsock(AF_INET6, IPPROTO_UDP);
	ASSERT_OK(bind_port(out_t, free_port(TCP_BLOCK, s->lport,
					     local_port(s->cli))));
	ASSERT_OK(bind_port(out_u, free_port(UDP_BLOCK, s->uport, -1)));
	close(out_t);
	close(out_u);
}

TEST_F(unload, unload_with_live_reservations_restores_everything)
{
	struct portset admin, snap, after;
	struct live s;

	ASSERT_TRUE(module_loaded()) TH_LOG("portres is not loaded");
	/* The administrator's own bits, set before any reservation. */
	xreserved_ports_read(&admin);
	portset_set(&admin, TCP_BLOCK + 1);
	portset_set(&admin, UDP_BLOCK + 4);
	portset_set(&admin, ADMIN_FAR);
	xreserved_ports_write(&admin);
	xreserved_ports_read(&snap);

	make_live_state(_metadata, &s);
	ASSERT_OK(unload_module());
	ASSERT_FALSE(module_loaded()) TH_LOG(MODULE_DIR " still there");

	xreserved_ports_read(&after);
	ASSERT_EQ(0, memcmp(&snap, &after, sizeof(snap)))
		TH_LOG("ip_local_reserved_ports differs from before the reservations");
	ASSERT_TRUE(portset_test(&after, TCP_BLOCK + 1) &&
		    portset_test(&after, UDP_BLOCK + 4) &&
		    portset_test(&after, ADMIN_FAR))
		TH_LOG("administrator's bits lost");
	check_sockets_work_after_unload(_metadata, &s);
	check_acquire_is_enotty(_metadata);
	/* The old acquiring sockets are plain sockets now. */
	ASSERT_ERRNO(acquire(s.rt, 27190, 1, NULL), -ENOTTY);
	close(s.rt);
	close(s.ru);
	close(s.assoc);
	close_rst(s.cli);
	close(s.srv);
	close(s.lis);
	close(s.udp);
}

/* 27500-27599 are left out of the administrator's list. */
static bool filler_skip(int port)
{
	return port >= 27500 && port < 27600;
}

/*
 * The administrator writes a list longer than a page while a reservation
 * lives: the kernel takes it in several write()s, at offset 0 and after.
 * Ports of the block listed in the first and in the last part stay set
 * after the unload; the rest of the block is clear.
 */
TEST_F(unload, unload_keeps_ports_of_a_long_write)
{
	char *text = malloc(8192);
	struct portset after;
	int p, t;
	size_t len;

	ASSERT_NE(NULL, text) TH_LOG("out of memory");
	if (!module_loaded())
		ASSERT_OK(load_module(module_params_saved()));
	t = xsock(AF_INET, IPPROTO_TCP);
	xacquire(t, LONG_BLOCK, 10, NULL);
	len = sprintf(text, "%d", LONG_BLOCK + 1);
	for (p = 27200; p < 28000; p++)
		if (!filler_skip(p))
			len += sprintf(text + len, ",%d", p);
	sprintf(text + len, ",%d", LONG_BLOCK + 5);
	ASSERT_LT(4096, strlen(text)) TH_LOG("list of %zu bytes", strlen(text));
	xsysctl_set(SYSCTL_RESERVED_PORTS, text);
	free(text);
	xreserved_ports_read(&after);
	for (p = LONG_BLOCK; p < LONG_BLOCK + 10; p++)
		ASSERT_TRUE(portset_test(&after, p))
			TH_LOG("port %d of the block clear", p);
	ASSERT_OK(unload_module());
	ASSERT_FALSE(module_loaded()) TH_LOG(MODULE_DIR " still there");
	xreserved_ports_read(&after);
	ASSERT_TRUE(portset_test(&after, LONG_BLOCK + 1))
		TH_LOG("first part's port lost");
	ASSERT_TRUE(portset_test(&after, LONG_BLOCK + 5))
		TH_LOG("last part's port lost");
	for (p = 27200; p < 28000; p++)
		ASSERT_TRUE(portset_test(&after, p) || filler_skip(p))
			TH_LOG("port %d lost", p);
	for (p = LONG_BLOCK; p < LONG_BLOCK + 10; p++)
		ASSERT_EQ(p == LONG_BLOCK + 1 || p == LONG_BLOCK + 5,
			  portset_test(&after, p))
			TH_LOG("port %d of the block %s", p,
			       portset_test(&after, p) ? "still set" : "lost");
	close(t);
}

TEST_F(unload, module_is_loaded_again_at_the_end)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int a = xsock(AF_INET6, IPPROTO_TCP);
	uint64_t tok;

	if (!module_loaded())
		ASSERT_OK(load_module(module_params_saved()));
	tok = xacquire(t, 27180, 2, NULL);
	xassociate(a, tok);
	ASSERT_OK(bind_port(a, 0));
	ASSERT_PORT_IN(a, 27180, 2);
	close(a);
	close(t);
}

TEST_HARNESS_MAIN
