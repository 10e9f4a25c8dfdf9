/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * Windows-style port reservation API on Linux, for programs written against
 * winsock2.h / mstcpip.h / iphlpapi.h: replace those includes with this one
 * and link with libportres. What it gives:
 *
 *   - the Win32 types the reservation examples use (SOCKET, DWORD, ...);
 *   - INET_PORT_RANGE, INET_PORT_RESERVATION_TOKEN and
 *     INET_PORT_RESERVATION_INSTANCE with the Windows field names and the
 *     layout of the uapi structures;
 *   - WSAIoctl() for SIO_ACQUIRE/ASSOCIATE/RELEASE_PORT_RESERVATION,
 *     synchronous or overlapped (see "Overlapped operations" below),
 *     WSAGetLastError(), WSAStartup() and friends;
 *   - Create/Delete/LookupPersistent{Tcp,Udp}PortReservation() with the
 *     Windows return codes;
 *   - wmain(), wprintf() with Microsoft's format letters (%s and %ws are
 *     wide strings, %I64d is 64-bit) and _wtoi(). main() comes from
 *     libportres.a (or libportres_wmain.a with the shared library) and calls
 *     wmain() with the arguments converted to wide strings. Define
 *     PORTRES_NO_WPRINTF to keep glibc's wprintf().
 */
#ifndef PORTRES_WINSOCK_COMPAT_H
#define PORTRES_WINSOCK_COMPAT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wchar.h>

#include <portres/portres.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Windows sources name their import libraries with #pragma comment(lib). */
#pragma GCC diagnostic ignored "-Wunknown-pragmas"

/* ---- Win32 types ---- */

typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD, *PDWORD, *LPDWORD;
typedef int32_t INT, *LPINT;
typedef int32_t LONG;
typedef uint32_t ULONG, *PULONG;
typedef uint16_t USHORT, *PUSHORT;
typedef uint64_t ULONG64, *PULONG64;
typedef void *LPVOID;
typedef int BOOL;
typedef wchar_t WCHAR, *PWSTR, *LPWSTR;
typedef char CHAR;

typedef int SOCKET;
typedef sa_family_t ADDRESS_FAMILY;
typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, sockaddr_in;
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, sockaddr_in6;
typedef struct sockaddr_storage SOCKADDR_STORAGE, sockaddr_storage;
typedef struct sockaddr sockaddr;

#define INVALID_SOCKET		(-1)
#define SOCKET_ERROR		(-1)
#define MAKEWORD(lo, hi)	((WORD)(((BYTE)(lo)) | ((WORD)((BYTE)(hi))) << 8))
#define LOBYTE(w)		((BYTE)((w) & 0xff))
#define HIBYTE(w)		((BYTE)(((w) >> 8) & 0xff))
#ifndef FALSE
#define FALSE	0
#define TRUE	1
#endif

/* ---- mstcpip.h structures: Windows names, uapi layout ---- */

typedef struct _INET_PORT_RANGE {
	USHORT StartPort;		/* network byte order */
	USHORT NumberOfPorts;		/* host byte order */
} INET_PORT_RANGE, *PINET_PORT_RANGE,
  INET_PORT_RESERVATION, *PINET_PORT_RESERVATION;

typedef struct _INET_PORT_RESERVATION_TOKEN {
	ULONG64 Token;
} INET_PORT_RESERVATION_TOKEN, *PINET_PORT_RESERVATION_TOKEN;

typedef struct _INET_PORT_RESERVATION_INSTANCE {
	INET_PORT_RESERVATION Reservation;
	INET_PORT_RESERVATION_TOKEN Token;	/* the uapi pad is before it */
} INET_PORT_RESERVATION_INSTANCE, *PINET_PORT_RESERVATION_INSTANCE;

