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
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* Now in portres_util.c, shared with the kselftest harness tests. */
#define tap_diag	diag
#define tap_errname	errname

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
