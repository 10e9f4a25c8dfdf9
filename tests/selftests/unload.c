// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading portres (delete_module, as rmmod does) with live reservations and
 * associated sockets succeeds and leaves the system as if the module had
 * never been there: ip_local_reserved_ports as it was (administrator's bits
 * kept), every socket working, the ioctls giving ENOTTY. Runs last: it
 * unloads the module, loads it again from $PORTRES_KO (default /portres.ko)
 * with the parameters it had, and leaves it loaded.
 *
 * Ports used: 27000-27499, 27600-27999.
 */
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "portres_util.h"

#define MODULE_DIR	"/sys/module/portres"
#define TCP_BLOCK	27000	/* 27000-27003, admin bit 27001 inside */
#define UDP_BLOCK	27006	/* 27006-27009, admin bit 27010 next to it */
#define ADMIN_FAR	27100
#define LONG_BLOCK	27020	/* 27020-27029, listed in a long write */

/* "name=value ..." of the module as the harness loaded it. */
static char module_params[1024];

static bool module_loaded(void)
{
	struct stat st;

	return stat(MODULE_DIR, &st) == 0;
}

static void read_module_params(void)
{
	DIR *d = opendir(MODULE_DIR "/parameters");
	struct dirent *e;
	size_t len = 0;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512], val[256];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), MODULE_DIR "/parameters/%s",
			 e->d_name);
		if (file_read(path, val, sizeof(val)))
			continue;
		len += snprintf(module_params + len, sizeof(module_params) - len,
				"%s%s=%s", len ? " " : "", e->d_name, val);
		if (len >= sizeof(module_params))
			die("module parameters too long");
	}
	closedir(d);
}

static int unload_module(void)
{
	return syscall(SYS_delete_module, "portres", O_NONBLOCK) ? -errno : 0;
}

static int load_module(void)
{
	const char *ko = getenv("PORTRES_KO") ?: "/portres.ko";
	int fd = open(ko, O_RDONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, module_params, 0))
		err = -errno;
	close(fd);
	return err;
}

static int acquire_is_enotty(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int u = xsock(AF_INET6, IPPROTO_UDP);

	CHECK_ERR(acquire(t, 27190, 1, NULL), -ENOTTY);
	CHECK_ERR(acquire(u, 0, 1, NULL), -ENOTTY);
	CHECK_ERR(associate(u, 1), -ENOTTY);
	CHECK_ERR(release(t, 1), -ENOTTY);
	close(t);
	close(u);
	return 0;
}

static int module_unloads_and_ioctls_give_enotty(void)
{
	struct portset before, after;

	CHECK(module_loaded(), "portres is not loaded at the start");
	xreserved_ports_read(&before);
	CHECK_OK(unload_module());
	CHECK(!module_loaded(), MODULE_DIR " still there");
	xreserved_ports_read(&after);
	CHECK(!memcmp(&before, &after, sizeof(before)),
	      "ip_local_reserved_ports changed by an idle unload");
	CHECK_PASS(acquire_is_enotty());
	return 0;
}

static int module_loads_again_and_works(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);

	CHECK(!module_loaded(), "portres unexpectedly loaded");
	CHECK_OK(load_module());
	CHECK_OK(acquire(t, 27190, 1, NULL));
	close(t);
	return 0;
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

static int make_live_state(struct live *s)
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
	CHECK_OK(bind_port(s->lis, 0));
	CHECK_OK(listen(s->lis, 8) ? -errno : 0);
	s->lport = local_port(s->lis);
	CHECK(port_in(s->lport, TCP_BLOCK, 4), "listener on %d", s->lport);
	s->cli = xsock(AF_INET, IPPROTO_TCP);
	xassociate(s->cli, tt);
	CHECK_OK(connect_port(s->cli, s->lport));
	s->srv = xaccept(s->lis);
	s->udp = xsock(AF_INET, IPPROTO_UDP);
	xassociate(s->udp, tu);
	CHECK_OK(bind_port(s->udp, 0));
	s->uport = local_port(s->udp);
	CHECK(port_in(s->uport, UDP_BLOCK, 4), "UDP socket on %d", s->uport);
	return 0;
}

/* A port of [start, start + 4) that neither a nor b uses. */
static uint16_t free_port(uint16_t start, int a, int b)
{
	uint16_t p = start;

	while (p == a || p == b)
		p++;
	return p;
}

static int sockets_work_after_unload(struct live *s)
{
	int c, a, snd, out_t, out_u, lo, hi, port;
	char buf[8];

	/* The listener still accepts. */
	c = xsock(AF_INET, IPPROTO_TCP);
	CHECK_OK(connect_port(c, s->lport));
	a = xaccept(s->lis);
	close_rst(c);
	close(a);
	/* The connection made from the block still carries data. */
	CHECK(send(s->cli, "ping", 4, 0) == 4, "send: %s", strerror(errno));
	CHECK(recv(s->srv, buf, sizeof(buf), 0) == 4, "recv: %s",
	      strerror(errno));
	/* The UDP socket still receives. */
	snd = xsock(AF_INET, IPPROTO_UDP);
	CHECK_OK(sendto_port(snd, s->uport));
	CHECK(recv(s->udp, buf, sizeof(buf), MSG_DONTWAIT) == 1,
	      "UDP socket got nothing: %s", strerror(errno));
	close(snd);
	/* The associated, unbound socket binds like any other socket. */
	CHECK_OK(bind_port(s->assoc, 0));
	port = local_port(s->assoc);
	get_port_range(&lo, &hi);
	CHECK(port >= lo && port <= hi, "bind(0) gave %d, range %d-%d", port,
	      lo, hi);
	/* The blocks' free ports are open to anyone. */
	out_t = xsock(AF_INET, IPPROTO_TCP);
	out_u = xsock(AF_INET6, IPPROTO_UDP);
	CHECK_OK(bind_port(out_t, free_port(TCP_BLOCK, s->lport,
				    local_port(s->cli))));
	CHECK_OK(bind_port(out_u, free_port(UDP_BLOCK, s->uport, -1)));
	close(out_t);
	close(out_u);
	return 0;
}

