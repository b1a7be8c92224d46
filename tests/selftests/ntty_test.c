// SPDX-License-Identifier: GPL-2.0
/*
 * Shim transparency: one N_TTY behaviour suite, run with N_TTY and with
 * portown's shim attached.  Canonical and raw reads, line editing, echo,
 * VMIN and VTIME, poll, and ^C to the foreground process group must be
 * the same.  Runs on a pty pair (the line discipline sits on the slave)
 * as root in the test VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portown_test.h"

FIXTURE(ldisc) {
	int master, slave;
	char name[64];
};

FIXTURE_VARIANT(ldisc) {
	int num;
};

FIXTURE_VARIANT_ADD(ldisc, n_tty) {
	.num = 0,
};

FIXTURE_VARIANT_ADD(ldisc, shim) {
	.num = SHIM_DEFAULT_NUM,
};

FIXTURE_SETUP(ldisc)
{
	int cur = -1;

	self->master = -1;
	self->slave = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));

	ASSERT_EQ(0, open_pty(&self->master, &self->slave, self->name, sizeof(self->name)));
	ASSERT_EQ(0, ioctl(self->slave, TIOCSETD, &variant->num));
	ASSERT_EQ(0, ioctl(self->slave, TIOCGETD, &cur));
	ASSERT_EQ(variant->num, cur);
}

FIXTURE_TEARDOWN(ldisc)
{
	int ntty = 0;

	if (self->slave >= 0) {
		ioctl(self->slave, TIOCSETD, &ntty);
		close(self->slave);
	}
	if (self->master >= 0)
		close(self->master);
	unload_portown();
}

static void set_mode(struct __test_metadata *_metadata, int fd, bool canon, bool echo,
		     int vmin, int vtime)
{
	struct termios t;

	ASSERT_EQ(0, tcgetattr(fd, &t));
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_lflag |= (canon ? ICANON : 0) | (echo ? ECHO : 0) | ISIG;
	t.c_cc[VMIN] = vmin;
	t.c_cc[VTIME] = vtime;
	ASSERT_EQ(0, tcsetattr(fd, TCSANOW, &t));
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/*
 * Read until @want bytes have come or @ms went by without any: the echo
 * comes back through the pty's flip buffer, which may hand it over in
 * pieces (a PREEMPT_RT kernel does).
 */
static ssize_t read_all(int fd, char *buf, size_t want, int ms)
{
	size_t got = 0;
	ssize_t n;

	while (got < want && readable(fd, ms)) {
		n = read(fd, buf + got, want - got);
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

static void put(struct __test_metadata *_metadata, int fd, const char *s)
{
	ASSERT_EQ((ssize_t)strlen(s), write(fd, s, strlen(s)));
}

TEST_F(ldisc, canonical_read_waits_for_the_line)
{
	char buf[64] = "";

	set_mode(_metadata, self->slave, true, false, 1, 0);
	put(_metadata, self->master, "ab");
	EXPECT_FALSE(readable(self->slave, 200));
	put(_metadata, self->master, "c\n");
	ASSERT_TRUE(readable(self->slave, 2000));
	ASSERT_EQ(4, read(self->slave, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "abc\n", 4));
}

TEST_F(ldisc, canonical_line_editing)
{
	char buf[64] = "";
	struct termios t;
	char in[16];

	set_mode(_metadata, self->slave, true, false, 1, 0);
	ASSERT_EQ(0, tcgetattr(self->slave, &t));
	/* erase one character, kill the line, then a new line */
	snprintf(in, sizeof(in), "ab%cc%cxy\n", t.c_cc[VERASE], t.c_cc[VKILL]);
	put(_metadata, self->master, in);
	ASSERT_TRUE(readable(self->slave, 2000));
	ASSERT_EQ(3, read(self->slave, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "xy\n", 3));
}

TEST_F(ldisc, echo_with_output_processing)
{
	char buf[64] = "";
	ssize_t n;

	set_mode(_metadata, self->slave, true, true, 1, 0);
	put(_metadata, self->master, "hi\n");
	n = read_all(self->master, buf, 4, 2000);
	ASSERT_EQ(4, n);
	EXPECT_EQ(0, memcmp(buf, "hi\r\n", 4));
}

TEST_F(ldisc, raw_vmin_gates_poll_and_read)
{
	char buf[64] = "";

	set_mode(_metadata, self->slave, false, false, 3, 0);
	put(_metadata, self->master, "xy");
	EXPECT_FALSE(readable(self->slave, 200));
	put(_metadata, self->master, "z");
	ASSERT_TRUE(readable(self->slave, 2000));
	ASSERT_EQ(3, read(self->slave, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "xyz", 3));
}

TEST_F(ldisc, raw_vtime_times_out)
{
	long long t0, dt;
	char buf[8];

	set_mode(_metadata, self->slave, false, false, 0, 2);	/* 0.2 s */
	t0 = now_ns();
	EXPECT_EQ(0, read(self->slave, buf, sizeof(buf)));
	dt = now_ns() - t0;
	EXPECT_GE(dt, 150000000LL);
	EXPECT_LT(dt, 2000000000LL);

	/* with data, a read returns it at once */
	put(_metadata, self->master, "q");
	ASSERT_EQ(1, read(self->slave, buf, sizeof(buf)));
	EXPECT_EQ('q', buf[0]);
}

static int sig_pipe = -1;

static void on_sigint(int sig)
{
	char c = 'I';

	write(sig_pipe, &c, 1);
}

TEST_F(ldisc, ctrl_c_signals_the_foreground_group)
{
	int ready[2], got[2], status;
	char c = 0;
	pid_t kid;

	set_mode(_metadata, self->slave, true, false, 1, 0);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(got));
	kid = fork();
	ASSERT_GE(kid, 0);
	if (!kid) {
		struct sigaction sa = { .sa_handler = on_sigint };
		int fd;

		sig_pipe = got[1];
		sigaction(SIGINT, &sa, NULL);
		if (setsid() < 0)
			_exit(1);
		fd = open(self->name, O_RDWR);	/* becomes the controlling tty */
		if (fd < 0 || tcgetpgrp(fd) != getpid())
			_exit(2);
		write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(ready[1]);
	close(got[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1)) TH_LOG("the child could not take the tty");
	put(_metadata, self->master, "\x03");
	ASSERT_TRUE(readable(got[0], 2000));
	ASSERT_EQ(1, read(got[0], &c, 1));
	EXPECT_EQ('I', c);
	kill(kid, SIGKILL);
	waitpid(kid, &status, 0);
}

TEST_HARNESS_MAIN
