// SPDX-License-Identifier: GPL-2.0
/*
 * SIO_ACQUIRE_PORT_RESERVATION: argument checks, conflicts with reservations
 * and with bound ports (TIME_WAIT included), wildcard blocks inside
 * ip_local_port_range with a random start, ENOSPC, tokens.
 *
 * Ports used: 20000-20999 (specific blocks), 42000-42299 (port-range windows).
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "portres_util.h"


static int check_specific_grant(int proto)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, proto);

	CHECK_OK(acquire(fd, 20000, 10, &inst));
	CHECK(ntohs(inst.reservation.start_port) == 20000, "granted start %u",
	      ntohs(inst.reservation.start_port));
	CHECK(inst.reservation.number_of_ports == 10, "granted %u ports",
	      inst.reservation.number_of_ports);
	CHECK(inst.token.token != 0, "token is 0");
	close(fd);
	return 0;
}

static int acquire_specific_grants_requested_block(void)
{
	CHECK_PASS(check_specific_grant(IPPROTO_TCP));
	CHECK_PASS(check_specific_grant(IPPROTO_UDP));
	return 0;
}

static int acquire_zero_ports_is_einval(void)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);

	CHECK_ERR(acquire(fd, 20020, 0, NULL), -EINVAL);
	CHECK_ERR(acquire(fd, 0, 0, NULL), -EINVAL);
	close(fd);
	return 0;
}

static int acquire_past_port_65535_is_einval(void)
{
	int fd = xsock(AF_INET, IPPROTO_UDP);

	CHECK_ERR(acquire(fd, 65530, 7, NULL), -EINVAL);
	CHECK_ERR(acquire(fd, 65535, 2, NULL), -EINVAL);
	CHECK_ERR(acquire(fd, 2, 65535, NULL), -EINVAL);
	/* The last valid block ends exactly at 65535. */
	CHECK_OK(acquire(fd, 65530, 6, NULL));
	close(fd);
	return 0;
}

static int acquire_nonzero_pad_is_einval(void)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_TCP);

	memset(&inst, 0, sizeof(inst));
	inst.reservation.start_port = htons(20030);
	inst.reservation.number_of_ports = 1;
	inst.pad = 1;
	CHECK_ERR(ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &inst) ? -errno : 0,
		  -EINVAL);
	/* Same request with pad 0 is fine: the pad was the only fault. */
	inst.pad = 0;
	CHECK_OK(ioctl(fd, SIO_ACQUIRE_PORT_RESERVATION, &inst) ? -errno : 0);
	close(fd);
	return 0;
}

static int acquire_overlap_in_child(void *arg)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);

	(void)arg;
	return acquire(fd, 20104, 1, NULL);
}

