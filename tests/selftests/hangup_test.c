// SPDX-License-Identifier: GPL-2.0
/*
 * The hangup guarantee: after a hangup a port is usable again.
 *
 * The stock failure: a user's program (uid 1000) holds the UART with
 * TIOCEXCL and its own settings; the port is hung up; the program keeps
 * its dead descriptor.  The hangup does not clear TTY_EXCLUSIVE, so every
 * unprivileged opener gets EBUSY for as long as the dead descriptor
 * lives, and the next user inherits the old settings.  Each trigger is
 * run without portown (the failure must show) and with it (it must not).
 *
 * Runs as root in the test VM, on the 16550 UART at PORTOWN_TTY.
 */
#define _GNU_SOURCE
#define PORTOWN_HISTORY_MAX	32
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portown_test.h"

enum trigger { TIOCVHANGUP_IOCTL, VHANGUP_SYSCALL, SESSION_EXIT, DCD_DROP };

FIXTURE(hup) {
	struct agent a, b;
	const char *tty;
	char sys[96];
};

/*
 * Carrier loss is real: the 16550s on the test bench's PCI card (ttyS4,
 * ttyS5) are QEMU's, whose modem lines the host can drop once per boot
 * (host_request()), so each DCD variant has a UART of its own.
 */
FIXTURE_VARIANT(hup) {
	bool module;
	enum trigger trigger;
	const char *tty;	/* NULL: test_tty() */
	const char *line;	/* the host bench's name for its modem lines */
};

FIXTURE_VARIANT_ADD(hup, tiocvhangup_stock) { .module = false, .trigger = TIOCVHANGUP_IOCTL };
FIXTURE_VARIANT_ADD(hup, tiocvhangup_portown) { .module = true, .trigger = TIOCVHANGUP_IOCTL };
FIXTURE_VARIANT_ADD(hup, vhangup_stock) { .module = false, .trigger = VHANGUP_SYSCALL };
FIXTURE_VARIANT_ADD(hup, vhangup_portown) { .module = true, .trigger = VHANGUP_SYSCALL };
FIXTURE_VARIANT_ADD(hup, session_exit_stock) { .module = false, .trigger = SESSION_EXIT };
FIXTURE_VARIANT_ADD(hup, session_exit_portown) { .module = true, .trigger = SESSION_EXIT };
FIXTURE_VARIANT_ADD(hup, dcd_drop_stock) {
	.module = false, .trigger = DCD_DROP, .tty = "/dev/ttyS4", .line = "dcd0",
};

FIXTURE_VARIANT_ADD(hup, dcd_drop_portown) {
	.module = true, .trigger = DCD_DROP, .tty = "/dev/ttyS5", .line = "dcd1",
};

FIXTURE_SETUP(hup)
{
	char path[64];

	memset(self, 0, sizeof(*self));
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_FALSE(module_loaded("portown"));
	if (variant->module)
		ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	self->tty = variant->tty ?: test_tty();
	snprintf(path, sizeof(path), "%s", self->tty);
	snprintf(self->sys, sizeof(self->sys), "/sys/class/portown/%s",
		 strrchr(path, '/') + 1);
}

FIXTURE_TEARDOWN(hup)
{
	agent_kill(&self->a);
	agent_kill(&self->b);
	unload_portown();
}

/*
 * Carrier loss: the port watches DCD (CLOCAL off, set by root, as a
 * dialer does once connected); the host drops the modem lines; the 8250
 * driver sees DCD fall and hangs the tty up.  Root's own descriptor
 * tells when: poll() on a hung-up descriptor reports POLLHUP.
 */
