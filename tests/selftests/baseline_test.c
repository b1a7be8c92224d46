// SPDX-License-Identifier: GPL-2.0
/*
 * The administrator's baseline: the settings a port is reset to after a
 * hangup, set through PORTOWN_IOC_SET_BASELINE or portownctl, instead of
 * the driver's; and back to the driver's.
 *
 * Runs as root in the test VM, on the 16550 UART at PORTOWN_TTY.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
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

FIXTURE(base) {
	struct agent a, b;
	struct termios saved;
	char sys[96];
	int ctl;
};

FIXTURE_SETUP(base)
{
	const char *name = strrchr(test_tty(), '/') + 1;
	int fd;

	memset(self, 0, sizeof(*self));
	self->ctl = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tcgetattr(fd, &self->saved));
	close(fd);
	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	self->ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->ctl, 0);
	snprintf(self->sys, sizeof(self->sys), "/sys/class/portown/%s", name);
}

FIXTURE_TEARDOWN(base)
{
	int fd;

	agent_kill(&self->a);
	agent_kill(&self->b);
	if (self->ctl >= 0)
		close(self->ctl);
	unload_portown();
	/* the port's settings outlive its descriptors: leave them as found */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		tcsetattr(fd, TCSANOW, &self->saved);
		close(fd);
	}
}

static void by_devt(struct portown_baseline *b)
{
	struct stat st;

	memset(b, 0, sizeof(*b));
	b->size = sizeof(*b);
	b->fd = -1;
	if (!stat(test_tty(), &st)) {
		b->dev_major = major(st.st_rdev);
		b->dev_minor = minor(st.st_rdev);
	}
}

/* 57600 baud, raw, no echo, local: what an administrator might want */
static void raw_57600(struct portown_baseline *b)
{
	b->c_iflag = 0;
	b->c_oflag = 0;
	b->c_cflag = B57600 | CS8 | CREAD | CLOCAL;
	b->c_lflag = 0;
	b->c_cc[VMIN] = 1;
	b->c_ispeed = 57600;
	b->c_ospeed = 57600;
}

static int hang_up(void)
{
	int fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || ioctl(fd, TIOCVHANGUP))
		return -1;
	close(fd);
	return 0;
}

static int settings(struct termios *t)
{
	int fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = tcgetattr(fd, t);
	close(fd);
	return r;
}

/* A user's TIOCEXCL raw 115200 session, hung up; the next user opens. */
/* FIXTURE_DATA(base), spelt out */
static void old_user_hung_up(struct __test_metadata *_metadata, struct _test_data_base *self)
{
	agent_kill(&self->a);
	agent_kill(&self->b);
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "oldterm", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'x'));
	ASSERT_EQ(0, agent_do(&self->a, 's'));
	ASSERT_EQ(0, hang_up());
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->b, 'o'));
}

TEST_F(base, admin_baseline_then_driver_baseline_after_hangups)
{
	struct portown_baseline b;
	struct termios t;
	int fd;

	/* named by a descriptor of it */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	by_devt(&b);
	b.fd = fd;
	raw_57600(&b);
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_BASELINE_ADMIN, b.flags);
	close(fd);

	by_devt(&b);
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_GET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_BASELINE_ADMIN, b.flags);
	EXPECT_EQ(57600, b.c_ospeed);
	EXPECT_EQ(0, b.c_lflag);
	EXPECT_EQ(0, b.c_line);
	EXPECT_TRUE(await_sysfs(self->sys, "baseline", "admin 57600"));

	/* after a hangup the next user gets the administrator's settings */
	old_user_hung_up(_metadata, self);
	ASSERT_EQ(0, settings(&t));
	EXPECT_EQ(B57600, cfgetospeed(&t));
	EXPECT_FALSE(t.c_lflag & ICANON);
	EXPECT_FALSE(t.c_lflag & ECHO);
	EXPECT_TRUE(t.c_cflag & CLOCAL);

	/* back to the driver's */
	by_devt(&b);
	b.flags = PORTOWN_BASELINE_RESET;
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, b.flags);
	by_devt(&b);
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_GET_BASELINE, &b));
	EXPECT_EQ(0, b.flags);
	EXPECT_EQ(9600, b.c_ospeed);
	EXPECT_TRUE(b.c_lflag & ICANON);
	EXPECT_TRUE(await_sysfs(self->sys, "baseline", "driver 9600"));

	old_user_hung_up(_metadata, self);
	ASSERT_EQ(0, settings(&t));
	EXPECT_EQ(B9600, cfgetospeed(&t));
	EXPECT_TRUE(t.c_lflag & ICANON);
	EXPECT_TRUE(t.c_lflag & ECHO);
}

/* The requests on the tty itself, through the shim, name the tty. */
TEST_F(base, baseline_through_the_shim)
{
	struct portown_baseline b;
	int fd, ld = SHIM_DEFAULT_NUM, ntty = 0;

	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ld));

	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.fd = -1;
	raw_57600(&b);
	ASSERT_EQ(0, ioctl(fd, PORTOWN_IOC_SET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.fd = -1;
	ASSERT_EQ(0, ioctl(fd, PORTOWN_IOC_GET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_BASELINE_ADMIN, b.flags);
	EXPECT_EQ(57600, b.c_ospeed);

	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ntty));
	close(fd);
	/* the same record, seen through /dev/portown */
	by_devt(&b);
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_GET_BASELINE, &b));
	EXPECT_EQ(PORTOWN_BASELINE_ADMIN, b.flags);
}