static int acquire_overlapping_reservation_is_eaddrinuse(void)
{
	int a = xsock(AF_INET, IPPROTO_TCP);
	int b = xsock(AF_INET6, IPPROTO_TCP);

	xacquire(a, 20100, 10, NULL);		/* 20100-20109 */
	CHECK_ERR(acquire(a, 20100, 10, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(a, 20105, 10, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(b, 20095, 6, NULL), -EADDRINUSE);	/* ends at 20100 */
	CHECK_ERR(acquire(b, 20109, 1, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(b, 20090, 30, NULL), -EADDRINUSE);	/* covers it */
	CHECK_ERR(child_run(acquire_overlap_in_child, NULL), -EADDRINUSE);
	/* Blocks that only touch it are free. */
	CHECK_OK(acquire(b, 20095, 5, NULL));
	CHECK_OK(acquire(b, 20110, 5, NULL));
	close(a);
	close(b);
	return 0;
}

static int acquire_tcp_and_udp_blocks_are_independent(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET, IPPROTO_UDP);

	CHECK_OK(acquire(t, 20200, 5, NULL));
	CHECK_OK(acquire(u, 20200, 5, NULL));
	close(t);
	close(u);
	return 0;
}

static int acquire_over_listening_port_is_eaddrinuse(void)
{
	int l4 = xlistener(AF_INET, 20302);
	int l6 = xlistener(AF_INET6, 20312);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	CHECK_ERR(acquire(fd, 20300, 5, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(fd, 20312, 1, NULL), -EADDRINUSE);
	/* Neighbours of the bound ports are free. */
	CHECK_OK(acquire(fd, 20303, 9, NULL));
	close(l4);
	close(l6);
	close(fd);
	return 0;
}

static int acquire_over_plain_bound_port_is_eaddrinuse(void)
{
	int b = xsock(AF_INET, IPPROTO_TCP);
	int a = xsock(AF_INET6, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);

	CHECK_OK(bind_port(b, 20330));		/* bound, never listening */
	CHECK_OK(bind_addr(a, "::1", 20332));	/* bound to one address */
	CHECK_ERR(acquire(fd, 20330, 1, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(fd, 20331, 2, NULL), -EADDRINUSE);
	close(a);
	close(b);
	close(fd);
	return 0;
}

static int acquire_over_connected_port_is_eaddrinuse(void)
{
	int l = xlistener(AF_INET, 20340);
	int c = xsock(AF_INET, IPPROTO_TCP);
	int fd = xsock(AF_INET, IPPROTO_TCP);
	int s;

	CHECK_OK(bind_port(c, 20341));
	CHECK_OK(connect_port(c, 20340));
	s = xaccept(l);
	close(l);		/* only the connection holds the ports now */
	CHECK_ERR(acquire(fd, 20341, 1, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(fd, 20340, 1, NULL), -EADDRINUSE);
	close_rst(c);
	close(s);
	close(fd);
	return 0;
}

static int acquire_over_udp_bound_port_is_eaddrinuse(void)
{
	int u = xsock(AF_INET6, IPPROTO_UDP);
	int fu = xsock(AF_INET, IPPROTO_UDP);
	int ft = xsock(AF_INET, IPPROTO_TCP);

	CHECK_OK(bind_port(u, 20320));
	CHECK_ERR(acquire(fu, 20318, 5, NULL), -EADDRINUSE);
	/* The UDP socket does not hold the TCP port. */
	CHECK_OK(acquire(ft, 20318, 5, NULL));
	close(u);
	close(fu);
	close(ft);
	return 0;
}

static int acquire_over_time_wait_port_is_eaddrinuse(void)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);

	CHECK_PASS(make_time_wait(20400, 20401));
	CHECK_ERR(acquire(fd, 20401, 1, NULL), -EADDRINUSE);
	CHECK_ERR(acquire(fd, 20398, 10, NULL), -EADDRINUSE);
	CHECK_OK(acquire(fd, 20402, 5, NULL));
	close(fd);
	return 0;
}

static int check_wildcard_inside_range(int proto)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, proto);
	int i, start;

	for (i = 0; i < 20; i++) {
		CHECK_OK(acquire(fd, 0, 8, &inst));
		start = ntohs(inst.reservation.start_port);
		CHECK(inst.reservation.number_of_ports == 8, "%u ports",
		      inst.reservation.number_of_ports);
		CHECK(start >= 42000 && start + 7 <= 42049,
		      "block %d-%d outside 42000-42049", start, start + 7);
		CHECK_OK(release(fd, inst.token.token));
	}
	/* A block exactly as large as the range can only start at its low end. */
	CHECK_OK(acquire(fd, 0, 50, &inst));
	CHECK(ntohs(inst.reservation.start_port) == 42000, "start %u",
	      ntohs(inst.reservation.start_port));
	CHECK_ERR(acquire(fd, 0, 1, NULL), -ENOSPC);
	CHECK_OK(release(fd, inst.token.token));
	CHECK_ERR(acquire(fd, 0, 51, NULL), -ENOSPC);
	close(fd);
	return 0;
}

static int wildcard_block_is_inside_local_port_range(void)
{
	xset_port_range(42000, 42049);
	CHECK_PASS(check_wildcard_inside_range(IPPROTO_TCP));
	CHECK_PASS(check_wildcard_inside_range(IPPROTO_UDP));
	return 0;
}

static int wildcard_only_uses_consecutive_free_ports(void)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_UDP);

	xset_port_range(42100, 42109);
	xacquire(fd, 42105, 1, NULL);	/* splits the range: 5 + 4 free */
	CHECK_ERR(acquire(fd, 0, 6, NULL), -ENOSPC);
	CHECK_OK(acquire(fd, 0, 5, &inst));
	CHECK(ntohs(inst.reservation.start_port) == 42100, "start %u",
	      ntohs(inst.reservation.start_port));
	CHECK_OK(acquire(fd, 0, 4, &inst));
	CHECK(ntohs(inst.reservation.start_port) == 42106, "start %u",
	      ntohs(inst.reservation.start_port));
	CHECK_ERR(acquire(fd, 0, 1, NULL), -ENOSPC);
	close(fd);
	return 0;
}