static int drop_carrier(const char *tty, const char *line)
{
	struct pollfd p = { .events = POLLIN };
	struct termios t;
	char req[64];
	int fd, i, r = -1;

	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &t))
		goto out;
	t.c_cflag &= ~CLOCAL;
	if (tcsetattr(fd, TCSANOW, &t))
		goto out;
	snprintf(req, sizeof(req), "dcd-drop %s", line);
	if (host_request(req))
		goto out;
	p.fd = fd;
	for (i = 0; i < 1000; i++) {	/* 10 s */
		if (poll(&p, 1, 10) > 0 && (p.revents & POLLHUP)) {
			r = 0;
			break;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* Hang the port up as root, by @t. */
static int hang_up(const char *tty, enum trigger t, const char *line)
{
	int fd, status;
	pid_t kid;

	if (t == DCD_DROP)
		return drop_carrier(tty, line);
	if (t == TIOCVHANGUP_IOCTL) {
		fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TIOCVHANGUP))
			return -1;
		close(fd);
		return 0;
	}
	/*
	 * vhangup(2): a session leader hangs up its controlling terminal;
	 * or it exits, and the kernel hangs the terminal up for it.
	 */
	kid = fork();
	if (kid < 0)
		return -1;
	if (!kid) {
		signal(SIGHUP, SIG_IGN);	/* the hangup signals its session */
		if (setsid() < 0)
			_exit(1);
		fd = open(tty, O_RDWR | O_NONBLOCK);
		if (fd < 0)
			_exit(2);
		if (ioctl(fd, TIOCSCTTY, 1))
			_exit(10 + errno);
		if (t == SESSION_EXIT)
			_exit(0);
		_exit(vhangup() ? 100 + errno : 0);
	}
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status))
		return -1;
	return -WEXITSTATUS(status);
}

/*
 * Is there a reinit in @tty's history naming @pid as the owner whose
 * settings were reset, with @flags (PORTOWN_ID_EXCL: and whose exclusive
 * flag was cleared)?  The event in *@found.
 */
static bool reinit_of(const char *tty, pid_t pid, __u32 flags, struct portown_event *found)
{
	struct portown_event ev[PORTOWN_HISTORY_MAX];
	struct portown_history h = { .size = sizeof(h), .fd = -1 };
	struct stat st;
	bool ok = false;
	unsigned int i;
	int ctl;

	ctl = open("/dev/portown", O_RDONLY | O_CLOEXEC);
	if (ctl < 0 || stat(tty, &st))
		goto out;
	h.dev_major = major(st.st_rdev);
	h.dev_minor = minor(st.st_rdev);
	h.count = PORTOWN_HISTORY_MAX;
	h.entry_size = sizeof(ev[0]);
	h.events = (unsigned long)ev;
	if (ioctl(ctl, PORTOWN_IOC_HISTORY, &h))
		goto out;
	for (i = 0; i < h.count && i < PORTOWN_HISTORY_MAX; i++) {
		if (ev[i].type == PORTOWN_EV_REINIT && ev[i].who.pid == pid &&
		    (ev[i].who.flags & flags) == flags) {
			*found = ev[i];
			ok = true;
		}
	}
out:
	if (ctl >= 0)
		close(ctl);
	return ok;
}

TEST_F(hup, next_user_gets_the_port_with_baseline_settings)
{
	struct portown_event ev;
	char buf[32], path[160];
	struct termios t;
	int fd, i, r;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "oldterm", self->tty));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'x'));		/* TIOCEXCL */
	ASSERT_EQ(0, agent_do(&self->a, 's'));		/* raw, 115200 */

	r = hang_up(self->tty, variant->trigger, variant->line);
	ASSERT_EQ(0, r) TH_LOG("hangup failed: %d", r);
	/* the old user keeps its dead descriptor */

	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "dialer", self->tty));
	r = agent_do(&self->b, 'o');
	if (!variant->module) {
		/* the stock failure, reproduced */
		EXPECT_EQ(EBUSY, r);
		return;
	}
	EXPECT_EQ(0, r) TH_LOG("next opener: %s", strerror(r));

	/* the settings are the driver's, not the old user's */
	fd = open(self->tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tcgetattr(fd, &t));
	EXPECT_EQ(B9600, cfgetospeed(&t));
	EXPECT_TRUE(t.c_lflag & ICANON);
	EXPECT_TRUE(t.c_lflag & ECHO);
	EXPECT_TRUE(t.c_cflag & CLOCAL);
	close(fd);

	snprintf(path, sizeof(path), "%s/reinits", self->sys);
	for (i = 0; i < 100; i++) {
		if (!read_text(path, buf, sizeof(buf)) && atoi(buf) >= 1)
			break;
		sleep_ms(10);
	}
	EXPECT_LT(i, 100) TH_LOG("reinits never counted");
	/* the reinit names the old user, whose TIOCEXCL was cleared */
	EXPECT_TRUE(reinit_of(self->tty, self->a.pid, PORTOWN_ID_EXCL, &ev));

	/* the old user's dead descriptor is still there: hung up, not closed */
	agent_kill(&self->b);
	snprintf(path, sizeof(path), "%s/state", self->sys);
	ASSERT_EQ(0, read_text(path, buf, sizeof(buf)));
	EXPECT_STREQ("hungup", buf);
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(0, read_text(path, buf, sizeof(buf)));
	EXPECT_STREQ("closed", buf);
}

