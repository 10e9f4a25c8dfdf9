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
 *   - WSAIoctl() for SIO_ACQUIRE/ASSOCIATE/RELEASE_PORT_RESERVATION
 *     (synchronous only), WSAGetLastError(), WSAStartup() and friends;
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

/* Opaque here: overlapped I/O is not supported (WSAEOPNOTSUPP). */
typedef struct _WSAOVERLAPPED WSAOVERLAPPED, *LPWSAOVERLAPPED;
typedef void (*LPWSAOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwError,
						   DWORD cbTransferred,
						   LPWSAOVERLAPPED lpOverlapped,
						   DWORD dwFlags);

/* Error codes (winerror.h values). */
#define WSA_IO_PENDING		997
#define WSA_OPERATION_ABORTED	995
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

/* Linux errno (positive) -> WSA error code (DESIGN.md "Errors"). */
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
