/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny TAP 13 helpers for the portres selftests.
 *
 * A test is a function returning 0 (pass) or non-zero (fail). The CHECK*
 * macros print a "# file:line: ..." diagnostic and return -1 from the test,
 * so a failing test says what it expected and what it got.
 *
 * Helpers that wrap a system call return 0 (or a non-negative value) on
 * success and -errno on failure; CHECK_ERR(expr, -EACCES) compares exactly.
 */
#ifndef PORTRES_KSELFTEST_TAP_H
#define PORTRES_KSELFTEST_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	int (*fn)(void);
};

#define TAP_TEST(f)	{ #f, f }
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Child exit codes that are not errnos (see child_run()). */
#define CHILD_SETUP_FAILED	200
#define CHILD_KILLED		1000	/* + signal number */

static inline void tap_diag(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

/* "EACCES (Permission denied)" for 13, "0 (success)" for 0. */
static inline const char *tap_errname(int err)
{
	static char bufs[4][96];
	static int next;
	char *b = bufs[next++ & 3];
	const char *name;

	if (err == 0)
		return "0 (success)";
	if (err == CHILD_SETUP_FAILED)
		return "setup failure in child (see its diagnostics)";
	if (err >= CHILD_KILLED) {
		snprintf(b, sizeof(bufs[0]), "child killed by signal %d",
			 err - CHILD_KILLED);
		return b;
	}
	if (err < 0) {
		snprintf(b, sizeof(bufs[0]), "non-error value %d", -err);
		return b;
	}
	name = strerrorname_np(err);
	snprintf(b, sizeof(bufs[0]), "%s (%s)", name ? name : "?",
		 strerror(err));
	return b;
}

#define CHECK(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			tap_diag("%s:%d: %s: " fmt, __FILE__, __LINE__,	\
				 #cond, ##__VA_ARGS__);			\
			return -1;					\
		}							\
	} while (0)

/* expr and want are 0 / -errno; prints "expected X, got Y". */
#define CHECK_ERR(expr, want)						\
	do {								\
		long __got = (expr), __want = (want);			\
		if (__got != __want) {					\
			tap_diag("%s:%d: %s: expected %s, got %s",	\
				 __FILE__, __LINE__, #expr,		\
				 tap_errname((int)-__want),		\
				 tap_errname((int)-__got));		\
			return -1;					\
		}							\
	} while (0)

#define CHECK_OK(expr)	CHECK_ERR(expr, 0)

/* For helpers that are themselves made of CHECKs (0 = passed). */
#define CHECK_PASS(expr)						\
	do {								\
		if ((expr)) {						\
			tap_diag("%s:%d: %s failed", __FILE__,		\
				 __LINE__, #expr);			\
			return -1;					\
		}							\
	} while (0)

static inline void tap_header(int n)
{
	printf("TAP version 13\n1..%d\n", n);
	fflush(stdout);
}

static inline void tap_result(int i, int ok, const char *name)
{
	printf("%sok %d - %s\n", ok ? "" : "not ", i, name);
	fflush(stdout);
}

#endif /* PORTRES_KSELFTEST_TAP_H */
