// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libportres: the Windows-style compatibility layer (winsock_compat.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <wctype.h>

#include "portres/winsock_compat.h"
#include "internal.h"

#define wsa_fail portres__wsa_fail

/* ---- last error ---- */

/*
 * Winsock keeps one last error per thread for every socket call. Here
 * socket(), bind() and friends are glibc's and set only errno, so the code
 * set by a compat call is returned only while errno is still what that call
 * left; after that errno (mapped) is the newer news.
 */
static __thread int wsa_error;
static __thread int wsa_errno;
static __thread bool wsa_set;

void WSASetLastError(int iError)
{
	wsa_error = iError;
	wsa_errno = errno;
	wsa_set = true;
}

int WSAGetLastError(void)
{
	if (wsa_set && errno == wsa_errno)
		return wsa_error;
	return portres_errno_to_wsa(errno);
}

int portres__wsa_fail(int err)
{
	errno = err;
	WSASetLastError(portres_errno_to_wsa(err));
	return SOCKET_ERROR;
}

int portres_errno_to_wsa(int err)
{
	switch (err) {
	case 0:			return 0;
	case EINVAL:		return WSAEINVAL;
	case ENOENT:		return WSAEINVAL;	/* unknown token */
	case EFAULT:		return WSAEFAULT;
	case ENOTTY:
	case EOPNOTSUPP:	return WSAEOPNOTSUPP;
	case ENOTSOCK:
	case EBADF:		return WSAENOTSOCK;
	case EADDRINUSE:	return WSAEADDRINUSE;
	case EACCES:
	case EPERM:		return WSAEACCES;
	case EINTR:		return WSAEINTR;
	case ECANCELED:		return WSA_OPERATION_ABORTED;
	case EADDRNOTAVAIL:	return WSAEADDRNOTAVAIL;
	case ENOSPC:
	case EDQUOT:
	case ENOBUFS:
	case ENOMEM:		return WSAENOBUFS;
	case EAGAIN:		return WSAEWOULDBLOCK;
	case EINPROGRESS:	return WSAEINPROGRESS;
	case EALREADY:		return WSAEALREADY;
	case EMFILE:
	case ENFILE:		return WSAEMFILE;
	case EDESTADDRREQ:	return WSAEDESTADDRREQ;
	case EMSGSIZE:		return WSAEMSGSIZE;
	case EPROTOTYPE:	return WSAEPROTOTYPE;
	case ENOPROTOOPT:	return WSAENOPROTOOPT;
	case EPROTONOSUPPORT:	return WSAEPROTONOSUPPORT;
	case ESOCKTNOSUPPORT:	return WSAESOCKTNOSUPPORT;
	case EPFNOSUPPORT:	return WSAEPFNOSUPPORT;
	case EAFNOSUPPORT:	return WSAEAFNOSUPPORT;
	case ENETDOWN:		return WSAENETDOWN;
	case ENETUNREACH:	return WSAENETUNREACH;
	case ECONNABORTED:	return WSAECONNABORTED;
	case ECONNRESET:	return WSAECONNRESET;
	case EISCONN:		return WSAEISCONN;
	case ENOTCONN:		return WSAENOTCONN;
	case ETIMEDOUT:		return WSAETIMEDOUT;
	case ECONNREFUSED:	return WSAECONNREFUSED;
	case EHOSTUNREACH:	return WSAEHOSTUNREACH;
	}
	return WSAEINVAL;
}

/* ---- Winsock calls ---- */

int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)
{
	if (!lpWSAData)
		return WSAEFAULT;
	memset(lpWSAData, 0, sizeof(*lpWSAData));
	lpWSAData->wVersion = MAKEWORD(2, 2);
	lpWSAData->wHighVersion = MAKEWORD(2, 2);
	strcpy(lpWSAData->szDescription, "libportres Winsock compatibility");
	strcpy(lpWSAData->szSystemStatus, "Running");
	/* Like Windows: anything older than 2.0 is not supported. */
	if (LOBYTE(wVersionRequested) < 2)
		return WSAVERNOTSUPPORTED;
	return 0;
}

int WSACleanup(void)
{
	return 0;
}

int closesocket(SOCKET s)
{
	if (close(s))
		return wsa_fail(errno);
	return 0;
}