/* Make request @b as uid 1000; return its errno (0: it succeeded). */
static int as_user_set(int ctl, struct portown_baseline *b)
{
	gid_t g = DIALOUT_GID;
	int status;
	pid_t kid;

	kid = fork();
	if (kid < 0)
		return -1;
	if (!kid) {
		if (setgroups(1, &g) || setresgid(USER_UID, USER_UID, USER_UID) ||
		    setresuid(USER_UID, USER_UID, USER_UID))
			_exit(255);
		_exit(ioctl(ctl, PORTOWN_IOC_SET_BASELINE, b) ? errno : 0);
	}
	if (waitpid(kid, &status, 0) != kid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* GET with a structure 8 bytes longer than ours, its tail @tail; errno or 0 */
static int get_with_tail(int ctl, __u64 tail)
{
	struct {
		struct portown_baseline b;
		__u64 tail;
	} big;

	by_devt(&big.b);
	big.b.size = sizeof(big);
	big.tail = tail;
	return ioctl(ctl, PORTOWN_IOC_GET_BASELINE, &big) ? errno : 0;
}

TEST_F(base, bad_baseline_requests_get_exact_errno_and_change_nothing)
{
	struct portown_baseline b;
	int fd;

	/* give the port a record: open it once */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	close(fd);

	by_devt(&b);
	raw_57600(&b);
	EXPECT_EQ(EPERM, as_user_set(self->ctl, &b));

	by_devt(&b);
	raw_57600(&b);
	b.c_line = 29;				/* a discipline that may vanish */
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b));
	EXPECT_EQ(EINVAL, errno);

	by_devt(&b);
	raw_57600(&b);
	b.c_cflag &= ~CBAUD;			/* B0: hang up at every open */
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b));
	EXPECT_EQ(EINVAL, errno);

	by_devt(&b);
	raw_57600(&b);
	b.flags = 1U << 7;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b));
	EXPECT_EQ(EINVAL, errno);

	by_devt(&b);
	raw_57600(&b);
	b.size = 16;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b));
	EXPECT_EQ(EINVAL, errno);

	/* a newer caller's structure: a zero tail is fine, a non-zero one is not */
	EXPECT_EQ(EINVAL, get_with_tail(self->ctl, 1));
	EXPECT_EQ(0, get_with_tail(self->ctl, 0));

	by_devt(&b);
	b.flags = PORTOWN_BASELINE_ADMIN;	/* an output bit, not an input */
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_GET_BASELINE, &b));
	EXPECT_EQ(EINVAL, errno);

	by_devt(&b);
	b.dev_major = 4095;			/* no such tty, no record */
	raw_57600(&b);
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b));
	EXPECT_EQ(ENODEV, errno);

	/* nothing changed */
	by_devt(&b);
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_GET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, b.flags);
	EXPECT_EQ(9600, b.c_ospeed);

	/* the speeds are those of c_cflag, as with TCSETS2 */
	by_devt(&b);
	raw_57600(&b);
	b.c_ispeed = 300;
	b.c_ospeed = 300;
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_SET_BASELINE, &b)) TH_LOG("%s", strerror(errno));
	by_devt(&b);
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_GET_BASELINE, &b));
	EXPECT_EQ(57600, b.c_ospeed);
	EXPECT_EQ(57600, b.c_ispeed);
}

TEST_F(base, portownctl_saves_the_current_settings_as_baseline)
{
	const char *name = strrchr(test_tty(), '/') + 1;
	char cmd[160], out[1024];
	struct termios t;
	int fd;

	/* the administrator configures the port as wanted, with stty ... */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tcgetattr(fd, &t));
	cfmakeraw(&t);
	cfsetspeed(&t, B38400);
	t.c_cflag |= CLOCAL;
	ASSERT_EQ(0, tcsetattr(fd, TCSANOW, &t));

	/* ... and saves that, while the port is still open */
	snprintf(cmd, sizeof(cmd), "portownctl baseline %s --set 2>&1", name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "set by the administrator: 38400 baud, -icanon -echo"))
		TH_LOG("%s", out);
	close(fd);
	snprintf(cmd, sizeof(cmd), "portownctl --json baseline %s 2>&1", name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"source\":\"admin\",\"ispeed\":38400,\"ospeed\":38400"))
		TH_LOG("%s", out);

	old_user_hung_up(_metadata, self);
	ASSERT_EQ(0, settings(&t));
	EXPECT_EQ(B38400, cfgetospeed(&t));
	EXPECT_FALSE(t.c_lflag & ICANON);

	snprintf(cmd, sizeof(cmd), "portownctl baseline %s --set --reset 2>&1", name);
	EXPECT_EQ(1, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "portownctl baseline %s --reset 2>&1", name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "of the driver: 9600 baud, icanon echo"))
		TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd),
		 "su user -s /bin/sh -c '/portown/bin/portownctl baseline %s --set' 2>&1", name);
	EXPECT_NE(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "Operation not permitted")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
