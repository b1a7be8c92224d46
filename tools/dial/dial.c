// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * portown-dial: the smallest dialer built on libportown.  It opens and
 * claims a port in one call, as a dialer should before it talks to a
 * modem, and on conflict says who holds the port instead of "device
 * busy".  With a command it sends it (with a carriage return) and prints
 * what comes back within a second.
 *
 *   portown-dial PORT [COMMAND]
 *
 * Exit status: 0 claimed, 2 the port is held by another process, 1 any
 * other failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "libportown.h"

int main(int argc, char **argv)
{
	struct portown_conflict why;
	struct pollfd p;
	char buf[256];
	ssize_t n;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: portown-dial PORT [COMMAND]\n");
		return 1;
	}
	fd = portown_open_claim(argv[1], O_NONBLOCK | O_CLOEXEC, &why);
	if (fd < 0) {
		fprintf(stderr, "portown-dial: %s\n", why.message);
		return why.error == EBUSY ? 2 : 1;
	}
	printf("portown-dial: %s claimed\n", argv[1]);
	if (argc == 3) {
		struct termios t;

		if (!tcgetattr(fd, &t)) {
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
		if (write(fd, argv[2], strlen(argv[2])) < 0 || write(fd, "\r", 1) < 0)
			perror("portown-dial: write");
		p.fd = fd;
		p.events = POLLIN;
		while (poll(&p, 1, 1000) == 1 && (n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, n, stdout);
	}
	portown_release(fd);
	close(fd);
	return 0;
}
