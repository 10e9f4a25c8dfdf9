/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portres selftests on the kernel's kselftest_harness.h (extracted from the
 * linux-source tarball at build time, see the Makefile). Every test file
 * includes this header, and only it (plus portres_util.h's helpers, which
 * it includes). The conventions:
 *
 * 1. One network namespace per test. FIXTURE_SETUP calls
 *    portres_setup(_metadata, PORTRES_NETNS): the test runs in a fresh netns
 *    (unshare(CLONE_NEWNET), lo up), so it needs no "Ports used:" plan, and
 *    sysctls it changes under /proc/sys/net go away with it (xsysctl_set()
 *    restores nothing there). A test that must run in init_net (module
 *    unload, a netns created on purpose against init_net...) opts out with
 *    PORTRES_INIT_NET and says why in a comment; xsysctl_set() then restores
 *    what it changed, as before.
 * 2. The state check is the teardown: FIXTURE_TEARDOWN_PARENT calls
 *    portres_teardown(_metadata). It runs in the harness's parent process,
 *    in init_net, after the test's processes are gone (also when the test
 *    crashed or dropped privileges): it writes back what xsysctl_set()
 *    recorded (the global max_ports_per_user, init_net sysctls for opt-out
 *    tests), then fails the test if the init_net sysctls or the module
 *    parameter differ from when the test began (and repairs them).
 *    Teardown closes nothing: the test process's exit does that.
 * 3. PORTRES_FIXTURE(name, PORTRES_NETNS) is a fixture without data, with (1)
 *    and (2); its FIXTURE_VARIANT(name) may follow (PORTRES_PROTO_VARIANTS
 *    for just tcp and udp, PORTRES_BOOL_VARIANTS for one bool). Fixtures with data or more set-up write the
 *    FIXTURE* blocks themselves and call portres_setup/portres_teardown.
 * 4. Assertions: the harness's ASSERT_* / EXPECT_* (ASSERT_* ends the test).
 *    For helpers returning 0 or -errno: ASSERT_ERRNO(expr, -EACCES),
 *    EXPECT_ERRNO(...), ASSERT_OK(expr) = ASSERT_ERRNO(expr, 0), which log
 *    "expr: expected EACCES (Permission denied), got EADDRINUSE (...)".
 *    Add context with the harness's trailing block:
 *        ASSERT_OK(bind_port(fd, p)) TH_LOG("port %d", p);
 *    Helpers that assert take "struct __test_metadata *_metadata" first.
 *    portres_util.h's x-helpers (xsock, xacquire...) end the test as failed
 *    on error, as before.
 * 5. KSFT_SKIP/SKIP() only for what truly cannot run: the guest's
 *    parse-results.sh counts a skipped test as a failed one.
 * 6. Each test has 60 s (TEST_TIMEOUT_DEFAULT), times PORTRES_TIMEOUT_SCALE; longer
 *    ones use TEST_F_TIMEOUT. The file ends with TEST_HARNESS_MAIN.
 *
 * Example:
 *
 *	#include "portres_test.h"
 *
 *	PORTRES_FIXTURE(acquire, PORTRES_NETNS);
 *
 *	TEST_F(acquire, outsider_bind_is_eacces)
 *	{
 *		int r = xsock(AF_INET, IPPROTO_TCP), fd = xsock(AF_INET, IPPROTO_TCP);
 *
 *		xacquire(r, 20000, 1, NULL);
 *		ASSERT_ERRNO(bind_port(fd, 20000), -EACCES);
 *	}
 *
 *	TEST_HARNESS_MAIN
 */
#ifndef PORTRES_TEST_H
#define PORTRES_TEST_H

#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portres_util.h"

/*
 * Each test's timeout: 60 s (or TEST_F_TIMEOUT's), times the guest's
 * PORTRES_TIMEOUT_SCALE (4 on the debug kernel, where KASAN and lockdep
 * under TCG are slow). The harness sets it from a constructor, at run time.
 */
static inline int portres_timeout(int secs)
{
	const char *s = getenv("PORTRES_TIMEOUT_SCALE");
	int k = s ? atoi(s) : 1;

	return secs * (k > 0 && k <= 100 ? k : 1);
}
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT	portres_timeout(60)
#undef TEST_F_TIMEOUT
#define TEST_F_TIMEOUT(fixture_name, test_name, timeout) \
	__TEST_F_IMPL(fixture_name, test_name, -1, portres_timeout(timeout))