static int unload_with_live_reservations_restores_everything(void)
{
	struct portset admin, snap, after;
	struct live s;

	CHECK(module_loaded(), "portres is not loaded");
	/* The administrator's own bits, set before any reservation. */
	xreserved_ports_read(&admin);
	portset_set(&admin, TCP_BLOCK + 1);
	portset_set(&admin, UDP_BLOCK + 4);
	portset_set(&admin, ADMIN_FAR);
	xreserved_ports_write(&admin);
	xreserved_ports_read(&snap);

	CHECK_PASS(make_live_state(&s));
	CHECK_OK(unload_module());
	CHECK(!module_loaded(), MODULE_DIR " still there");

	xreserved_ports_read(&after);
	CHECK(!memcmp(&snap, &after, sizeof(snap)),
	      "ip_local_reserved_ports differs from before the reservations");
	CHECK(portset_test(&after, TCP_BLOCK + 1) &&
	      portset_test(&after, UDP_BLOCK + 4) &&
	      portset_test(&after, ADMIN_FAR), "administrator's bits lost");
	CHECK_PASS(sockets_work_after_unload(&s));
	CHECK_PASS(acquire_is_enotty());
	/* The old acquiring sockets are plain sockets now. */
	CHECK_ERR(acquire(s.rt, 27190, 1, NULL), -ENOTTY);
	close(s.rt);
	close(s.ru);
	close(s.assoc);
	close_rst(s.cli);
	close(s.srv);
	close(s.lis);
	close(s.udp);
	return 0;
}

/* 27500-27599 are ioctl's. */
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
static int unload_keeps_ports_of_a_long_write(void)
{
	char *text = malloc(8192);
	struct portset after;
	int p, t;
	size_t len;

	CHECK(text, "out of memory");
	if (!module_loaded())
		CHECK_OK(load_module());
	t = xsock(AF_INET, IPPROTO_TCP);
	xacquire(t, LONG_BLOCK, 10, NULL);
	len = sprintf(text, "%d", LONG_BLOCK + 1);
	for (p = 27200; p < 28000; p++)
		if (!filler_skip(p))
			len += sprintf(text + len, ",%d", p);
	sprintf(text + len, ",%d", LONG_BLOCK + 5);
	CHECK(strlen(text) > 4096, "list of %zu bytes", strlen(text));
	xsysctl_set(SYSCTL_RESERVED_PORTS, text);
	free(text);
	xreserved_ports_read(&after);
	for (p = LONG_BLOCK; p < LONG_BLOCK + 10; p++)
		CHECK(portset_test(&after, p), "port %d of the block clear", p);
	CHECK_OK(unload_module());
	CHECK(!module_loaded(), MODULE_DIR " still there");
	xreserved_ports_read(&after);
	CHECK(portset_test(&after, LONG_BLOCK + 1), "first part's port lost");
	CHECK(portset_test(&after, LONG_BLOCK + 5), "last part's port lost");
	for (p = 27200; p < 28000; p++)
		CHECK(portset_test(&after, p) || filler_skip(p),
		      "port %d lost", p);
	for (p = LONG_BLOCK; p < LONG_BLOCK + 10; p++)
		CHECK(portset_test(&after, p) == (p == LONG_BLOCK + 1 ||
						  p == LONG_BLOCK + 5),
		      "port %d of the block still set", p);
	close(t);
	return 0;
}

static int module_is_loaded_again_at_the_end(void)
{
	int t = xsock(AF_INET, IPPROTO_TCP);
	int a = xsock(AF_INET6, IPPROTO_TCP);
	uint64_t tok;

	if (!module_loaded())
		CHECK_OK(load_module());
	tok = xacquire(t, 27180, 2, NULL);
	xassociate(a, tok);
	CHECK_OK(bind_port(a, 0));
	CHECK(port_in(local_port(a), 27180, 2), "bound to %d",
	      local_port(a));
	close(a);
	close(t);
	return 0;
}

static const struct tap_test tests[] = {
	TAP_TEST(module_unloads_and_ioctls_give_enotty),
	TAP_TEST(module_loads_again_and_works),
	TAP_TEST(unload_with_live_reservations_restores_everything),
	TAP_TEST(unload_keeps_ports_of_a_long_write),
	TAP_TEST(module_is_loaded_again_at_the_end),
};

int main(void)
{
	read_module_params();
	return run_tests(tests, ARRAY_SIZE(tests));
}