#define PR_SAME_LAYOUT(win, uapi, wf, uf)					\
	_Static_assert(offsetof(win, wf) == offsetof(struct uapi, uf) &&	\
		       sizeof(((win *)0)->wf) == sizeof(((struct uapi *)0)->uf), \
		       #win "." #wf " differs from " #uapi "." #uf)
PR_SAME_LAYOUT(INET_PORT_RANGE, inet_port_range, StartPort, start_port);
PR_SAME_LAYOUT(INET_PORT_RANGE, inet_port_range, NumberOfPorts, number_of_ports);
PR_SAME_LAYOUT(INET_PORT_RESERVATION_TOKEN, inet_port_reservation_token, Token, token);
PR_SAME_LAYOUT(INET_PORT_RESERVATION_INSTANCE, inet_port_reservation_instance,
	       Reservation, reservation);
PR_SAME_LAYOUT(INET_PORT_RESERVATION_INSTANCE, inet_port_reservation_instance,
	       Token, token);
_Static_assert(sizeof(INET_PORT_RANGE) == sizeof(struct inet_port_range),
	       "INET_PORT_RANGE size");
_Static_assert(sizeof(INET_PORT_RESERVATION_INSTANCE) ==
	       sizeof(struct inet_port_reservation_instance),
	       "INET_PORT_RESERVATION_INSTANCE size");
#undef PR_SAME_LAYOUT

/* SIO_*_PORT_RESERVATION come from <linux/portres.h>, same names. */

/* ---- Winsock ---- */

#define WSADESCRIPTION_LEN	256
#define WSASYS_STATUS_LEN	128

typedef struct WSAData {
	WORD wVersion;
	WORD wHighVersion;
	unsigned short iMaxSockets;
	unsigned short iMaxUdpDg;
	char *lpVendorInfo;
	char szDescription[WSADESCRIPTION_LEN + 1];
	char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

/*
 * ---- Overlapped operations ----
 *
 * WSAIoctl() with a non-NULL lpOverlapped (and lpCompletionRoutine NULL)
 * submits the operation as IORING_OP_URING_CMD on /dev/portres and returns
 * SOCKET_ERROR with WSAGetLastError() == WSA_IO_PENDING; argument errors
 * it can see at once (NULL or short buffers, unknown code) fail at once as
 * in the synchronous form. Completion is reported as on Windows: the
 * overlapped's Internal leaves STATUS_PENDING (HasOverlappedIoCompleted()),
 * its hEvent (if not NULL) is signaled, and WSAGetOverlappedResult() gives
 * TRUE and the byte count, or FALSE with WSAGetLastError() set from the
 * kernel's result (the table in portres(7); a canceled operation gives
 * WSA_OPERATION_ABORTED). The output buffer, the overlapped and its event
 * must stay valid until then, as on Windows; like NtDeviceIoControlFile,
 * WSAIoctl resets hEvent when it starts the operation.
 *
 * Design: one process-wide io_uring (256 entries, made on first use) and
 * one completion thread that reaps its CQEs: for each it copies the result
 * into the caller's output buffer and the overlapped, signals hEvent and
 * wakes WSAGetOverlappedResult(fWait = TRUE). Events are eventfds
 * (WSAEVENT points to a small object; WSAEventFd() gives the descriptor for
 * poll/epoll; readable = signaled). Manual-reset, as WSACreateEvent's.
 * The operation runs in an io-wq worker of the submitting thread: it is
 * canceled (WSA_OPERATION_ABORTED) when that thread exits, when the
 * socket is closed, or by CancelIoEx(). A child made by fork() starts with
 * no ring; operations its parent started complete in the parent only.
 *
 * Not supported: lpCompletionRoutine (completion routines need alertable
 * waits: WSAEOPNOTSUPP), alertable waits (fAlertable is ignored).
 *
 * PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT is a Linux extension, overlapped
 * only: SIO_ACQUIRE_PORT_RESERVATION with PORTRES_F_WAIT (a specific block
 * that another reservation holds is waited for instead of failing).
 *
 * Programs linked with the static libportres.a that use these functions
 * also need -luring (liburing); the synchronous API does not.
 */
typedef uintptr_t ULONG_PTR;
typedef intptr_t HANDLE;	/* so that (HANDLE)socket compiles */
typedef struct portres_wsaevent *WSAEVENT, **LPWSAEVENT;

typedef struct _WSAOVERLAPPED {
	ULONG_PTR Internal;	/* STATUS_PENDING, else the WSA error (0 = ok) */
	ULONG_PTR InternalHigh;	/* bytes transferred */
	union {
		struct {
			DWORD Offset;	/* unused for sockets */
			DWORD OffsetHigh;
		};
		void *Pointer;
	};
	WSAEVENT hEvent;	/* NULL or a WSACreateEvent() event */
} WSAOVERLAPPED, *LPWSAOVERLAPPED, OVERLAPPED, *LPOVERLAPPED;

typedef void (*LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError,
						   DWORD cbTransferred,
						   LPWSAOVERLAPPED lpOverlapped,
						   DWORD dwFlags);

#define STATUS_PENDING			0x103UL
#define HasOverlappedIoCompleted(ov)					\
	(__atomic_load_n(&(ov)->Internal, __ATOMIC_ACQUIRE) != STATUS_PENDING)

#define WSA_INVALID_EVENT		((WSAEVENT)NULL)
#define WSA_MAXIMUM_WAIT_EVENTS		64
#define WSA_INFINITE			0xFFFFFFFFUL
#define WSA_WAIT_EVENT_0		0UL
#define WSA_WAIT_IO_COMPLETION		0xC0UL
#define WSA_WAIT_TIMEOUT		0x102UL
#define WSA_WAIT_FAILED			0xFFFFFFFFUL

/* Linux extension, overlapped only: acquire with PORTRES_F_WAIT. */
#define PORTRES_SIO_ACQUIRE_PORT_RESERVATION_WAIT \
	_IOWR(PORTRES_IOC_MAGIC, 0x81, struct inet_port_reservation_instance)

/* Error codes (winerror.h values). */
#define WSA_IO_PENDING		997
#define WSA_IO_INCOMPLETE	996
#define WSA_OPERATION_ABORTED	995
#define WSA_INVALID_HANDLE	6
#define WSA_INVALID_PARAMETER	87
#define WSAEINTR		10004
#define WSAEBADF		10009
#define WSAEACCES		10013
#define WSAEFAULT		10014
#define WSAEINVAL		10022
#define WSAEMFILE		10024
#define WSAEWOULDBLOCK		10035
#define WSAEINPROGRESS		10036
#define WSAEALREADY		10037
#define WSAENOTSOCK		10038
#define WSAEDESTADDRREQ		10039
#define WSAEMSGSIZE		10040
#define WSAEPROTOTYPE		10041
#define WSAENOPROTOOPT		10042
#define WSAEPROTONOSUPPORT	10043
#define WSAESOCKTNOSUPPORT	10044
#define WSAEOPNOTSUPP		10045
#define WSAEPFNOSUPPORT		10046
#define WSAEAFNOSUPPORT		10047
#define WSAEADDRINUSE		10048
#define WSAEADDRNOTAVAIL	10049
#define WSAENETDOWN		10050
#define WSAENETUNREACH		10051
#define WSAECONNABORTED		10053
#define WSAECONNRESET		10054
#define WSAENOBUFS		10055
#define WSAEISCONN		10056
#define WSAENOTCONN		10057
#define WSAETIMEDOUT		10060
#define WSAECONNREFUSED		10061
#define WSAEHOSTUNREACH		10065
#define WSAEDQUOT		10069
#define WSANOTINITIALISED	10093
#define WSAVERNOTSUPPORTED	10092

int WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData);
int WSACleanup(void);
int closesocket(SOCKET s);
int WSAGetLastError(void);
void WSASetLastError(int iError);
int WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer,
	     DWORD cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer,
	     LPDWORD lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
	     LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

/* Events (eventfds) and overlapped results: see "Overlapped operations". */
WSAEVENT WSACreateEvent(void);
BOOL WSACloseEvent(WSAEVENT hEvent);
BOOL WSASetEvent(WSAEVENT hEvent);
BOOL WSAResetEvent(WSAEVENT hEvent);
DWORD WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
			       BOOL fWaitAll, DWORD dwTimeout, BOOL fAlertable);
