// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * main() for programs that start at wmain(), like MinGW's -municode: a
 * member of libportres.a that the linker takes only when the program has no
 * main() of its own (also built alone as libportres_wmain.a for programs
 * linked with the shared library).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "portres/winsock_compat.h"

static WCHAR *widen(const char *s)
{
	size_t n = mbstowcs(NULL, s, 0), i;
	WCHAR *w;

	if (n != (size_t)-1) {
		w = malloc((n + 1) * sizeof(*w));
		if (w)
			mbstowcs(w, s, n + 1);
		return w;
	}
	/* Not valid in the locale's encoding: one byte per character. */
	n = strlen(s);
	w = malloc((n + 1) * sizeof(*w));
	for (i = 0; w && i <= n; i++)
		w[i] = (unsigned char)s[i];
	return w;
}

int main(int argc, char **argv)
{
	WCHAR **wargv;
	int i;

	setlocale(LC_CTYPE, "");
	wargv = calloc(argc + 1, sizeof(*wargv));
	if (!wargv)
		return 1;
	for (i = 0; i < argc; i++) {
		wargv[i] = widen(argv[i]);
		if (!wargv[i])
			return 1;
	}
	return wmain(argc, wargv);
}
