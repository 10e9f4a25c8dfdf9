// SPDX-License-Identifier: MIT
/*
 * A persistent UDP port reservation, written like the example of Microsoft's
 * CreatePersistentUdpPortReservation page: Windows code whose only change
 * is the #include of <portres/winsock_compat.h> for the Windows headers.
 * It creates the reservation, prints its token, looks it up and deletes it.
 */
#ifndef UNICODE
#define UNICODE
#endif

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif

#include <portres/winsock_compat.h>
#include <stdio.h>
#include <stdlib.h>

// Need to link with Iphlpapi.lib and Ws2_32.lib
#pragma comment(lib, "iphlpapi.lib")
#pragma comment(lib, "ws2_32.lib")

int wmain(int argc, WCHAR **argv)
{

    // Declare and initialize variables

    int startPort = 0;         // host byte order
    int numPorts = 0;
    USHORT startPortns = 0;    // Network byte order
    ULONG64 resToken = { 0 };
    ULONG64 lookupToken = { 0 };

    unsigned long status = 0;

    // Validate the parameters
    if (argc != 3) {
        wprintf(L"usage: %s <StartingPort> <NumberOfPorts>\n", argv[0]);
        wprintf(L"Creates a persistent UDP port reservation, looks it up and deletes it\n");
        wprintf(L"Example usage\n");
        wprintf(L"To create a reservation for starting port=5000 and number of ports=20:\n");
        wprintf(L"   %s 5000 20\n", argv[0]);
        exit(1);
    }

    startPort = _wtoi(argv[1]);
    if ((startPort < 0) || (startPort > 65535)) {
        wprintf(L"Starting point must be either 0 or between 1 and 65,535\n");
        exit(1);
    }
    startPortns = htons((USHORT) startPort);

    numPorts = _wtoi(argv[2]);
    if (numPorts < 0) {
        wprintf(L"Number of ports must be a positive number\n");
        exit(1);
    }

    status =
        CreatePersistentUdpPortReservation(startPortns, (USHORT) numPorts,
                                           &resToken);
    if (status != NO_ERROR) {
        wprintf(L"CreatePersistentUdpPortReservation returned error: %ld\n", status);
        exit(1);
    }

    wprintf(L"CreatePersistentUdpPortReservation call succeeded\n");
    wprintf(L"  Token = %I64d\n", resToken);

    status =
        LookupPersistentUdpPortReservation(startPortns, (USHORT) numPorts,
                                           &lookupToken);
    if (status != NO_ERROR) {
        wprintf(L"LookupPersistentUdpPortReservation returned error: %ld\n", status);
        exit(1);
    }

    wprintf(L"LookupPersistentUdpPortReservation call succeeded\n");
    wprintf(L"  Token = %I64d\n", lookupToken);
    if (lookupToken != resToken) {
        wprintf(L"Lookup returned a different token\n");
        exit(1);
    }

    status = DeletePersistentUdpPortReservation(startPortns, (USHORT) numPorts);
    if (status != NO_ERROR) {
        wprintf(L"DeletePersistentUdpPortReservation returned error: %ld\n", status);
        exit(1);
    }

    wprintf(L"DeletePersistentUdpPortReservation call succeeded\n");

    return 0;
}