int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer,
	     DWORD cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer,
	     LPDWORD lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
	     LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	INET_PORT_RESERVATION_INSTANCE *out = NULL;
	union portres__wsa_arg a;
	unsigned int flags = 0;
	DWORD code = dwIoControlCode;

	/* Completion routines need alertable waits: not implemented. */
	if (lpCompletionRoutine)
		return wsa_fail(EOPNOTSUPP);
	if (!lpcbBytesReturned && !lpOverlapped)
		return wsa_fail(EFAULT);
	if (lpcbBytesReturned)
		*lpcbBytesReturned = 0;

	memset(&a, 0, sizeof(a));
	switch (code) {
	case PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT:
		/* Linux extension: a wait makes sense overlapped only. */
		if (!lpOverlapped)
			return wsa_fail(EINVAL);
		code = SIO_ACQUIRE_PORT_RESERVATION;
		flags = PORTRES_F_WAIT;
		/* fall through */
	case SIO_ACQUIRE_PORT_RESERVATION:
		if (!lpvInBuffer || !lpvOutBuffer)
			return wsa_fail(EFAULT);
		if (cbInBuffer < sizeof(INET_PORT_RANGE) ||
		    cbOutBuffer < sizeof(INET_PORT_RESERVATION_INSTANCE))
			return wsa_fail(EINVAL);
		memcpy(&a.inst.reservation, lpvInBuffer,
		       sizeof(a.inst.reservation));
		out = lpvOutBuffer;
		break;
	case SIO_ASSOCIATE_PORT_RESERVATION:
	case SIO_RELEASE_PORT_RESERVATION:
		if (!lpvInBuffer)
			return wsa_fail(EFAULT);
		if (cbInBuffer < sizeof(INET_PORT_RESERVATION_TOKEN))
			return wsa_fail(EINVAL);
		memcpy(&a.tok, lpvInBuffer, sizeof(a.tok));
		break;
	default:
		/* Only the port reservation codes are known here. */
		return wsa_fail(EOPNOTSUPP);
	}

	if (lpOverlapped) {
		/* Overlapped support is linked in (overlapped.o) or not. */
		if (!portres__wsa_overlapped)
			return wsa_fail(EOPNOTSUPP);
		return portres__wsa_overlapped(s, code, flags, &a, out,
					       out ? sizeof(*out) : 0,
					       lpOverlapped);
	}

	if (ioctl(s, code, out ? (void *)&a.inst : (void *)&a.tok))
		return wsa_fail(errno);
	if (out) {
		memset(out, 0, sizeof(*out));
		out->Reservation.StartPort = a.inst.reservation.start_port;
		out->Reservation.NumberOfPorts = a.inst.reservation.number_of_ports;
		out->Token.Token = a.inst.token.token;
		*lpcbBytesReturned = sizeof(*out);
	}
	return 0;
}

/* ---- persistent reservations ---- */

ULONG portres_errno_to_win32(int err)
{
	switch (err) {
	case 0:			return NO_ERROR;
	case EINVAL:		return ERROR_INVALID_PARAMETER;
	case EPERM:
	case EACCES:		return ERROR_ACCESS_DENIED;
	case EADDRINUSE:
	case EEXIST:		return ERROR_SHARING_VIOLATION;
	case ENOENT:		return ERROR_NOT_FOUND;
	case ENOMEM:		return ERROR_NOT_ENOUGH_MEMORY;
	case ENOTTY:
	case ENODEV:
	case EOPNOTSUPP:	return ERROR_NOT_SUPPORTED;
	}
	return ERROR_GEN_FAILURE;
}

static ULONG persistent(int op, int proto, USHORT start_ns, USHORT n,
			PULONG64 token)
{
	struct portres_persistent p;
	int fd, err;

	if (op != PORTRES_IOC_DELETE_PERSISTENT && !token)
		return ERROR_INVALID_PARAMETER;
	fd = portres_open();
	if (fd < 0)	/* no /dev/portres: the module is not loaded */
		return fd == -ENOENT ? ERROR_NOT_SUPPORTED :
				       portres_errno_to_win32(-fd);
	portres_persistent_init(&p, proto, ntohs(start_ns), n);
	switch (op) {
	case PORTRES_IOC_CREATE_PERSISTENT:
		err = portres_persistent_create(fd, &p);
		break;
	case PORTRES_IOC_DELETE_PERSISTENT:
		err = portres_persistent_delete(fd, &p);
		break;
	default:
		err = portres_persistent_lookup(fd, &p);
		break;
	}
	close(fd);
	if (!err && token)
		*token = p.token;
	return portres_errno_to_win32(-err);
}

