// SPDX-License-Identifier: GPL-2.0
/*
 * persistent_udp <first-port> <count>: a program written the Windows way
 * against <portres/winsock_compat.h> alone. It creates a persistent UDP
 * reservation of the block, looks the block up, checks that the lookup
 * finds the token the creation gave, and deletes the reservation.
 *
 * Each step prints one line: "<function>: ok[, token <n>]" or
 * "<function>: error <code>" with the Win32 code (ERROR_ACCESS_DENIED,
 * ERROR_SHARING_VIOLATION, ...). Exit status 0 when every step worked,
 * 1 otherwise, 2 for bad arguments.
 */
#include <portres/winsock_compat.h>

static BOOL step_ok(const char *fn, ULONG rc, const ULONG64 *token)
{
	if (rc != NO_ERROR) {
		wprintf(L"%hs: error %lu\n", fn, (unsigned long)rc);
		return FALSE;
	}
	if (token)
		wprintf(L"%hs: ok, token %016I64x\n", fn, *token);
	else
		wprintf(L"%hs: ok\n", fn);
	return TRUE;
}

int wmain(int argc, WCHAR **argv)
{
	ULONG64 created = 0, found = 0;
	USHORT first, count;

	if (argc != 3) {
		wprintf(L"usage: %ws <first-port> <count>\n", argv[0]);
		return 2;
	}
	if (_wtoi(argv[1]) < 0 || _wtoi(argv[1]) > 65535 ||
	    _wtoi(argv[2]) < 0 || _wtoi(argv[2]) > 65535) {
		wprintf(L"%ws: ports and counts are 0 to 65535\n", argv[0]);
		return 2;
	}
	/* The block's first port goes in network byte order, as on Windows. */
	first = htons((USHORT)_wtoi(argv[1]));
	count = (USHORT)_wtoi(argv[2]);

	if (!step_ok("CreatePersistentUdpPortReservation",
		     CreatePersistentUdpPortReservation(first, count, &created),
		     &created))
		return 1;
	if (!step_ok("LookupPersistentUdpPortReservation",
		     LookupPersistentUdpPortReservation(first, count, &found),
		     &found))
		return 1;
	if (found != created) {
		wprintf(L"lookup found token %016I64x, not %016I64x\n", found,
			created);
		return 1;
	}
	if (!step_ok("DeletePersistentUdpPortReservation",
		     DeletePersistentUdpPortReservation(first, count), NULL))
		return 1;
	return 0;
}