/* --- real programs as holders, on the loopback UART --------------------- */

/*
 * The same story with Debian's own programs, which never heard of
 * portown, holding the UART with the test bench's loopback plug (ttyS7)
 * as a uid-1000 user would: picocom in a terminal of its own, and socat
 * with TIOCEXCL (socat 1.7.4 has no option for it: ioctl-void=0x540C)
 * and ignoreeof, so that it keeps its dead descriptor after the hangup,
 * as a stuck program does.  That each really holds the port is shown by
 * bytes: what the test gives it to send crosses the 8250, comes back
 * through the plug and out of the program again; and, with portown, by
 * the port's record, which names it.  The port is hung up with
 * TIOCVHANGUP from root.
 */
enum holder_prog { PICOCOM, SOCAT_TIOCEXCL };

FIXTURE(real_holder) {
	struct agent next;	/* the next user */
	pid_t holder;
	int in, out;		/* what the holder reads (sends) and writes (got) */
	const char *tty;
	char sys[96];
};

FIXTURE_VARIANT(real_holder) {
	bool module;
	enum holder_prog prog;
	const char *comm;
};

FIXTURE_VARIANT_ADD(real_holder, picocom_stock) {
	.module = false, .prog = PICOCOM, .comm = "picocom",
};

FIXTURE_VARIANT_ADD(real_holder, picocom_portown) {
	.module = true, .prog = PICOCOM, .comm = "picocom",
};

FIXTURE_VARIANT_ADD(real_holder, socat_tiocexcl_stock) {
	.module = false, .prog = SOCAT_TIOCEXCL, .comm = "socat",
};

FIXTURE_VARIANT_ADD(real_holder, socat_tiocexcl_portown) {
	.module = true, .prog = SOCAT_TIOCEXCL, .comm = "socat",
};

FIXTURE_SETUP(real_holder)
{
	struct termios t;
	int fd;

	memset(self, 0, sizeof(*self));
	self->in = -1;
	self->out = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_FALSE(module_loaded("portown"));
	self->tty = loop_tty();
	snprintf(self->sys, sizeof(self->sys), "/sys/class/portown/%s",
		 strrchr(self->tty, '/') + 1);

	/* the plug is in; the port as its driver leaves it: 9600 baud, cooked */
	fd = open(self->tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("%s: %s", self->tty, strerror(errno));
	ASSERT_TRUE(loop_plugged(fd))
		TH_LOG("nothing comes back on %s: is the host's loopback plug in?", self->tty);
	ASSERT_EQ(0, uart_defaults(&t));
	ASSERT_EQ(0, tcsetattr(fd, TCSANOW, &t));
	close(fd);

	if (variant->module)
		ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
}

FIXTURE_TEARDOWN(real_holder)
{
	agent_kill(&self->next);
	if (self->holder > 0) {
		kill(self->holder, SIGKILL);
		waitpid(self->holder, NULL, 0);
	}
	if (self->out >= 0 && self->out != self->in)
		close(self->out);
	if (self->in >= 0)
		close(self->in);
	unload_portown();
}

/*
 * picocom -b 115200 on @tty as uid 1000, in a terminal of its own: a pty
 * whose master is *@term.  The terminal is raw from the start: a pty that
 * echoed what is typed before picocom set it up would pass for picocom.
 */
static pid_t start_picocom(const char *tty, int *term)
{
	int master, slave;
	struct termios t;
	char name[64];
	pid_t pid;

	if (open_pty(&master, &slave, name, sizeof(name)) || tcgetattr(slave, &t))
		return -1;
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0))
			_exit(2);
		if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
			_exit(2);
		close_range(3, ~0U, 0);		/* the results channel, too */
		if (become(USER_UID))
			_exit(3);
		execl("/usr/bin/picocom", "picocom", "-q", "-b", "115200", tty, NULL);
		_exit(127);
	}
	close(slave);
	*term = master;
	return pid;
}