ULONG CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token)
{
	return persistent(PORTRES_IOC_CREATE_PERSISTENT, IPPROTO_TCP, StartPort,
			  NumberOfPorts, Token);
}

ULONG CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token)
{
	return persistent(PORTRES_IOC_CREATE_PERSISTENT, IPPROTO_UDP, StartPort,
			  NumberOfPorts, Token);
}

ULONG DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts)
{
	return persistent(PORTRES_IOC_DELETE_PERSISTENT, IPPROTO_TCP, StartPort,
			  NumberOfPorts, NULL);
}

ULONG DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts)
{
	return persistent(PORTRES_IOC_DELETE_PERSISTENT, IPPROTO_UDP, StartPort,
			  NumberOfPorts, NULL);
}

ULONG LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token)
{
	return persistent(PORTRES_IOC_LOOKUP_PERSISTENT, IPPROTO_TCP, StartPort,
			  NumberOfPorts, Token);
}

ULONG LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token)
{
	return persistent(PORTRES_IOC_LOOKUP_PERSISTENT, IPPROTO_UDP, StartPort,
			  NumberOfPorts, Token);
}

/* ---- wide characters ---- */

int _wtoi(const WCHAR *s)
{
	long v = wcstol(s, NULL, 10);

	if (v > INT_MAX)
		return INT_MAX;
	if (v < INT_MIN)
		return INT_MIN;
	return (int)v;
}

/*
 * Microsoft's wide printf reads %s and %c as wide, %S/%hs as narrow, and
 * spells 64-bit as I64; glibc's wide printf wants %ls, %s and ll.
 */
static WCHAR *ms_format(const WCHAR *fmt)
{
	WCHAR *out = malloc((2 * wcslen(fmt) + 1) * sizeof(*out)), *o = out;
	const WCHAR *p = fmt;

	if (!out)
		return NULL;
	while (*p) {
		bool narrow = false, wide = false;

		if (*p != L'%') {
			*o++ = *p++;
			continue;
		}
		*o++ = *p++;
		if (*p == L'%') {
			*o++ = *p++;
			continue;
		}
		while (*p && wcschr(L"-+ #0'", *p))
			*o++ = *p++;
		while (*p && (iswdigit(*p) || *p == L'*' || *p == L'.'))
			*o++ = *p++;
		if (p[0] == L'I' && p[1] == L'6' && p[2] == L'4') {
			*o++ = L'l';
			*o++ = L'l';
			p += 3;
		} else if (p[0] == L'I' && p[1] == L'3' && p[2] == L'2') {
			p += 3;
		} else if (p[0] == L'I') {
			*o++ = L'z';
			p++;
		} else if (p[0] == L'h' && (p[1] == L's' || p[1] == L'c' ||
					     p[1] == L'S' || p[1] == L'C')) {
			narrow = true;
			p++;
		} else if ((p[0] == L'w' || p[0] == L'l') &&
			   (p[1] == L's' || p[1] == L'c' || p[1] == L'S' ||
			    p[1] == L'C')) {
			wide = true;
			p++;
		}
		switch (*p) {
		case L's':
		case L'c':
			if (!narrow)
				*o++ = L'l';
			*o++ = *p++;
			break;
		case L'S':
		case L'C':
			if (wide)
				*o++ = L'l';
			*o++ = (WCHAR)towlower(*p++);
			break;
		default:
			while (*p && wcschr(L"hlLqjzt", *p))
				*o++ = *p++;
			if (*p)
				*o++ = *p++;
		}
	}
	*o = L'\0';
	return out;
}

int portres_wprintf(const WCHAR *fmt, ...)
{
	WCHAR *f = ms_format(fmt);
	va_list ap;
	int ret;

	if (!f) {
		errno = ENOMEM;
		return -1;
	}
	va_start(ap, fmt);
	ret = vwprintf(f, ap);
	va_end(ap);
	free(f);
	return ret;
}