static int wildcard_skips_bound_ports(void)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_TCP);
	int b[5], i;

	xset_port_range(42200, 42209);
	for (i = 0; i < 5; i++) {
		b[i] = xsock(i & 1 ? AF_INET6 : AF_INET, IPPROTO_TCP);
		CHECK_OK(bind_port(b[i], 42200 + 2 * i));	/* even ports */
	}
	/* No two free ports are adjacent. */
	CHECK_ERR(acquire(fd, 0, 2, NULL), -ENOSPC);
	for (i = 0; i < 5; i++) {
		CHECK_OK(acquire(fd, 0, 1, &inst));
		CHECK(ntohs(inst.reservation.start_port) % 2 == 1,
		      "got bound port %u", ntohs(inst.reservation.start_port));
	}
	CHECK_ERR(acquire(fd, 0, 1, NULL), -ENOSPC);
	for (i = 0; i < 5; i++)
		close(b[i]);
	close(fd);
	return 0;
}

static int wildcard_start_is_randomized(void)
{
	struct inet_port_reservation_instance inst;
	int fd = xsock(AF_INET, IPPROTO_TCP);
	int start[10], i, same = 1, stride = 1;

	/* Released every time: a deterministic allocator would repeat. */
	for (i = 0; i < 10; i++) {
		CHECK_OK(acquire(fd, 0, 4, &inst));
		start[i] = ntohs(inst.reservation.start_port);
		CHECK_OK(release(fd, inst.token.token));
	}
	for (i = 1; i < 10; i++) {
		same &= start[i] == start[0];
		stride &= start[i] - start[i - 1] == start[1] - start[0];
	}
	CHECK(!same, "all 10 wildcard blocks started at %d", start[0]);
	CHECK(!stride, "wildcard starts advance by a fixed step %d from %d",
	      start[1] - start[0], start[0]);
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int tokens_are_nonzero_and_unique(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);
	static uint64_t tok[1000];
	int i;

	for (i = 0; i < 1000; i++) {
		tok[i] = xacquire(i & 1 ? u : t, 0, 1, NULL);
		CHECK(tok[i] != 0, "token %d is 0", i);
	}
	qsort(tok, 1000, sizeof(tok[0]), cmp_u64);
	for (i = 1; i < 1000; i++)
		CHECK(tok[i] != tok[i - 1], "token %#llx given twice",
		      (unsigned long long)tok[i]);
	/* 64 random bits: the high half is not always zero. */
	CHECK(tok[999] >> 32, "all tokens below 2^32");
	close(t);
	close(u);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(acquire_specific_grants_requested_block),
	TAP_TEST(acquire_zero_ports_is_einval),
	TAP_TEST(acquire_past_port_65535_is_einval),
	TAP_TEST(acquire_nonzero_pad_is_einval),
	TAP_TEST(acquire_overlapping_reservation_is_eaddrinuse),
	TAP_TEST(acquire_tcp_and_udp_blocks_are_independent),
	TAP_TEST(acquire_over_listening_port_is_eaddrinuse),
	TAP_TEST(acquire_over_plain_bound_port_is_eaddrinuse),
	TAP_TEST(acquire_over_connected_port_is_eaddrinuse),
	TAP_TEST(acquire_over_udp_bound_port_is_eaddrinuse),
	TAP_TEST(acquire_over_time_wait_port_is_eaddrinuse),
	TAP_TEST(wildcard_block_is_inside_local_port_range),
	TAP_TEST(wildcard_only_uses_consecutive_free_ports),
	TAP_TEST(wildcard_skips_bound_ports),
	TAP_TEST(wildcard_start_is_randomized),
	TAP_TEST(tokens_are_nonzero_and_unique),
};

int main(void)
{
	return run_tests(tests, ARRAY_SIZE(tests));
}