/*
 * socat between a pair of pipes (*@in, what it sends; *@out, what it got)
 * and @tty, raw at 115200 baud, as uid 1000: TIOCEXCL once the port is
 * open; the end of file a hung-up port reads ignored.
 */
static pid_t start_socat(const char *tty, int *in, int *out)
{
	int to[2], from[2];
	char addr[160];
	pid_t pid;

	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (dup2(to[0], 0) < 0 || dup2(from[1], 1) < 0)
			_exit(2);
		close_range(3, ~0U, 0);
		if (become(USER_UID))
			_exit(3);
		snprintf(addr, sizeof(addr), "%s,cfmakeraw,b115200,ioctl-void=0x%x,ignoreeof",
			 tty, TIOCEXCL);
		execl("/usr/bin/socat", "socat", "STDIO", addr, NULL);
		_exit(127);
	}
	close(to[0]);
	close(from[1]);
	*in = to[1];
	*out = from[0];
	return pid;
}

/* Read from @fd until @want has come, or nothing did for @ms. */
static bool await_text(int fd, const char *want, int ms)
{
	char buf[512];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(buf) - 1 && readable(fd, ms)) {
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += n;
		buf[got] = '\0';
		if (strstr(buf, want))
			return true;
	}
	return false;
}

/* Wait up to @ms for child @pid to end. */
static bool await_exit(pid_t pid, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return true;
		sleep_ms(10);
	}
	return waitpid(pid, NULL, WNOHANG) == pid;
}

/* Root's look at @tty's settings. */
static int settings_of(const char *tty, struct termios *t)
{
	int fd, r;

	fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = tcgetattr(fd, t);
	close(fd);
	return r;
}

TEST_F_TIMEOUT(real_holder, next_user_gets_the_port_with_baseline_settings, 120)
{
	struct portown_info info;
	struct portown_event ev;
	struct termios t;
	bool back, excl = variant->prog == SOCAT_TIOCEXCL;
	char buf[32], path[160];
	struct stat st;
	int fd, ctl, r, i;
	pid_t holder;

	if (excl) {
		self->holder = start_socat(self->tty, &self->in, &self->out);
	} else {
		self->holder = start_picocom(self->tty, &self->in);
		self->out = self->in;
	}
	ASSERT_GT(self->holder, 0);
	holder = self->holder;

	/*
	 * It works the port: what it sends comes back through the plug.
	 * picocom flushes its terminal's input as it sets it up: until it
	 * is ready, what is typed is lost, so it is typed again each second.
	 */
	for (i = 0, back = false; i < 20 && !back; i++) {
		ASSERT_EQ(4, write(self->in, "ping", 4));
		back = await_text(self->out, "ping", 1000);
	}
	ASSERT_TRUE(back)
		TH_LOG("%s sent nothing through %s, or got nothing back", variant->comm, self->tty);
	while (readable(self->out, 500) && read(self->out, buf, sizeof(buf)) > 0)
		;
	/* with its settings */
	ASSERT_EQ(0, settings_of(self->tty, &t));
	EXPECT_EQ(B115200, cfgetospeed(&t));
	EXPECT_FALSE(t.c_lflag & (ICANON | ECHO));
	if (variant->module) {
		ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
		ASSERT_GE(ctl, 0);
		ASSERT_EQ(0, stat(self->tty, &st));
		ASSERT_EQ(0, info_by_devt(ctl, st.st_rdev, &info));
		close(ctl);
		EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
		EXPECT_EQ(holder, info.owner.pid);
		EXPECT_EQ(USER_UID, info.owner.uid);
		EXPECT_STREQ(variant->comm, info.owner.comm);
	}
	/* TIOCEXCL: the next user is refused while socat holds the port */
	ASSERT_EQ(0, agent_start(&self->next, USER_UID, "dialer", self->tty));
	if (excl)
		EXPECT_EQ(EBUSY, agent_do(&self->next, 'o'));

	r = hang_up(self->tty, TIOCVHANGUP_IOCTL, NULL);
	ASSERT_EQ(0, r) TH_LOG("hangup failed: %d", r);
	snprintf(path, sizeof(path), "%s/state", self->sys);
	if (excl) {
		/* socat ignores the end of file: it keeps its dead descriptor */
		sleep_ms(500);
		ASSERT_EQ(0, waitpid(holder, NULL, WNOHANG)) TH_LOG("socat is gone");
		if (variant->module) {
			ASSERT_EQ(0, read_text(path, buf, sizeof(buf)));
			EXPECT_STREQ("hungup", buf);
		}
	} else {
		/* picocom reads nothing from the hung-up port, and exits */
		ASSERT_TRUE(await_exit(holder, 10000)) TH_LOG("picocom did not exit");
		self->holder = 0;
	}

	r = agent_do(&self->next, 'o');
	ASSERT_EQ(0, settings_of(self->tty, &t));
	if (!variant->module) {
		/* the stock failures, reproduced */
		if (excl) {
			EXPECT_EQ(EBUSY, r);
		} else {
			/* picocom's raw 115200 outlives it */
			EXPECT_EQ(0, r);
			EXPECT_EQ(B115200, cfgetospeed(&t));
			EXPECT_FALSE(t.c_lflag & ICANON);
		}
		return;
	}
	EXPECT_EQ(0, r) TH_LOG("next opener: %s", strerror(r));
	if (excl)
		EXPECT_EQ(0, waitpid(holder, NULL, WNOHANG));	/* while it held on */
	/* the driver's settings, not the holder's */
	EXPECT_EQ(B9600, cfgetospeed(&t));
	EXPECT_TRUE(t.c_lflag & ICANON);
	EXPECT_TRUE(t.c_lflag & ECHO);
	EXPECT_TRUE(t.c_cflag & CLOCAL);

	/* the reinit names the holder, and the TIOCEXCL it cleared */
	for (i = 0; i < 300 && !reinit_of(self->tty, holder, 0, &ev); i++)
		sleep_ms(10);
	ASSERT_LT(i, 300) TH_LOG("no reinit naming %s", variant->comm);
	EXPECT_STREQ(variant->comm, ev.who.comm);
	EXPECT_EQ(USER_UID, ev.who.uid);
	EXPECT_EQ(excl, !!(ev.who.flags & PORTOWN_ID_EXCL));

	/* and the port works: bytes cross it again */
	fd = open(self->tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, uart_raw(fd));
	ASSERT_EQ(4, write(fd, "pong", 4));
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, read_all(fd, buf, 4, 10000));
	EXPECT_STREQ("pong", buf);
	uart_quiet(fd);
	close(fd);
}