BOOL WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
			    LPDWORD lpcbTransfer, BOOL fWait, LPDWORD lpdwFlags);
/* Cancel lpOverlapped's operation on hFile (NULL: all of hFile's). */
BOOL CancelIoEx(HANDLE hFile, LPOVERLAPPED lpOverlapped);
/* The eventfd behind an event, for poll()/epoll (Linux only). */
int WSAEventFd(WSAEVENT hEvent);

/* Linux errno (positive) -> WSA error code (portres(7), "Windows error codes"). */
int portres_errno_to_wsa(int err);

/* Winsock's getsockname() and getpeername() take an int length. */
static inline int portres_getsockname(SOCKET s, struct sockaddr *name, int *namelen)
{
	socklen_t len = (socklen_t)*namelen;
	int ret = (getsockname)(s, name, &len);

	*namelen = (int)len;
	return ret;
}
#define getsockname(s, name, namelen) portres_getsockname(s, name, namelen)

/* ---- iphlpapi.h: persistent reservations ---- */

#define NO_ERROR			0UL
#define ERROR_ACCESS_DENIED		5UL
#define ERROR_NOT_ENOUGH_MEMORY		8UL
#define ERROR_GEN_FAILURE		31UL
#define ERROR_SHARING_VIOLATION		32UL
#define ERROR_NOT_SUPPORTED		50UL
#define ERROR_INVALID_PARAMETER		87UL
#define ERROR_NOT_FOUND			1168UL

/* StartPort in network byte order, as on Windows. */
ULONG CreatePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token);
ULONG CreatePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token);
ULONG DeletePersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts);
ULONG DeletePersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts);
ULONG LookupPersistentTcpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token);
ULONG LookupPersistentUdpPortReservation(USHORT StartPort, USHORT NumberOfPorts,
					 PULONG64 Token);

/* Linux errno (positive) -> Win32 error code of the functions above. */
ULONG portres_errno_to_win32(int err);

/* ---- wide-character program entry and output ---- */

int wmain(int argc, WCHAR **argv);
int _wtoi(const WCHAR *s);
/* wprintf with Microsoft's format letters: %s %ws = wide string, %hs %S =
 * narrow string, %c = wide char, %I64d %I64u %I64x = 64-bit, %I = size_t. */
int portres_wprintf(const WCHAR *fmt, ...);
#ifndef PORTRES_NO_WPRINTF
#define wprintf portres_wprintf
#endif

#ifdef __cplusplus
}
#endif

#endif /* PORTRES_WINSOCK_COMPAT_H */