enum portres_ns {
	PORTRES_NETNS,		/* a fresh network namespace (the default) */
	PORTRES_INIT_NET,	/* opt-out: init_net; say why at the fixture */
};

#define __PORTRES_ERRNO(expr, expr_str, want, _assert) do {		\
	long __got = (expr), __want = (want);				\
	if (__got != __want) {						\
		TH_LOG("%s: expected %s, got %s", expr_str,		\
		       errname((int)-__want), errname((int)-__got));	\
		_metadata->exit_code = KSFT_FAIL;			\
		_metadata->trigger = 1;					\
	}								\
} while (0); OPTIONAL_HANDLER(_assert)

/* #expr here, before expr is macro-expanded: the message shows the source. */
#define ASSERT_ERRNO(expr, want)	__PORTRES_ERRNO(expr, #expr, want, 1)
#define EXPECT_ERRNO(expr, want)	__PORTRES_ERRNO(expr, #expr, want, 0)
#define ASSERT_OK(expr)			__PORTRES_ERRNO(expr, #expr, 0, 1)
#define EXPECT_OK(expr)			__PORTRES_ERRNO(expr, #expr, 0, 0)

/* Snapshot the state (in init_net), then enter the test's namespace. */
static inline void portres_setup(struct __test_metadata *_metadata,
				 enum portres_ns ns)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd, ret, err;

	state_begin(ns == PORTRES_NETNS);
	if (ns != PORTRES_NETNS)
		return;
	ret = unshare(CLONE_NEWNET);
	err = errno;
	ASSERT_EQ(0, ret) TH_LOG("unshare(CLONE_NEWNET): %s", errname(err));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = errno;
	ASSERT_LE(0, fd) TH_LOG("socket: %s", errname(err));
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	err = errno;
	ASSERT_EQ(0, ret) TH_LOG("SIOCGIFFLAGS lo: %s", errname(err));
	ifr.ifr_flags |= IFF_UP;
	ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	err = errno;
	ASSERT_EQ(0, ret) TH_LOG("SIOCSIFFLAGS lo up: %s", errname(err));
	close(fd);
}

/* From FIXTURE_TEARDOWN_PARENT: restore, then check the state was kept. */
static inline void portres_teardown(struct __test_metadata *_metadata)
{
	if (!state_end()) {
		TH_LOG("the test changed the state above (repaired)");
		_metadata->exit_code = KSFT_FAIL;
	}
}

/* A fixture without data or variants, with the conventions above. */
#define PORTRES_FIXTURE(name, ns)					\
	FIXTURE(name) {};						\
	FIXTURE_SETUP(name) { portres_setup(_metadata, ns); }		\
	FIXTURE_TEARDOWN_PARENT(name) { portres_teardown(_metadata); }	\
	struct __portres_fixture_##name

/* Two variants of a fixture told apart by one bool: variant->field. */
#define PORTRES_BOOL_VARIANTS(name, field, if_false, if_true)		\
	FIXTURE_VARIANT(name) { bool field; };				\
	FIXTURE_VARIANT_ADD(name, if_false) { .field = false, };	\
	FIXTURE_VARIANT_ADD(name, if_true) { .field = true, };		\
	struct __portres_variants_##name

/* fd's local port (bound, or autobound by connect) is in [start, start+n). */
#define ASSERT_PORT_IN(fd, start, n) do {				\
	int __port = local_port(fd);					\
	ASSERT_TRUE(port_in(__port, start, n))				\
		TH_LOG("local port %d, not in %d+%d", __port, start, n);	\
} while (0)

/* The two variants tcp and udp of a fixture: variant->proto. */
#define PORTRES_PROTO_VARIANTS(name)					\
	FIXTURE_VARIANT(name) { int proto; };				\
	FIXTURE_VARIANT_ADD(name, tcp) { .proto = IPPROTO_TCP, };	\
	FIXTURE_VARIANT_ADD(name, udp) { .proto = IPPROTO_UDP, };	\
	struct __portres_variants_##name

/* Line-buffered stdout: diagnostics and TAP lines keep their order. */
static void __attribute__((constructor)) __portres_test_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

#endif /* PORTRES_TEST_H */