/*
 * Unload never strands a port: a c_line naming the shim must not survive
 * the module, or the next hangup or open would ask for a discipline that
 * no longer exists.
 */
TEST(unload_after_hangup_with_the_shim_attached)
{
	int fd, dead, ld = SHIM_DEFAULT_NUM, cur = -1;

	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	dead = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(dead, 0);
	ASSERT_EQ(0, ioctl(dead, TIOCSETD, &ld));
	ASSERT_EQ(0, ioctl(dead, TIOCVHANGUP));
	/* the hangup let go of the shim: the module can go */
	unload_portown();
	ASSERT_FALSE(module_loaded("portown"));

	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("reopen after unload: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(fd, TIOCGETD, &cur));
	EXPECT_EQ(0, cur);
	close(fd);
	close(dead);
}

TEST(unload_after_last_close_with_the_shim_attached)
{
	int fd, dead, ld = SHIM_DEFAULT_NUM, cur = -1;

	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ld));
	close(fd);		/* the tty is freed; its settings are saved */
	unload_portown();
	ASSERT_FALSE(module_loaded("portown"));

	/*
	 * After a hangup, an open of the still-open tty makes the tty core
	 * reopen the discipline c_line names.
	 */
	dead = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(dead, 0);
	ASSERT_EQ(0, ioctl(dead, TIOCVHANGUP));
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("reopen after hangup: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(fd, TIOCGETD, &cur));
	EXPECT_EQ(0, cur);
	close(fd);
	close(dead);
}

/* The old user closes right after the hangup: its settings still go. */
TEST(settings_reset_when_the_holder_closes_at_once)
{
	struct agent a = {};
	struct termios t;
	int fd, dead;

	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	ASSERT_EQ(0, agent_start(&a, USER_UID, "oldterm", test_tty()));
	ASSERT_EQ(0, agent_do(&a, 'o'));
	ASSERT_EQ(0, agent_do(&a, 's'));		/* raw, 115200 */
	dead = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(dead, 0);
	ASSERT_EQ(0, ioctl(dead, TIOCVHANGUP));
	close(dead);
	EXPECT_EQ(0, agent_do(&a, 'c'));		/* the last close */
	agent_kill(&a);

	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tcgetattr(fd, &t));
	EXPECT_EQ(B9600, cfgetospeed(&t));
	EXPECT_TRUE(t.c_lflag & ICANON);
	close(fd);
	unload_portown();
}

