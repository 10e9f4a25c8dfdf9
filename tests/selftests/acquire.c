// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_ACQUIRE_PORT_RESERVATION: argument checks, conflicts with reservations
 * and with bound ports (TIME_WAIT included), wildcard blocks inside
 * ip_local_port_range with a random start, ENOSPC, tokens.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "portres_test.h"

/* The tests that run for either protocol. */
PORTRES_FIXTURE(acquire_proto, PORTRES_NETNS);

PORTRES_PROTO_VARIANTS(acquire_proto);

TEST_F(acquire_proto, specific_grants_requested_block)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, variant->proto);

	ASSERT_OK(acquire(fd, 20000, 10, &inst));
	ASSERT_EQ(20000, ntohs(inst.reservation.start_port));
	ASSERT_EQ(10, inst.reservation.number_of_ports);
	ASSERT_NE(0, inst.token.token);
	close(fd);
}

TEST_F(acquire_proto, wildcard_block_is_inside_local_port_range)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, variant->proto);
	int i, start;

	xset_port_range(42000, 42049);
	for (i = 0; i < 20; i++) {
		ASSERT_OK(acquire(fd, 0, 8, &inst));
		start = ntohs(inst.reservation.start_port);
		ASSERT_EQ(8, inst.reservation.number_of_ports);
		ASSERT_TRUE(start >= 42000 && start + 7 <= 42049)
			TH_LOG("block %d-%d outside 42000-42049", start, start + 7);
		ASSERT_OK(release(fd, inst.token.token));
	}
	/* A block exactly as large as the range can only start at its low end. */
	ASSERT_OK(acquire(fd, 0, 50, &inst));
	ASSERT_EQ(42000, ntohs(inst.reservation.start_port));
	ASSERT_ERRNO(acquire(fd, 0, 1, NULL), -ENOSPC);
	ASSERT_OK(release(fd, inst.token.token));
	ASSERT_ERRNO(acquire(fd, 0, 51, NULL), -ENOSPC);
	close(fd);
}

PORTRES_FIXTURE(acquire, PORTRES_NETNS);

TEST_F(acquire, zero_ports_is_einval)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_ERRNO(acquire(fd, 20020, 0, NULL), -EINVAL);
	ASSERT_ERRNO(acquire(fd, 0, 0, NULL), -EINVAL);
	close(fd);
}

TEST_F(acquire, past_port_65535_is_einval)
{
	int fd = xsock(AF_INET, IPPROTO_UDP);

	ASSERT_ERRNO(acquire(fd, 65530, 7, NULL), -EINVAL);
	ASSERT_ERRNO(acquire(fd, 65535, 2, NULL), -EINVAL);
	ASSERT_ERRNO(acquire(fd, 2, 65535, NULL), -EINVAL);
	/* The last valid block ends exactly at 65535. */
	ASSERT_OK(acquire(fd, 65530, 6, NULL));
	close(fd);
}

TEST_F(acquire, nonzero_pad_is_einval)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_TCP);

	memset(&inst, 0, sizeof(inst));
	inst.reservation.start_port = htons(20030);
	inst.reservation.number_of_ports = 1;
	inst.pad = 1;
	ASSERT_ERRNO(ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &inst) ? -errno : 0,
		     -EINVAL);
	/* Same request with pad 0 is fine: the pad was the only fault. */
	inst.pad = 0;
	ASSERT_OK(ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &inst) ? -errno : 0);
	close(fd);
}

static int acquire_overlap_in_child(void *arg)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);

	(void)arg;
	return acquire(fd, 20104, 1, NULL);
}

