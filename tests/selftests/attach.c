// SPDX-License-Identifier: GPL-2.0
/*
 * The enforcement hooks (bind, connect, close) are attached only while some
 * namespace has a reservation, a socket entry or a waiting acquire, and
 * detached a little after the last one ends; the ioctl hooks stay. Read in
 * tracefs' enabled_functions, where ftrace lists every function that has a
 * callback. A reservation must be enforced from the moment acquire returns,
 * also the first one after a detach. Each test reloads the module.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "portres_test.h"

#define TRACING		"/sys/kernel/tracing"
#define ENABLED		TRACING "/enabled_functions"
#define DETACH_MS	10000	/* the module detaches 2 s after the last end */

static const char *const enforce_fns[] = {
	"inet_csk_get_port", "udp_lib_get_port", "inet_hash_connect",
	"inet6_hash_connect", "inet_release",
};

/* Whether enabled_functions has a line for function @fn. */
static bool hooked(const char *fn)
{
	static char buf[1 << 16];
	size_t len = strlen(fn);
	int fd = open(ENABLED, O_RDONLY);
	ssize_t n, got = 0;
	char *line;

	if (fd < 0)
		die("open %s: %s", ENABLED, strerror(errno));
	while (got < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	for (line = buf; line && *line; line = strchr(line, '\n'), line += !!line)
		if (!strncmp(line, fn, len) && (line[len] == ' ' || line[len] == '\t'))
			return true;
	return false;
}

/* How many of the enforcement functions are hooked now. */
static int enforce_hooked(void)
{
	int i, n = 0;

	for (i = 0; i < (int)(sizeof(enforce_fns) / sizeof(enforce_fns[0])); i++)
		n += hooked(enforce_fns[i]);
	return n;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to DETACH_MS for @fn (or every enforcement function) to go. */
static bool wait_unhooked(const char *fn)
{
	long end = now_ms() + portres_timeout(1) * DETACH_MS;

	while (fn ? hooked(fn) : enforce_hooked()) {
		if (now_ms() > end)
			return false;
		usleep(50 * 1000);
	}
	return true;
}

static bool wait_detached(void)
{
	return wait_unhooked(NULL);
}

/*
 * The hooks are global: any namespace with portres state keeps them, also
 * one an earlier test left to be dismantled in the background. Each test
 * starts from a freshly loaded module, so that its namespace is the only
 * user; the teardown loads the module back if a test failed without it.
 */
FIXTURE(attach) {};

FIXTURE_SETUP(attach)
{
	portres_setup(_metadata, PORTRES_NETNS);
	ASSERT_OK(unload_module());
	ASSERT_OK(load_module(module_params_saved()));
}

FIXTURE_TEARDOWN_PARENT(attach)
{
	/* hooks_work_beside_the_function_tracer's tracer, if it failed. */
	file_write(TRACING "/current_tracer", "nop");
	file_write(TRACING "/set_ftrace_filter", "");
	if (!module_loaded() && load_module(module_params_saved()))
		TH_LOG("cannot load the module again");
	portres_teardown(_metadata);
}

TEST_F(attach, ioctl_hooks_stay_enforcement_hooks_follow_reservations)
{
	int fd = xsock(AF_INET, IPPROTO_TCP);
	uint64_t tok;

	ASSERT_EQ(0, access(ENABLED, R_OK)) TH_LOG("no %s", ENABLED);
	ASSERT_TRUE(wait_detached())
		TH_LOG("nothing is reserved, but %d enforcement hooks stay",
		       enforce_hooked());
	EXPECT_TRUE(hooked("inet_ioctl"));
	EXPECT_TRUE(hooked("inet6_ioctl"));

	tok = xacquire(fd, 23100, 4, NULL);
	EXPECT_EQ(5, enforce_hooked());
	xrelease(fd, tok);
	ASSERT_TRUE(wait_detached()) TH_LOG("still hooked after the release");
	EXPECT_TRUE(hooked("inet_ioctl"));
	close(fd);
}

/* A socket entry alone (an association outliving its block) keeps them. */
TEST_F(attach, association_keeps_hooks_after_release)
{
	int r = xsock(AF_INET, IPPROTO_UDP);
	int a = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok;

	ASSERT_TRUE(wait_detached());
	tok = xacquire(r, 23110, 2, NULL);
	xassociate(a, tok);
	xrelease(r, tok);
	usleep(3000 * 1000);
	EXPECT_EQ(5, enforce_hooked());
	/* And the association still binds from its ended block: EADDRNOTAVAIL. */
	EXPECT_ERRNO(bind_port(a, 0), -EADDRNOTAVAIL);
	close(a);
	close(r);
	EXPECT_TRUE(wait_detached());
}

/*
 * The first acquire after a detach is enforced when it returns: an
 * outsider's bind into it fails, its bind(0) and connect autobind never
 * land in it, and closing the owner ends it.
 */
TEST_F(attach, first_reservation_enforced_at_once)
{
	int lo, hi, i, fd, o;

	ASSERT_TRUE(wait_detached());
	get_port_range(&lo, &hi);
	xset_port_range(23200, 23215);
	o = xsock(AF_INET, IPPROTO_TCP);
	xacquire(o, 23200, 8, NULL);
	fd = xsock(AF_INET, IPPROTO_TCP);
	EXPECT_ERRNO(bind_port(fd, 23203), -EACCES);
	close(fd);
	for (i = 0; i < 16; i++) {
		fd = xsock(AF_INET, IPPROTO_TCP);
		ASSERT_OK(bind_port(fd, 0));
		EXPECT_FALSE(port_in(local_port(fd), 23200, 8))
			TH_LOG("bind(0) got %d", local_port(fd));
		close(fd);
	}
	close(o);
	fd = xsock(AF_INET, IPPROTO_TCP);
	EXPECT_OK(bind_port(fd, 23203));
	close(fd);
	xset_port_range(lo, hi);
	EXPECT_TRUE(wait_detached());
}

/*
 * An outsider is refused, an associated socket binds from the block, and
 * closing the owner ends the reservation: the ioctl, bind and close hooks
 * all did their part.
 */
static void hooks_do_their_part(struct __test_metadata *_metadata,
				uint16_t port)
{
	int o = xsock(AF_INET, IPPROTO_UDP);
	int a = xsock(AF_INET, IPPROTO_UDP);
	int fd = xsock(AF_INET, IPPROTO_UDP);
	uint64_t tok = xacquire(o, port, 4, NULL);

	EXPECT_ERRNO(bind_port(fd, port + 1), -EACCES);
	xassociate(a, tok);
	EXPECT_OK(bind_port(a, 0));
	EXPECT_TRUE(port_in(local_port(a), port, 4))
		TH_LOG("associated bind(0) got %d", local_port(a));
	close(a);
	close(o);
	EXPECT_OK(bind_port(fd, port + 1));
	close(fd);
}

/*
 * Beside another ftrace user of the hooked functions (the function tracer
 * here, as perf or a BPF program might be), ftrace calls the hooks from
 * its shared trampoline instead of straight from the functions: the hooks
 * must work the same, whether that user came before or after them.
 */
TEST_F(attach, hooks_work_beside_the_function_tracer)
{
	int o = xsock(AF_INET, IPPROTO_TCP);

	ASSERT_EQ(0, access(TRACING "/current_tracer", W_OK));
	/* Hooks first: the enforcement hooks are attached while o holds. */
	xacquire(o, 23290, 2, NULL);
	ASSERT_OK(file_write(TRACING "/set_ftrace_filter",
			     "inet_ioctl inet_release udp_lib_get_port"));
	ASSERT_OK(file_write(TRACING "/current_tracer", "function"));
	hooks_do_their_part(_metadata, 23300);
	close(o);
	/*
	 * The tracer first: the first acquire attaches the hooks beside it.
	 * The tracer keeps its functions in enabled_functions, so the
	 * detach shows on one it does not trace.
	 */
	ASSERT_TRUE(wait_unhooked("inet_csk_get_port"));
	EXPECT_TRUE(hooked("inet_release"));
	hooks_do_their_part(_metadata, 23310);
	ASSERT_OK(file_write(TRACING "/current_tracer", "nop"));
	ASSERT_OK(file_write(TRACING "/set_ftrace_filter", ""));
	EXPECT_TRUE(wait_detached());
	hooks_do_their_part(_metadata, 23320);
}

TEST_HARNESS_MAIN