/*
 * Many hangups while another user keeps opening the port: the port is
 * never left unusable and the counters add up.
 */
/*
 * A pty master's close hangs its slave up (track=all follows ptys): the
 * hangup is seen, the exclusive bit of the slave's holder is cleared and
 * the slave is reinitialised.
 */
TEST(pty_master_close_hangs_up_the_slave)
{
	struct portown_info info = { .size = sizeof(info) };
	int master, slave, ctl, i, excl = -1;
	char name[64], buf[32];

	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), "track=all"));
	ASSERT_EQ(0, open_pty(&master, &slave, name, sizeof(name)));
	ASSERT_EQ(0, ioctl(slave, TIOCEXCL));
	ASSERT_EQ(0, ioctl(slave, TIOCGEXCL, &excl));
	ASSERT_EQ(1, excl);

	close(master);
	/* the slave's holder sees the hangup: reads end */
	EXPECT_EQ(0, read(slave, buf, sizeof(buf)) > 0);
	EXPECT_EQ(-1, ioctl(slave, TIOCGEXCL, &excl));	/* hung up: EIO */

	/* ptys have no class device, so no sysfs directory: ask the ioctl */
	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	info.fd = slave;
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ioctl(ctl, PORTOWN_IOC_INFO, &info));
		if (info.counters.reinits)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ(PORTOWN_STATE_HUNGUP, info.state);
	EXPECT_EQ(1, info.counters.hangups);
	EXPECT_EQ(1, info.counters.reinits);
	close(ctl);
	close(slave);
	unload_portown();
}

/* --- the reconciler, with tap events dropped on purpose ----------------- */

static int port_info(int ctl, struct portown_info *info)
{
	struct stat st;

	if (stat(test_tty(), &st))
		return -1;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = -1;
	info->dev_major = major(st.st_rdev);
	info->dev_minor = minor(st.st_rdev);
	return ioctl(ctl, PORTOWN_IOC_INFO, info);
}

/* Wait up to 3 s (the reconciler's period is 1 s) for @state. */
static bool await_state(int ctl, unsigned int state, struct portown_info *info)
{
	int i;

	for (i = 0; i < 300; i++) {
		if (!port_info(ctl, info) && info->state == state)
			return true;
		sleep_ms(10);
	}
	return false;
}

TEST(missed_events_are_repaired_and_the_port_never_stays_unusable)
{
	struct portown_info info;
	struct agent a = {}, b = {};
	int ctl, fd, r, i;
	__u64 repairs;

	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);

	/* a port portown has seen once */
	ASSERT_EQ(0, agent_start(&a, USER_UID, "lostopen", test_tty()));
	ASSERT_EQ(0, agent_do(&a, 'o'));
	ASSERT_EQ(0, agent_do(&a, 'c'));
	ASSERT_EQ(0, port_info(ctl, &info));
	ASSERT_EQ(PORTOWN_STATE_CLOSED, info.state);

	/* a missed open */
	ASSERT_EQ(0, inject_drops(1));
	ASSERT_EQ(0, agent_do(&a, 'o'));
	ASSERT_EQ(0, port_info(ctl, &info));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);	/* the tap missed it */
	ASSERT_TRUE(await_state(ctl, PORTOWN_STATE_OPEN, &info));
	EXPECT_EQ(a.pid, info.owner.pid);
	EXPECT_STREQ("lostopen", info.owner.comm);
	EXPECT_GE(info.counters.repairs, 1);
	repairs = info.counters.repairs;

	/* a missed close */
	ASSERT_EQ(0, inject_drops(1));
	ASSERT_EQ(0, agent_do(&a, 'c'));
	ASSERT_EQ(0, port_info(ctl, &info));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	ASSERT_TRUE(await_state(ctl, PORTOWN_STATE_CLOSED, &info));
	EXPECT_GT(info.counters.repairs, repairs);
	repairs = info.counters.repairs;

	/* a missed hangup of a port held with TIOCEXCL */
	ASSERT_EQ(0, agent_do(&a, 'o'));
	ASSERT_EQ(0, agent_do(&a, 'x'));
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, inject_drops(1));
	ASSERT_EQ(0, ioctl(fd, TIOCVHANGUP));
	close(fd);
	ASSERT_EQ(0, agent_start(&b, USER_UID, "dialer", test_tty()));
	r = agent_do(&b, 'o');
	EXPECT_EQ(EBUSY, r);		/* the stock failure, for now */
	for (i = 0; i < 30 && r == EBUSY; i++) {
		sleep_ms(100);
		r = agent_do(&b, 'o');
	}
	EXPECT_EQ(0, r) TH_LOG("the port stayed unusable: %s", strerror(r));
	ASSERT_EQ(0, port_info(ctl, &info));
	EXPECT_GT(info.counters.repairs, repairs);
	EXPECT_GE(info.counters.reinits, 1);
	EXPECT_EQ(0, info.counters.hangups);		/* it was never seen */

	agent_kill(&a);
	agent_kill(&b);
	close(ctl);
	unload_portown();
}