TEST_F(acquire, overlapping_reservation_is_eaddrinuse)
{
	int a = xsock(AF_INET, IPPROTO_TCP);
	int b = xsock(AF_INET6, IPPROTO_TCP);

	xacquire(a, 20100, 10, NULL);		/* 20100-20109 */
	ASSERT_ERRNO(acquire(a, 20100, 10, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(a, 20105, 10, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(b, 20095, 6, NULL), -EADDRINUSE);	/* ends at 20100 */
	ASSERT_ERRNO(acquire(b, 20109, 1, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(b, 20090, 30, NULL), -EADDRINUSE);	/* covers it */
	ASSERT_ERRNO(child_run(acquire_overlap_in_child, NULL), -EADDRINUSE);
	/* Blocks that only touch it are free. */
	ASSERT_OK(acquire(b, 20095, 5, NULL));
	ASSERT_OK(acquire(b, 20110, 5, NULL));
	close(a);
	close(b);
}

TEST_F(acquire, tcp_and_udp_blocks_are_independent)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	ASSERT_OK(acquire(t, 20200, 5, NULL));
	ASSERT_OK(acquire(u, 20200, 5, NULL));
	close(t);
	close(u);
}

TEST_F(acquire, over_listening_port_is_eaddrinuse)
{
	int l4 = xlistener(AF_INET, 20302);
	int l6 = xlistener(AF_INET6, 20312);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_ERRNO(acquire(fd, 20300, 5, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(fd, 20312, 1, NULL), -EADDRINUSE);
	/* Neighbours of the bound ports are free. */
	ASSERT_OK(acquire(fd, 20303, 9, NULL));
	close(l4);
	close(l6);
	close(fd);
}

TEST_F(acquire, over_plain_bound_port_is_eaddrinuse)
{
	int b = xsock(AF_INET, IPPROTO_TCP);
	int a = xsock(AF_INET6, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_OK(bind_port(b, 20330));		/* bound, never listening */
	ASSERT_OK(bind_addr(a, "::1", 20332));	/* bound to one address */
	ASSERT_ERRNO(acquire(fd, 20330, 1, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(fd, 20331, 2, NULL), -EADDRINUSE);
	close(a);
	close(b);
	close(fd);
}

TEST_F(acquire, over_connected_port_is_eaddrinuse)
{
	int l = xlistener(AF_INET, 20340);
	int c = xsock(AF_INET, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);
	int s;

	ASSERT_OK(bind_port(c, 20341));
	ASSERT_OK(connect_port(c, 20340));
	s = xaccept(l);
	close(l);		/* only the connection holds the ports now */
	ASSERT_ERRNO(acquire(fd, 20341, 1, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(fd, 20340, 1, NULL), -EADDRINUSE);
	close_rst(c);
	close(s);
	close(fd);
}

TEST_F(acquire, over_udp_bound_port_is_eaddrinuse)
{
	int u = xsock(AF_INET6, IPPROTO_UDP);
	int fu = xsock(AF_INET, IPPROTO_UDP);
	int ft = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_OK(bind_port(u, 20320));
	ASSERT_ERRNO(acquire(fu, 20318, 5, NULL), -EADDRINUSE);
	/* The UDP socket does not hold the TCP port. */
	ASSERT_OK(acquire(ft, 20318, 5, NULL));
	close(u);
	close(fu);
	close(ft);
}

TEST_F(acquire, over_time_wait_port_is_eaddrinuse)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_EQ(0, make_time_wait(20400, 20401));
	ASSERT_ERRNO(acquire(fd, 20401, 1, NULL), -EADDRINUSE);
	ASSERT_ERRNO(acquire(fd, 20398, 10, NULL), -EADDRINUSE);
	ASSERT_OK(acquire(fd, 20402, 5, NULL));
	close(fd);
}

TEST_F(acquire, wildcard_only_uses_consecutive_free_ports)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_UDP);

	xset_port_range(42100, 42109);
	xacquire(fd, 42105, 1, NULL);	/* splits the range: 5 + 4 free */
	ASSERT_ERRNO(acquire(fd, 0, 6, NULL), -ENOSPC);
	ASSERT_OK(acquire(fd, 0, 5, &inst));
	ASSERT_EQ(42100, ntohs(inst.reservation.start_port));
	ASSERT_OK(acquire(fd, 0, 4, &inst));
	ASSERT_EQ(42106, ntohs(inst.reservation.start_port));
	ASSERT_ERRNO(acquire(fd, 0, 1, NULL), -ENOSPC);
	close(fd);
}

TEST_F(acquire, wildcard_skips_bound_ports)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_TCP);
	int b[5], i;

	xset_port_range(42200, 42209);
	for (i = 0; i < 5; i++) {
		b[i] = xsock(i & 1 ? AF_INET6 : AF_INET, IPPROTO_TCP);
		ASSERT_OK(bind_port(b[i], 42200 + 2 * i));	/* even ports */
	}
	/* No two free ports are adjacent. */
	ASSERT_ERRNO(acquire(fd, 0, 2, NULL), -ENOSPC);
	for (i = 0; i < 5; i++) {
		ASSERT_OK(acquire(fd, 0, 1, &inst));
		ASSERT_EQ(1, ntohs(inst.reservation.start_port) % 2)
			TH_LOG("got bound port %u",
			       ntohs(inst.reservation.start_port));
	}
	ASSERT_ERRNO(acquire(fd, 0, 1, NULL), -ENOSPC);
	for (i = 0; i < 5; i++)
		close(b[i]);
	close(fd);
}

TEST_F(acquire, wildcard_start_is_randomized)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_TCP);
	int start[10], i, same = 1, stride = 1;

	/* Released every time: a deterministic allocator would repeat. */
	for (i = 0; i < 10; i++) {
		ASSERT_OK(acquire(fd, 0, 4, &inst));
		start[i] = ntohs(inst.reservation.start_port);
		ASSERT_OK(release(fd, inst.token.token));
	}
	for (i = 1; i < 10; i++) {
		same &= start[i] == start[0];
		stride &= start[i] - start[i - 1] == start[1] - start[0];
	}
	ASSERT_FALSE(same)
		TH_LOG("all 10 wildcard blocks started at %d", start[0]);
	ASSERT_FALSE(stride)
		TH_LOG("wildcard starts advance by a fixed step %d from %d",
		       start[1] - start[0], start[0]);
	close(fd);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F(acquire, tokens_are_nonzero_and_unique)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	static uint64_t tok[1000];
	int i;

	for (i = 0; i < 1000; i++) {
		tok[i] = xacquire(i & 1 ? u : t, 0, 1, NULL);
		ASSERT_NE(0, tok[i]) TH_LOG("token %d is 0", i);
	}
	qsort(tok, 1000, sizeof(tok[0]), cmp_u64);
	for (i = 1; i < 1000; i++) {
		unsigned long long cur = tok[i];

		ASSERT_NE(tok[i - 1], cur) TH_LOG("token %#llx given twice", cur);
	}
	/* 64 random bits: the high half is not always zero. */
	ASSERT_NE(0, tok[999] >> 32) TH_LOG("all tokens below 2^32");
	close(t);
	close(u);
}

TEST_HARNESS_MAIN
