// SPDX-License-Identifier: GPL-2.0
/*
 * Shim transparency: one N_TTY behaviour suite, run with N_TTY and with
 * portown's shim attached, on two media.  Canonical and raw reads, line
 * editing, echo, VMIN and VTIME, poll, and ^C to the foreground process
 * group must be the same.
 *
 * On a pty pair the line discipline sits on the slave; the test types on
 * the master and reads the echo there.  On the 16550 UART with the test
 * bench's loopback plug (loop_tty()) real bytes cross the 8250: the test
 * writes on the port itself, with raw output, and what it writes comes
 * back as the discipline's input; an echo goes out and comes back too.
 *
 * Runs as root in the test VM.
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

/* under TCG a loopback round trip is slow, and a case starts with a probe */
#define CASE_TIMEOUT	60

FIXTURE(ldisc) {
	int tty;		/* the discipline's terminal: pty slave, or UART */
	int master;		/* the pty's master; -1 on the UART */
	struct termios saved;	/* the UART's settings, put back at the end */
	char name[64];
};

FIXTURE_VARIANT(ldisc) {
	int num;
	bool uart;
};

FIXTURE_VARIANT_ADD(ldisc, n_tty) {
	.num = 0,
};

FIXTURE_VARIANT_ADD(ldisc, shim) {
	.num = SHIM_DEFAULT_NUM,
};

FIXTURE_VARIANT_ADD(ldisc, n_tty_uart) {
	.num = 0,
	.uart = true,
};

FIXTURE_VARIANT_ADD(ldisc, shim_uart) {
	.num = SHIM_DEFAULT_NUM,
	.uart = true,
};

/*
 * The UART: the loopback plug must be in; then the kernel's defaults, as
 * the pty has them, at 115200 baud with raw output (what the test writes
 * leaves as it is), and no echo until a case asks for it.
 */
/* FIXTURE_DATA(ldisc), spelt out */
static void open_uart(struct __test_metadata *_metadata, struct _test_data_ldisc *self)
{
	struct termios t;

	snprintf(self->name, sizeof(self->name), "%s", loop_tty());
	self->tty = open(self->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_GE(self->tty, 0) TH_LOG("%s: %s", self->name, strerror(errno));
	ASSERT_EQ(0, tcgetattr(self->tty, &self->saved));
	ASSERT_TRUE(loop_plugged(self->tty))
		TH_LOG("nothing comes back on %s: is the host's loopback plug in?", self->name);
	ASSERT_EQ(0, std_termios(&t));
	t.c_cflag = CS8 | CREAD | CLOCAL;
	t.c_oflag &= ~OPOST;
	t.c_lflag &= ~ECHO;
	ASSERT_EQ(0, cfsetspeed(&t, B115200));
	ASSERT_EQ(0, tcsetattr(self->tty, TCSANOW, &t));
}

FIXTURE_SETUP(ldisc)
{
	int cur = -1;

	self->master = -1;
	self->tty = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));

	if (variant->uart)
		open_uart(_metadata, self);
	else
		ASSERT_EQ(0, open_pty(&self->master, &self->tty, self->name, sizeof(self->name)));
	ASSERT_EQ(0, ioctl(self->tty, TIOCSETD, &variant->num));
	ASSERT_EQ(0, ioctl(self->tty, TIOCGETD, &cur));
	ASSERT_EQ(variant->num, cur);
}

FIXTURE_TEARDOWN(ldisc)
{
	int ntty = 0, fd;

	if (self->tty >= 0) {
		if (variant->uart)
			uart_quiet(self->tty);	/* an echo may still go round */
		ioctl(self->tty, TIOCSETD, &ntty);
		close(self->tty);
	}
	if (self->master >= 0)
		close(self->master);
	if (variant->uart) {
		/* the port's settings outlive its descriptors: leave them as found */
		fd = open(self->name, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			tcsetattr(fd, TCSANOW, &self->saved);
			close(fd);
		}
	}
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

static void put(struct __test_metadata *_metadata, int fd, const char *s)
{
	ASSERT_EQ((ssize_t)strlen(s), write(fd, s, strlen(s)));
}

/*
 * Type @s at the discipline: on the pty's master; on the UART, out of
 * the port (raw output), whence the loopback plug sends it back as input.
 */
static void type(struct __test_metadata *_metadata, struct _test_data_ldisc *self, const char *s)
{
	if (self->master >= 0) {
		put(_metadata, self->master, s);
		return;
	}
	put(_metadata, self->tty, s);
	ASSERT_EQ(0, tcdrain(self->tty));	/* it has left the UART */
}

/* The tty @fd becomes readable within 10 s, and a read returns just @want. */
static void expect_read(struct __test_metadata *_metadata, int fd, const char *want)
{
	ssize_t n = strlen(want);
	char buf[64] = "";

	ASSERT_TRUE(readable(fd, 10000));
	ASSERT_EQ(n, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, want, n));
}

/*
 * How long input that should not be readable is given to become so: on
 * the UART it has to come back through QEMU and the host first.
 */
static int settle_ms(bool uart)
{
	return uart ? 1000 : 200;
}