FIXTURE(stress) {
	int unused;
};

FIXTURE_SETUP(stress)
{
	if (geteuid())
		SKIP(return, "needs root to load modules");
}

FIXTURE_TEARDOWN(stress)
{
	unload_portown();
}

/* ten minutes: the debug kernel under TCG is slow */
TEST_F_TIMEOUT(stress, hangup_cycles_with_concurrent_opener, 600)
{
	int n = atoi(env_or("PORTOWN_HANGUP_CYCLES", "10000"));
	long long opens, closes, hangups, reinits;
	char path[128], buf[32], base[32];
	int i, fd, stop[2], status;
	pid_t opener;

	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), ""));
	snprintf(path, sizeof(path), "%s", test_tty());
	snprintf(base, sizeof(base), "%s", strrchr(path, '/') + 1);

	ASSERT_EQ(0, pipe(stop));
	opener = fork();
	ASSERT_GE(opener, 0);
	if (!opener) {
		gid_t g = DIALOUT_GID;
		char c;

		close(stop[1]);
		fcntl(stop[0], F_SETFL, O_NONBLOCK);
		if (setgroups(1, &g) || setresgid(USER_UID, USER_UID, USER_UID) ||
		    setresuid(USER_UID, USER_UID, USER_UID))
			_exit(2);
		while (read(stop[0], &c, 1) < 0) {
			int f = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK);

			if (f >= 0)
				close(f);
		}
		/* the last word: the port must be usable now */
		fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK);
		_exit(fd < 0 ? 10 + errno : 0);
	}
	close(stop[0]);
	for (i = 0; i < n; i++) {
		fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_GE(fd, 0) TH_LOG("cycle %d: %s", i, strerror(errno));
		ASSERT_EQ(0, ioctl(fd, TIOCEXCL));
		ASSERT_EQ(0, ioctl(fd, TIOCVHANGUP));
		close(fd);
	}
	ASSERT_EQ(1, write(stop[1], "s", 1));
	ASSERT_EQ(opener, waitpid(opener, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the port was left unusable");

#define COUNTER(name, v) do {							\
		snprintf(path, sizeof(path), "/sys/class/portown/%s/" name, base);	\
		ASSERT_EQ(0, read_text(path, buf, sizeof(buf)));		\
		v = atoll(buf);							\
	} while (0)
	/* reinitialisations are queued: let them finish */
	sleep_ms(500);
	COUNTER("opens", opens);
	COUNTER("closes", closes);
	COUNTER("hangups", hangups);
	COUNTER("reinits", reinits);
	snprintf(path, sizeof(path), "/sys/class/portown/%s/state", base);
	ASSERT_EQ(0, read_text(path, buf, sizeof(buf)));
	EXPECT_STREQ("closed", buf);
	EXPECT_EQ(n, hangups);
	EXPECT_EQ(opens, closes);
	EXPECT_GE(opens, n);
	EXPECT_GT(reinits, 0);
	EXPECT_LE(reinits, hangups);
	printf("# %d hangups: %lld opens, %lld closes, %lld reinits\n", n, opens, closes,
	       reinits);
	unload_portown();
}

TEST_HARNESS_MAIN