TEST_F_TIMEOUT(ldisc, canonical_read_waits_for_the_line, CASE_TIMEOUT)
{
	set_mode(_metadata, self->tty, true, false, 1, 0);
	type(_metadata, self, "ab");
	EXPECT_FALSE(readable(self->tty, settle_ms(variant->uart)));
	type(_metadata, self, "c\n");
	expect_read(_metadata, self->tty, "abc\n");
}

TEST_F_TIMEOUT(ldisc, canonical_line_editing, CASE_TIMEOUT)
{
	struct termios t;
	char in[16];

	set_mode(_metadata, self->tty, true, false, 1, 0);
	ASSERT_EQ(0, tcgetattr(self->tty, &t));
	/* erase one character, kill the line, then a new line */
	snprintf(in, sizeof(in), "ab%cc%cxy\n", t.c_cc[VERASE], t.c_cc[VKILL]);
	type(_metadata, self, in);
	expect_read(_metadata, self->tty, "xy\n");
}

/*
 * The input line "hi\r\n" is echoed as "hi\r\r\n": the carriage return
 * as it is (no ICRNL, no ECHOCTL), the newline as CR LF (ONLCR).  On the
 * pty the echo is read on the master.  On the UART the test writes
 * "hi\n", which leaves as "hi\r\n" (ONLCR) and comes back as the input
 * line; its echo leaves and comes back as the next line, whose echo goes
 * round in turn, until echo is turned off.
 */
TEST_F_TIMEOUT(ldisc, echo_with_output_processing, CASE_TIMEOUT)
{
	char buf[64] = "";
	ssize_t n, strays;
	struct termios t;

	set_mode(_metadata, self->tty, true, true, 1, 0);
	ASSERT_EQ(0, tcgetattr(self->tty, &t));
	t.c_iflag &= ~(ICRNL | INLCR | IGNCR);
	t.c_lflag &= ~ECHOCTL;
	t.c_oflag |= OPOST | ONLCR;
	t.c_oflag &= ~(OCRNL | ONOCR | ONLRET);
	ASSERT_EQ(0, tcsetattr(self->tty, TCSANOW, &t));

	if (!variant->uart) {
		type(_metadata, self, "hi\r\n");
		ASSERT_EQ(5, read_all(self->master, buf, 5, 2000));
		EXPECT_EQ(0, memcmp(buf, "hi\r\r\n", 5));
		return;
	}
	put(_metadata, self->tty, "hi\n");
	/*
	 * On a loaded host the plug may hand back late bytes of the setup's
	 * probes after the setup's flush: they can only come before the line,
	 * in it or, with a newline among them, as lines of their own.
	 */
	for (strays = 0;; strays += n) {
		ASSERT_TRUE(readable(self->tty, 10000));
		n = read(self->tty, buf, sizeof(buf));
		ASSERT_GE(n, 1);
		if (n >= 4 && !memcmp(buf + n - 4, "hi\r\n", 4))
			break;
		ASSERT_LT(strays, 16) TH_LOG("no line \"hi\" among what came back");
	}
	strays += n - 4;
	if (strays)
		TH_LOG("%zd stray bytes before the line", strays);
	ASSERT_TRUE(readable(self->tty, 10000)) TH_LOG("the echo never came back");
	ASSERT_EQ(5, read(self->tty, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hi\r\r\n", 5));
	EXPECT_EQ(0, uart_quiet(self->tty));	/* echo off: the round ends */
}

TEST_F_TIMEOUT(ldisc, raw_vmin_gates_poll_and_read, CASE_TIMEOUT)
{
	set_mode(_metadata, self->tty, false, false, 3, 0);
	type(_metadata, self, "xy");
	/* both bytes are in, one short of VMIN */
	ASSERT_TRUE(await_input(self->tty, 2, 10000));
	EXPECT_FALSE(readable(self->tty, 200));
	type(_metadata, self, "z");
	expect_read(_metadata, self->tty, "xyz");
}

TEST_F_TIMEOUT(ldisc, raw_vtime_times_out, CASE_TIMEOUT)
{
	long long t0, dt;
	char buf[8];

	set_mode(_metadata, self->tty, false, false, 0, 2);	/* 0.2 s */
	t0 = now_ns();
	EXPECT_EQ(0, read(self->tty, buf, sizeof(buf)));
	dt = now_ns() - t0;
	EXPECT_GE(dt, 150000000LL);
	EXPECT_LT(dt, 2000000000LL);

	/* with data in, a read returns it at once */
	type(_metadata, self, "q");
	ASSERT_TRUE(await_input(self->tty, 1, 10000));
	ASSERT_EQ(1, read(self->tty, buf, sizeof(buf)));
	EXPECT_EQ('q', buf[0]);
}

static int sig_pipe = -1;

static void on_sigint(int sig)
{
	char c = 'I';

	write(sig_pipe, &c, 1);
}

TEST_F_TIMEOUT(ldisc, ctrl_c_signals_the_foreground_group, CASE_TIMEOUT)
{
	int ready[2], got[2], status;
	char c = 0;
	pid_t kid;

	set_mode(_metadata, self->tty, true, false, 1, 0);
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
	type(_metadata, self, "\x03");
	ASSERT_TRUE(readable(got[0], 10000));
	ASSERT_EQ(1, read(got[0], &c, 1));
	EXPECT_EQ('I', c);
	kill(kid, SIGKILL);
	waitpid(kid, &status, 0);
}

TEST_HARNESS_MAIN
