// SPDX-License-Identifier: GPL-2.0
/*
 * portown ownership: who holds a port, as the ioctls, sysfs and portownctl
 * tell it; claims and their end; WAIT; identity across pid namespaces and
 * pid reuse; ports open before the module loaded; bad input.
 *
 * Holders are "agents": child processes, by default of uid 1000 in group
 * dialout, that never heard of portown and open the UART with plain
 * open(2), driven over a pipe.  Runs as root in the test VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/portown.h>

#include "kselftest_harness.h"
#include "portown_test.h"

/* --- the port ---------------------------------------------------------- */

FIXTURE(own) {
	int ctl;
	unsigned int major, minor;
	char name[32];
	char sys[96];
	struct agent a, b, c;
	pid_t extra, extra2;
};

FIXTURE_SETUP(own)
{
	char path[64];
	struct stat st;

	memset(self, 0, sizeof(*self));
	self->ctl = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	/* a test that failed half-way may have left a user of the module */
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	self->ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->ctl, 0);
	/* every test here needs the tap, not the reduced mode */
	ASSERT_EQ(0, read_text("/sys/class/portown/tap", path, sizeof(path)));
	ASSERT_STREQ("active", path);
	ASSERT_EQ(0, stat(test_tty(), &st));
	self->major = major(st.st_rdev);
	self->minor = minor(st.st_rdev);
	snprintf(path, sizeof(path), "%s", test_tty());
	snprintf(self->name, sizeof(self->name), "%s", basename(path));
	snprintf(self->sys, sizeof(self->sys), "/sys/class/portown/%s", self->name);
}

FIXTURE_TEARDOWN(own)
{
	int i;

	agent_kill(&self->a);
	agent_kill(&self->b);
	agent_kill(&self->c);
	if (self->extra2 > 0)
		kill(self->extra2, SIGKILL);
	if (self->extra > 0) {
		char proc[32];

		kill(self->extra, SIGKILL);
		if (waitpid(self->extra, NULL, 0) < 0) {	/* not our child */
			snprintf(proc, sizeof(proc), "/proc/%d/fd", self->extra);
			for (i = 0; i < 100 && exists(proc); i++)
				sleep_ms(20);
		}
	}
	if (self->ctl >= 0)
		close(self->ctl);
	unload_portown();
}

static int info_of(struct _test_data_own *self, struct portown_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = -1;
	info->dev_major = self->major;
	info->dev_minor = self->minor;
	return ioctl(self->ctl, PORTOWN_IOC_INFO, info);
}

static int holders_of(struct _test_data_own *self, struct portown_ident *ids, unsigned int n)
{
	struct portown_holders h = {
		.size = sizeof(h), .fd = -1,
		.dev_major = self->major, .dev_minor = self->minor,
		.count = n, .entry_size = sizeof(*ids),
		.holders = (unsigned long)ids,
	};

	if (ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h))
		return -1;
	return h.count;
}

/* The newest event of the port's history, in @ev; 0 or -1. */
static int last_event(struct _test_data_own *self, struct portown_event *ev)
{
	struct portown_event evs[32];
	struct portown_history h = {
		.size = sizeof(h), .fd = -1,
		.dev_major = self->major, .dev_minor = self->minor,
		.count = 32, .entry_size = sizeof(evs[0]),
		.events = (unsigned long)evs,
	};

	if (ioctl(self->ctl, PORTOWN_IOC_HISTORY, &h) || !h.count)
		return -1;
	*ev = evs[(h.count < 32 ? h.count : 32) - 1];
	return 0;
}

static int sysfs_read(struct _test_data_own *self, const char *attr, char *buf, size_t len)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", self->sys, attr);
	if (!wait_for_path(path, 2000))
		return -1;
	return read_text(path, buf, len);
}

static long long sysfs_num(struct _test_data_own *self, const char *attr)
{
	char buf[64];

	if (sysfs_read(self, attr, buf, sizeof(buf)))
		return -1;
	return atoll(buf);
}

static int open_port(void)
{
	return open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

static int claim_fd(int ctl, int fd, struct portown_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = fd;
	return ioctl(ctl, PORTOWN_IOC_CLAIM, info);
}

/* --- who holds the port ------------------------------------------------ */

TEST_F(own, plain_holder_named_by_ioctl_and_sysfs)
{
	struct portown_ident ids[4];
	struct portown_info info;
	char buf[256], want[64], link[160], *base;
	long long t0, t1;
	ssize_t n;

	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);

	t0 = now_ns();
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	t1 = now_ns();

	ASSERT_EQ(0, info_of(self, &info)) TH_LOG("INFO: %s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(1, info.nr_holders);
	EXPECT_EQ(self->a.pid, info.owner.pid);
	EXPECT_EQ(USER_UID, info.owner.uid);
	EXPECT_STREQ("holdprog", info.owner.comm);
	EXPECT_STREQ(self->name, info.name);
	EXPECT_GE((long long)info.owner.since_ns, t0);
	EXPECT_LE((long long)info.owner.since_ns, t1);
	EXPECT_EQ(0, info.owner.flags & PORTOWN_ID_CLAIMER);
	EXPECT_EQ(1, info.counters.opens);

	ASSERT_EQ(1, holders_of(self, ids, 4));
	EXPECT_EQ(self->a.pid, ids[0].pid);
	EXPECT_EQ(O_RDWR, ids[0].open_flags & O_ACCMODE);
	EXPECT_EQ(0, ids[0].flags);

	ASSERT_EQ(0, sysfs_read(self, "state", buf, sizeof(buf)));
	EXPECT_STREQ("open", buf);
	EXPECT_EQ(self->a.pid, sysfs_num(self, "owner_pid"));
	EXPECT_EQ(USER_UID, sysfs_num(self, "owner_uid"));
	ASSERT_EQ(0, sysfs_read(self, "owner_comm", buf, sizeof(buf)));
	EXPECT_STREQ("holdprog", buf);
	EXPECT_EQ((long long)info.owner.since_ns / 1000000000, sysfs_num(self, "owner_since"));
	ASSERT_EQ(0, sysfs_read(self, "holders", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%d %d ", self->a.pid, USER_UID);
	EXPECT_EQ(0, strncmp(buf, want, strlen(want))) TH_LOG("holders: %s", buf);
	n = strlen(buf);
	EXPECT_TRUE(n > 9 && !strcmp(buf + n - 9, " holdprog")) TH_LOG("holders: %s", buf);
	EXPECT_EQ(1, sysfs_num(self, "opens"));

	snprintf(link, sizeof(link), "%s/device", self->sys);
	n = readlink(link, buf, sizeof(buf) - 1);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	base = strrchr(buf, '/');
	ASSERT_NE(NULL, base);
	EXPECT_STREQ(self->name, base + 1);

	/* the holder goes: nobody owns the port */
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);
	EXPECT_EQ(0, info.owner.pid);
	EXPECT_EQ(0, info.nr_holders);
	EXPECT_EQ(1, info.counters.closes);
	ASSERT_EQ(0, sysfs_read(self, "state", buf, sizeof(buf)));
	EXPECT_STREQ("closed", buf);
	EXPECT_EQ(0, sysfs_num(self, "owner_pid"));
	ASSERT_EQ(0, sysfs_read(self, "owner_uid", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	ASSERT_EQ(0, sysfs_read(self, "owner_since", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	ASSERT_EQ(0, sysfs_read(self, "owner_comm", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
}

TEST_F(own, claim_gets_ebusy_naming_the_holder)
{
	struct portown_info info;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));

	fd = open_port();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, claim_fd(self->ctl, fd, &info));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(self->a.pid, info.owner.pid);
	EXPECT_EQ(USER_UID, info.owner.uid);
	EXPECT_STREQ("holdprog", info.owner.comm);
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(1, info.counters.denials);
	EXPECT_EQ(0, info.counters.claims);
	close(fd);

	/* an unprivileged dialer is told the same */
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->b, 'o'));
	EXPECT_EQ(EBUSY, agent_do(&self->b, 'C'));
	EXPECT_EQ(2, sysfs_num(self, "denials"));
	EXPECT_EQ(0, sysfs_num(self, "claims"));
}

TEST_F(own, claim_refuses_unprivileged_open_and_records_root)
{
	struct portown_ident ids[4];
	struct portown_event ev;
	struct portown_info info;
	int fd, i, n;
	pid_t pid;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'C'));

	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_CLAIMED, info.state);
	EXPECT_EQ(self->a.pid, info.owner.pid);
	EXPECT_TRUE(info.owner.flags & PORTOWN_ID_CLAIMER);
	EXPECT_EQ(1, info.counters.claims);

	/* a second unprivileged opener is refused, and named */
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "intruder", test_tty()));
	EXPECT_EQ(EBUSY, agent_do(&self->b, 'o'));
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(1, info.counters.denials);
	ASSERT_EQ(0, last_event(self, &ev));
	EXPECT_EQ(PORTOWN_EV_DENY, ev.type);
	EXPECT_EQ(self->b.pid, ev.who.pid);
	EXPECT_STREQ("intruder", ev.who.comm);
	EXPECT_EQ(1, sysfs_num(self, "denials"));
	/* the history keeps naming it after it is gone */
	pid = self->b.pid;
	agent_kill(&self->b);
	ASSERT_EQ(0, last_event(self, &ev));
	EXPECT_EQ(PORTOWN_EV_DENY, ev.type);
	EXPECT_EQ(pid, ev.who.pid);

	/* root passes, as the tty core allows, and is visible */
	fd = open_port();
	ASSERT_GE(fd, 0) TH_LOG("root open: %s", strerror(errno));
	n = holders_of(self, ids, 4);
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++) {
		if (ids[i].pid == getpid()) {
			EXPECT_TRUE(ids[i].flags & PORTOWN_ID_PRIVILEGED);
		} else {
			EXPECT_EQ(self->a.pid, ids[i].pid);
			EXPECT_TRUE(ids[i].flags & PORTOWN_ID_CLAIMER);
		}
	}
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(self->a.pid, info.owner.pid);
	EXPECT_EQ(PORTOWN_STATE_CLAIMED, info.state);
	close(fd);
}

/* After a claim ended, the port is open to an unprivileged opener. */
static void expect_unclaimed(struct __test_metadata *_metadata, struct _test_data_own *self)
{
	struct portown_info info;

	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_NE(PORTOWN_STATE_CLAIMED, info.state);
	EXPECT_EQ(0, info.owner.flags & PORTOWN_ID_CLAIMER);
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "next", test_tty()));
	EXPECT_EQ(0, agent_do(&self->b, 'o'));
	agent_kill(&self->b);
}

static void claim_by_a(struct __test_metadata *_metadata, struct _test_data_own *self)
{
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'C'));
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "probe", test_tty()));
	ASSERT_EQ(EBUSY, agent_do(&self->b, 'o'));
	agent_kill(&self->b);
}

TEST_F(own, claim_ends_on_release)
{
	struct portown_event ev;

	claim_by_a(_metadata, self);
	EXPECT_EQ(0, agent_do(&self->a, 'R'));
	ASSERT_EQ(0, last_event(self, &ev));
	EXPECT_EQ(PORTOWN_EV_RELEASE, ev.type);
	EXPECT_EQ(ENOENT, agent_do(&self->a, 'R'));
	expect_unclaimed(_metadata, self);
}

TEST_F(own, claim_ends_on_close)
{
	claim_by_a(_metadata, self);
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	expect_unclaimed(_metadata, self);
}

TEST_F(own, claim_ends_on_exit)
{
	claim_by_a(_metadata, self);
	write(self->a.cmd, "q", 1);
	agent_reap(&self->a);
	expect_unclaimed(_metadata, self);
}

TEST_F(own, claim_ends_on_kill_9)
{
	claim_by_a(_metadata, self);
	agent_kill(&self->a);
	expect_unclaimed(_metadata, self);
}

TEST_F(own, claim_ends_on_hangup)
{
	struct portown_ident ids[4];
	struct portown_info info;
	int fd;

	claim_by_a(_metadata, self);
	fd = open_port();		/* root passes the claim */
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCVHANGUP));
	close(fd);
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_HUNGUP, info.state);
	EXPECT_EQ(1, info.counters.hangups);
	ASSERT_EQ(1, holders_of(self, ids, 4));
	EXPECT_EQ(self->a.pid, ids[0].pid);
	EXPECT_TRUE(ids[0].flags & PORTOWN_ID_HUNGUP);
	expect_unclaimed(_metadata, self);
}

TEST_F(own, claim_ends_on_exit_while_child_keeps_descriptor_and_pid_reuse)
{
	struct portown_info info;
	pid_t old;

	claim_by_a(_metadata, self);
	self->extra = agent_do(&self->a, 'f');
	ASSERT_GT(self->extra, 0);
	old = self->a.pid;
	agent_kill(&self->a);

	/* the descriptor lives on in the child; the claim does not */
	expect_unclaimed(_metadata, self);
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	/* its opener is gone: pid 0, never a number that may be reused */
	EXPECT_EQ(0, info.owner.pid);
	EXPECT_STREQ("dialer", info.owner.comm);

	/* a new process with the old claimer's pid inherits nothing */
	ASSERT_EQ(0, agent_start_pid(&self->c, USER_UID, "dialer", test_tty(), old))
		TH_LOG("clone3 with pid %d: %s", old, strerror(errno));
	ASSERT_EQ(old, self->c.pid);
	ASSERT_EQ(0, agent_do(&self->c, 'o'));
	EXPECT_EQ(ENOENT, agent_do(&self->c, 'R'));
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_NE(PORTOWN_STATE_CLAIMED, info.state);
	EXPECT_EQ(0, info.owner.flags & PORTOWN_ID_CLAIMER);
	EXPECT_EQ(0, info.owner.pid);
	EXPECT_EQ(2, info.nr_holders);
}

/* --- WAIT -------------------------------------------------------------- */

static int wait_port(struct _test_data_own *self, long long timeout_ms, struct portown_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->fd = -1;
	w->dev_major = self->major;
	w->dev_minor = self->minor;
	w->timeout_ms = timeout_ms;
	return ioctl(self->ctl, PORTOWN_IOC_WAIT, w);
}

TEST_F(own, wait_times_out_while_held_and_wakes_when_freed)
{
	struct portown_wait w;
	long long t0;
	int status;
	pid_t waiter;

	ASSERT_EQ(0, wait_port(self, 0, &w));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, w.state);

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	EXPECT_EQ(-1, wait_port(self, 0, &w));
	EXPECT_EQ(ETIMEDOUT, errno);
	t0 = now_ns();
	EXPECT_EQ(-1, wait_port(self, 200, &w));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_GE(now_ns() - t0, 190000000LL);
	EXPECT_EQ(PORTOWN_STATE_OPEN, w.state);

	waiter = fork();
	ASSERT_GE(waiter, 0);
	if (!waiter)
		_exit(wait_port(self, 20000, &w) ? errno : 0);
	sleep_ms(300);
	EXPECT_EQ(0, waitpid(waiter, &status, WNOHANG));	/* still waiting */
	t0 = now_ns();
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(waiter, waitpid(waiter, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* woken by the close, not by a periodic look */
	EXPECT_LT(now_ns() - t0, 900000000LL);
}

static void on_usr1(int sig)
{
}

TEST_F(own, wait_is_interrupted_by_a_signal)
{
	int status;
	pid_t waiter;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	waiter = fork();
	ASSERT_GE(waiter, 0);
	if (!waiter) {
		struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
		struct portown_wait w;

		sigaction(SIGUSR1, &sa, NULL);
		_exit(wait_port(self, -1, &w) ? errno : 0);
	}
	sleep_ms(300);
	EXPECT_EQ(0, waitpid(waiter, &status, WNOHANG));	/* still waiting */
	kill(waiter, SIGUSR1);
	ASSERT_EQ(waiter, waitpid(waiter, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EINTR, WEXITSTATUS(status));
}

/* --- identity ---------------------------------------------------------- */

/*
 * A holder in a new pid namespace is pid 1 to itself and its real pid to
 * us; a holder outside its namespace is pid 0 to it.
 */
TEST_F(own, identity_across_pid_namespace)
{
	int sync[2], res[2], pidp[2], fd2, status;
	char path[160], buf[32];
	struct portown_info info;
	pid_t mid, inner = 0;
	struct stat st;

	fd2 = open("/dev/ttyS2", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, fstat(fd2, &st));
	ASSERT_EQ(0, pipe(sync));
	ASSERT_EQ(0, pipe(res));
	ASSERT_EQ(0, pipe(pidp));
	mid = fork();
	ASSERT_GE(mid, 0);
	if (!mid) {
		pid_t kid;

		if (unshare(CLONE_NEWPID))
			_exit(100);
		kid = fork();
		if (kid < 0)
			_exit(101);
		if (kid) {
			write(pidp[1], &kid, sizeof(kid));
			waitpid(kid, &status, 0);
			_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 102);
		}
		/* pid 1 of the new namespace */
		{
			struct portown_info in = { .size = sizeof(in) };
			int ctl, fd, bad = 0;
			char c;

			prctl(PR_SET_NAME, "nsholder");
			fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK);
			ctl = open("/dev/portown", O_RDWR);
			in.fd = fd;
			if (fd < 0 || ctl < 0 || ioctl(ctl, PORTOWN_IOC_INFO, &in))
				_exit(103);
			if (in.owner.pid != 1)
				bad |= 1;
			in.fd = -1;
			in.dev_major = major(st.st_rdev);
			in.dev_minor = minor(st.st_rdev);
			if (ioctl(ctl, PORTOWN_IOC_INFO, &in) || in.owner.pid != 0 ||
			    in.state != PORTOWN_STATE_OPEN)
				bad |= 2;
			/* sysfs answers alike for all: in the initial namespaces */
			snprintf(path, sizeof(path), "/sys/class/portown/%s/owner_pid",
				 self->name);
			wait_for_path(path, 2000);	/* made by a work item */
			if (read_text(path, buf, sizeof(buf)) || !strcmp(buf, "1"))
				bad |= 4;
			write(res[1], &bad, sizeof(bad));
			write(res[1], buf, sizeof(buf));
			wait_for_path("/sys/class/portown/ttyS2/owner_pid", 2000);
			if (read_text("/sys/class/portown/ttyS2/owner_pid", buf, sizeof(buf)))
				snprintf(buf, sizeof(buf), "unreadable");
			write(res[1], buf, sizeof(buf));
			read(sync[0], &c, 1);	/* hold until the parent looked */
			_exit(bad);
		}
	}
	self->extra = mid;
	ASSERT_EQ(sizeof(inner), read(pidp[0], &inner, sizeof(inner)));
	ASSERT_GT(inner, 1);
	self->extra2 = inner;
	ASSERT_EQ(sizeof(status), read(res[0], &status, sizeof(status)));
	EXPECT_EQ(0, status) TH_LOG("namespace view failed: mask %#x", status);
	ASSERT_EQ(sizeof(buf), read(res[0], buf, sizeof(buf)));
	snprintf(path, sizeof(path), "%d", inner);
	EXPECT_STREQ(path, buf);
	ASSERT_EQ(sizeof(buf), read(res[0], buf, sizeof(buf)));
	snprintf(path, sizeof(path), "%d", getpid());
	EXPECT_STREQ(path, buf);
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(inner, info.owner.pid);
	EXPECT_STREQ("nsholder", info.owner.comm);
	EXPECT_EQ(inner, sysfs_num(self, "owner_pid"));
	ASSERT_EQ(1, write(sync[1], "x", 1));
	ASSERT_EQ(mid, waitpid(mid, &status, 0));
	self->extra = 0;
	self->extra2 = 0;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd2);
}

/*
 * A reader in a user namespace where uid 1000 is its root sees, through
 * the ioctl, the holder of uid 1000 as 0; sysfs shows the initial
 * namespace's uids to every reader that may read it.
 */
TEST_F(own, uid_in_reader_user_namespace)
{
	int go[2], res[2], fd2, map, status, got = -1;
	char path[160];
	pid_t kid;

	fd2 = open("/dev/ttyS2", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd2, 0);
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(res));
	kid = fork();
	ASSERT_GE(kid, 0);
	if (!kid) {
		struct portown_info in = { .size = sizeof(in), .fd = -1 };
		char buf[32], c;
		int ctl, bad = 0;

		ctl = open("/dev/portown", O_RDWR);
		if (ctl < 0 || unshare(CLONE_NEWUSER))
			_exit(100);
		write(res[1], &bad, sizeof(bad));	/* ready for the map */
		if (read(go[0], &c, 1) != 1)
			_exit(101);
		snprintf(path, sizeof(path), "%s/owner_uid", self->sys);
		wait_for_path(path, 2000);
		wait_for_path("/sys/class/portown/ttyS2/owner_uid", 2000);
		/* sysfs answers alike for all: in the initial namespaces */
		if (read_text(path, buf, sizeof(buf)) || strcmp(buf, "1000"))
			bad |= 1;
		if (read_text("/sys/class/portown/ttyS2/owner_uid", buf, sizeof(buf)) ||
		    strcmp(buf, "0"))
			bad |= 2;
		in.dev_major = self->major;
		in.dev_minor = self->minor;
		if (ioctl(ctl, PORTOWN_IOC_INFO, &in) || in.owner.uid != 0)
			bad |= 4;
		write(res[1], &bad, sizeof(bad));
		_exit(0);
	}
	self->extra = kid;
	ASSERT_EQ(sizeof(got), read(res[0], &got, sizeof(got)));
	snprintf(path, sizeof(path), "/proc/%d/uid_map", kid);
	map = open(path, O_WRONLY | O_CLOEXEC);
	ASSERT_GE(map, 0);
	ASSERT_EQ(9, write(map, "0 1000 1\n", 9)) TH_LOG("uid_map: %s", strerror(errno));
	close(map);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(sizeof(got), read(res[0], &got, sizeof(got)));
	EXPECT_EQ(0, got) TH_LOG("user namespace view failed: mask %#x", got);
	ASSERT_EQ(kid, waitpid(kid, &status, 0));
	self->extra = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd2);
}

/* --- discovery --------------------------------------------------------- */

TEST_F(own, port_open_before_load_is_discovered)
{
	struct portown_info info;
	char buf[32];

	close(self->ctl);
	self->ctl = -1;
	unload_portown();
	ASSERT_FALSE(module_loaded("portown"));

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "earlyprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));

	ASSERT_EQ(0, load(portown_ko(), ""));
	self->ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(1, info.nr_holders);
	EXPECT_EQ(self->a.pid, info.owner.pid);
	EXPECT_EQ(USER_UID, info.owner.uid);
	EXPECT_STREQ("earlyprog", info.owner.comm);
	EXPECT_EQ(self->a.pid, sysfs_num(self, "owner_pid"));
	ASSERT_EQ(0, sysfs_read(self, "owner_comm", buf, sizeof(buf)));
	EXPECT_STREQ("earlyprog", buf);

	/* and its close is seen */
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(0, info_of(self, &info));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);
}

/* --- LIST -------------------------------------------------------------- */

TEST_F(own, list_names_the_held_port)
{
	struct portown_list_entry e[64];
	struct portown_list l = {
		.size = sizeof(l), .count = 64, .entry_size = sizeof(e[0]),
		.ports = (unsigned long)e,
	};
	unsigned int i;
	bool found = false;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_LIST, &l));
	ASSERT_GE(l.count, 1);
	for (i = 0; i < l.count && i < 64; i++) {
		if (e[i].dev_major != self->major || e[i].dev_minor != self->minor)
			continue;
		found = true;
		EXPECT_STREQ(self->name, e[i].name);
		EXPECT_EQ(PORTOWN_STATE_OPEN, e[i].state);
		EXPECT_EQ(self->a.pid, e[i].owner.pid);
		EXPECT_STREQ("holdprog", e[i].owner.comm);
	}
	EXPECT_TRUE(found);

	/* too small a buffer: the count says how many there are */
	l.count = 0;
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_LIST, &l));
	EXPECT_GE(l.count, 1);
}

/* --- the shim ---------------------------------------------------------- */

TEST_F(own, shim_serves_the_ioctls_on_the_tty)
{
	struct portown_info info = { .size = sizeof(info), .fd = -1 };
	int fd, ld = SHIM_DEFAULT_NUM, ntty = 0;
	struct termios t;
	char buf[128], want[32];

	fd = open_port();
	ASSERT_GE(fd, 0);
	/* without the shim, a tty knows nothing of portown's ioctls */
	EXPECT_EQ(-1, ioctl(fd, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);

	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ld));
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.fd = -1;
	ASSERT_EQ(0, ioctl(fd, PORTOWN_IOC_INFO, &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(getpid(), info.owner.pid);
	EXPECT_EQ(self->major, info.dev_major);
	EXPECT_EQ(self->minor, info.dev_minor);

	ASSERT_EQ(0, ioctl(fd, PORTOWN_IOC_CLAIM, &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_CLAIMED, info.state);
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "probe", test_tty()));
	EXPECT_EQ(EBUSY, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, ioctl(fd, PORTOWN_IOC_RELEASE, &info));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(0, agent_do(&self->a, 'o'));

	/* the shim says who attached it */
	ASSERT_EQ(0, sysfs_read(self, "shim", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%d ", getpid());
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("shim: %s", buf);

	/* everything else is N_TTY's */
	EXPECT_EQ(0, ioctl(fd, TCGETS, &t));
	EXPECT_EQ(-1, ioctl(fd, _IOWR(PORTOWN_IOC_MAGIC, 0x55, struct portown_info), &info));
	EXPECT_EQ(ENOTTY, errno);

	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ntty));
	ASSERT_EQ(0, sysfs_read(self, "shim", buf, sizeof(buf)));
	EXPECT_STREQ("", buf);
	close(fd);
}

/* --- announcements ----------------------------------------------------- */

/* Does a uevent in @buf (@n bytes, NUL-separated) carry every string of @want? */
static bool uevent_has(const char *buf, ssize_t n, const char * const *want, int nwant)
{
	int i, found = 0;
	const char *p;

	for (i = 0; i < nwant; i++)
		for (p = buf; p < buf + n; p += strlen(p) + 1)
			if (!strcmp(p, want[i])) {
				found++;
				break;
			}
	return found == nwant;
}

/* A socket that receives the kernel's uevents. */
static int uevent_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int nl = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (nl >= 0 && bind(nl, (struct sockaddr *)&sa, sizeof(sa))) {
		close(nl);
		return -1;
	}
	return nl;
}

/*
 * The next change uevent of port @name within @ms, its PORTOWN_STATE and
 * PORTOWN_EVENT values in @state and @event; false when none came.
 */
static bool next_port_uevent(int nl, const char *name, int ms, char *state, char *event)
{
	char buf[4096], devpath[96];
	struct pollfd p = { .fd = nl, .events = POLLIN };
	long long end = now_ns() + ms * 1000000LL;
	const char *want[2] = { "ACTION=change", devpath };
	const char *q;
	ssize_t n;

	snprintf(devpath, sizeof(devpath), "DEVPATH=/devices/virtual/portown/%s", name);
	while (now_ns() < end && poll(&p, 1, (int)((end - now_ns()) / 1000000) + 1) == 1) {
		n = recv(nl, buf, sizeof(buf) - 1, 0);
		if (n <= 0 || !uevent_has(buf, n, want, 2))
			continue;
		buf[n] = '\0';
		state[0] = '\0';
		event[0] = '\0';
		for (q = buf; q < buf + n; q += strlen(q) + 1) {
			if (!strncmp(q, "PORTOWN_STATE=", 14))
				snprintf(state, 32, "%s", q + 14);
			if (!strncmp(q, "PORTOWN_EVENT=", 14))
				snprintf(event, 32, "%s", q + 14);
		}
		return true;
	}
	return false;
}

TEST_F(own, state_change_wakes_poll)
{
	char path[160], buf[64];
	struct pollfd p;
	int fd;
	ssize_t n;

	/* a first open makes the record and its directory */
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	snprintf(path, sizeof(path), "%s/state", self->sys);
	ASSERT_TRUE(wait_for_path(path, 2000));
	ASSERT_EQ(0, agent_do(&self->a, 'c'));

	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_LT(0, read(fd, buf, sizeof(buf)));	/* arms poll */

	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	p.fd = fd;
	p.events = POLLPRI | POLLERR;
	ASSERT_EQ(1, poll(&p, 1, 2000)) TH_LOG("poll on state did not wake");
	EXPECT_TRUE(p.revents & POLLPRI);
	ASSERT_EQ(0, lseek(fd, 0, SEEK_SET));
	n = read(fd, buf, sizeof(buf) - 1);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	EXPECT_STREQ("open\n", buf);
	close(fd);
}

/*
 * A change uevent wakes udevd and runs its rules: one is sent for what
 * users act on (a claim, its end, a hangup, and the port becoming free
 * after either), none for the routine open and close of an unclaimed port.
 */
TEST_F(own, uevents_only_for_what_users_act_on)
{
	char path[160], state[32], event[32];
	int nl, fd, i;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	snprintf(path, sizeof(path), "%s/state", self->sys);
	ASSERT_TRUE(wait_for_path(path, 2000));
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	nl = uevent_socket();
	ASSERT_GE(nl, 0);

	for (i = 0; i < 5; i++) {
		ASSERT_EQ(0, agent_do(&self->a, 'o'));
		ASSERT_EQ(0, agent_do(&self->a, 'c'));
	}
	EXPECT_FALSE(next_port_uevent(nl, self->name, 1000, state, event))
		TH_LOG("a uevent for an unclaimed open or close: %s %s", state, event);

	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'C'));
	ASSERT_TRUE(next_port_uevent(nl, self->name, 2000, state, event));
	EXPECT_STREQ("claim", event);
	EXPECT_STREQ("claimed", state);
	ASSERT_EQ(0, agent_do(&self->a, 'R'));
	ASSERT_TRUE(next_port_uevent(nl, self->name, 2000, state, event));
	EXPECT_STREQ("release", event);
	EXPECT_STREQ("open", state);
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_TRUE(next_port_uevent(nl, self->name, 2000, state, event));
	EXPECT_STREQ("free", event);
	EXPECT_STREQ("closed", state);

	/* a hangup, then free again when its dead descriptor is closed */
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCVHANGUP));
	close(fd);
	ASSERT_TRUE(next_port_uevent(nl, self->name, 2000, state, event));
	EXPECT_STREQ("hangup", event);
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_TRUE(next_port_uevent(nl, self->name, 2000, state, event));
	EXPECT_STREQ("free", event);
	EXPECT_STREQ("closed", state);

	/* and routine traffic is quiet again */
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	EXPECT_FALSE(next_port_uevent(nl, self->name, 1000, state, event))
		TH_LOG("a uevent after the port was free: %s %s", state, event);
	close(nl);
}

TEST_F(own, event_stream_orders_polls_and_reports_overflow)
{
	struct portown_event evs[300];
	struct pollfd p;
	int ev, i, n;
	ssize_t got;

	ev = open("/dev/portown", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(ev, 0);
	EXPECT_EQ(-1, read(ev, evs, sizeof(evs)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, read(ev, evs, sizeof(evs[0]) - 1));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	p.fd = ev;
	p.events = POLLIN;
	ASSERT_EQ(1, poll(&p, 1, 2000));
	got = read(ev, evs, sizeof(evs));
	ASSERT_EQ(2 * (ssize_t)sizeof(evs[0]), got);
	EXPECT_EQ(PORTOWN_EV_OPEN, evs[0].type);
	EXPECT_EQ(PORTOWN_EV_CLOSE, evs[1].type);
	EXPECT_EQ(evs[0].seq + 1, evs[1].seq);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(self->a.pid, evs[i].who.pid);
		EXPECT_STREQ("holdprog", evs[i].who.comm);
		EXPECT_STREQ(self->name, evs[i].name);
		EXPECT_EQ(self->major, evs[i].dev_major);
		EXPECT_EQ(self->minor, evs[i].dev_minor);
	}
	EXPECT_EQ(0, poll(&p, 1, 0));

	/*
	 * 300 events, and the log keeps 256: the reader learns first that it
	 * lost the oldest 44, then reads the newest 256, in order.
	 */
	for (i = 0; i < 150; i++) {
		ASSERT_EQ(0, agent_do(&self->a, 'o'));
		ASSERT_EQ(0, agent_do(&self->a, 'c'));
	}
	for (n = 0; n < 300; n += got / sizeof(evs[0])) {
		got = read(ev, evs + n, sizeof(evs) - n * sizeof(evs[0]));
		if (got <= 0)
			break;
	}
	ASSERT_EQ(257, n);
	EXPECT_EQ(PORTOWN_EV_OVERFLOW, evs[0].type);
	EXPECT_EQ(44, evs[0].seq);
	for (i = 2; i < 257; i++)
		EXPECT_EQ(evs[i - 1].seq + 1, evs[i].seq);
	EXPECT_EQ(PORTOWN_EV_OPEN, evs[1].type);
	EXPECT_EQ(PORTOWN_EV_CLOSE, evs[256].type);
	close(ev);
}

/* A read() that faults takes nothing: what was not copied is read next. */
TEST_F(own, event_stream_loses_nothing_on_a_fault)
{
	struct portown_event *page, evs[8];
	long psz = sysconf(_SC_PAGESIZE);
	char *nowhere;
	char *map;
	int ev, i;
	ssize_t got;

	ev = open("/dev/portown", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(ev, 0);
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, agent_do(&self->a, 'o'));
		ASSERT_EQ(0, agent_do(&self->a, 'c'));
	}

	/* no room at all that can be written: EFAULT, and nothing taken */
	nowhere = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, nowhere);
	ASSERT_EQ(0, munmap(nowhere, psz));
	EXPECT_EQ(-1, read(ev, nowhere, sizeof(evs)));
	EXPECT_EQ(EFAULT, errno);

	/* room for one record before an unmapped page: one record */
	map = mmap(NULL, 2 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + psz, psz));
	page = (struct portown_event *)(map + psz - sizeof(*page));
	got = read(ev, page, 4 * sizeof(*page));
	ASSERT_EQ((ssize_t)sizeof(*page), got);
	EXPECT_EQ(PORTOWN_EV_OPEN, page->type);

	/* the other three follow, in order */
	got = read(ev, evs, sizeof(evs));
	ASSERT_EQ(3 * (ssize_t)sizeof(evs[0]), got);
	EXPECT_EQ(page->seq + 1, evs[0].seq);
	EXPECT_EQ(PORTOWN_EV_CLOSE, evs[0].type);
	EXPECT_EQ(PORTOWN_EV_OPEN, evs[1].type);
	EXPECT_EQ(PORTOWN_EV_CLOSE, evs[2].type);
	munmap(map, psz);
	close(ev);
}

/* --- a real Debian program, and portownctl ---------------------------- */

TEST_F(own, real_program_named_by_ioctl_sysfs_and_portownctl)
{
	char cmd[128], out[4096], want[64], buf[64];
	struct portown_info info;
	int in[2], fd, i;

	ASSERT_EQ(0, access("/usr/bin/socat", X_OK));
	ASSERT_EQ(0, pipe2(in, O_CLOEXEC));
	self->extra = fork();
	ASSERT_GE(self->extra, 0);
	if (!self->extra) {
		gid_t g = DIALOUT_GID;
		int null = open("/dev/null", O_WRONLY);

		dup2(in[0], 0);
		dup2(null, 1);
		if (setgroups(1, &g) || setresgid(USER_UID, USER_UID, USER_UID) ||
		    setresuid(USER_UID, USER_UID, USER_UID))
			_exit(2);
		snprintf(cmd, sizeof(cmd), "%s,raw,echo=0", test_tty());
		execl("/usr/bin/socat", "socat", "-u", cmd, "STDOUT", NULL);
		_exit(127);
	}
	close(in[0]);
	for (i = 0; i < 500; i++) {
		if (!info_of(self, &info) && info.nr_holders)
			break;
		sleep_ms(10);
	}
	ASSERT_EQ(1, info.nr_holders) TH_LOG("socat never opened %s", test_tty());
	EXPECT_EQ(self->extra, info.owner.pid);
	EXPECT_EQ(USER_UID, info.owner.uid);
	EXPECT_STREQ("socat", info.owner.comm);
	EXPECT_EQ(self->extra, sysfs_num(self, "owner_pid"));
	ASSERT_EQ(0, sysfs_read(self, "owner_comm", buf, sizeof(buf)));
	EXPECT_STREQ("socat", buf);

	fd = open_port();
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-1, claim_fd(self->ctl, fd, &info));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(self->extra, info.owner.pid);
	EXPECT_STREQ("socat", info.owner.comm);
	close(fd);

	snprintf(want, sizeof(want), "socat (pid %d, uid %d)", self->extra, USER_UID);
	snprintf(cmd, sizeof(cmd), "portownctl who %s", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s: %s", cmd, out);

	snprintf(want, sizeof(want), "{\"pid\":%d,\"uid\":%d,\"comm\":\"socat\"",
		 self->extra, USER_UID);
	snprintf(cmd, sizeof(cmd), "portownctl --json who %s", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s: %s", cmd, out);

	/* portownctl claim: busy, exit status 2, the holder named */
	snprintf(cmd, sizeof(cmd), "portownctl claim %s -- true 2>&1", self->name);
	EXPECT_EQ(2, run_cmd(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "socat")) TH_LOG("%s: %s", cmd, out);

	close(in[1]);
	kill(self->extra, SIGKILL);
	waitpid(self->extra, NULL, 0);
	self->extra = 0;
	snprintf(cmd, sizeof(cmd), "portownctl who %s", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out)));
	snprintf(want, sizeof(want), "%s: closed", self->name);
	EXPECT_EQ(0, strncmp(out, want, strlen(want))) TH_LOG("%s: %s", cmd, out);
}

TEST_F(own, dialer_library_names_the_holder)
{
	char cmd[128], out[1024], want[96];

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	snprintf(cmd, sizeof(cmd), "portown-dial %s 2>&1", test_tty());
	EXPECT_EQ(2, run_cmd(cmd, out, sizeof(out)));
	snprintf(want, sizeof(want), "%s is in use by holdprog (pid %d, uid %d) since ",
		 self->name, self->a.pid, USER_UID);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(1, sysfs_num(self, "denials"));

	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "claimed")) TH_LOG("%s: %s", cmd, out);
	EXPECT_EQ(1, sysfs_num(self, "claims"));
}

TEST_F(own, portownctl_list_wait_claim_attach)
{
	char cmd[256], out[4096], want[128];
	int fd, o, ld = -1;
	pid_t w;

	/* every serial port, never-opened ones as closed */
	EXPECT_EQ(0, run_cmd("portownctl --json list", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"port\":\"ttyS2\",\"dev\":\"4:66\",\"state\":\"closed\""))
		TH_LOG("list: %s", out);

	snprintf(cmd, sizeof(cmd), "portownctl wait -t 0 %s", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	snprintf(cmd, sizeof(cmd), "portownctl wait -t 200 %s 2>&1", self->name);
	EXPECT_EQ(3, run_cmd(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "holdprog")) TH_LOG("%s: %s", cmd, out);

	/* attach and detach while another process keeps the port open */
	snprintf(cmd, sizeof(cmd), "portownctl attach %s 2>&1", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	fd = open_port();
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCGETD, &ld));
	EXPECT_EQ(SHIM_DEFAULT_NUM, ld);
	snprintf(cmd, sizeof(cmd), "portownctl detach %s 2>&1", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	ASSERT_EQ(0, ioctl(fd, TIOCGETD, &ld));
	EXPECT_EQ(0, ld);
	close(fd);

	/* claim -- CMD: the command runs while the port is claimed */
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	snprintf(cmd, sizeof(cmd), "portownctl claim %s -- cat %s/state", self->name, self->sys);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out))) TH_LOG("%s: %s", cmd, out);
	EXPECT_STREQ("claimed\n", out);
	snprintf(want, sizeof(want), "%s/state", self->sys);
	ASSERT_EQ(0, read_text(want, out, sizeof(out)));
	EXPECT_STREQ("closed", out);
	EXPECT_EQ(0, agent_do(&self->a, 'o'));	/* nothing left behind */

	/* watch: the live stream, one JSON object per line */
	w = fork();
	ASSERT_GE(w, 0);
	if (!w) {
		o = open("/tmp/watch.out", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(o, 1);
		execlp("portownctl", "portownctl", "--json", "watch", self->name, NULL);
		_exit(127);
	}
	sleep_ms(300);
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	EXPECT_EQ(0, agent_do(&self->a, 'o'));
	sleep_ms(300);
	kill(w, SIGTERM);
	waitpid(w, NULL, 0);
	ASSERT_EQ(0, read_text("/tmp/watch.out", out, sizeof(out)));
	snprintf(want, sizeof(want), "\"event\":\"close\",\"state\":\"closed\",\"who\":{\"pid\":%d",
		 self->a.pid);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("watch: %s", out);
	EXPECT_NE(NULL, strstr(out, "\"event\":\"open\",\"state\":\"open\""));

	snprintf(cmd, sizeof(cmd), "portownctl history %s", self->name);
	EXPECT_EQ(0, run_cmd(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, " claim ")) TH_LOG("%s: %s", cmd, out);
	EXPECT_NE(NULL, strstr(out, " release ")) TH_LOG("%s: %s", cmd, out);
	EXPECT_NE(NULL, strstr(out, "holdprog")) TH_LOG("%s: %s", cmd, out);
}

/* --- bad input --------------------------------------------------------- */

static void snapshot(struct __test_metadata *_metadata, struct _test_data_own *self,
		     struct portown_info *info)
{
	ASSERT_EQ(0, info_of(self, info));
}

TEST_F(own, bad_input_gets_exact_errno_and_changes_nothing)
{
	unsigned char big[sizeof(struct portown_info) + 8];
	struct portown_info info, before, after;
	struct portown_holders h;
	struct portown_wait w;
	int fd, file, pty;

	fd = open_port();
	ASSERT_GE(fd, 0);
	snapshot(_metadata, self, &before);

	/* size */
	memset(&info, 0, sizeof(info));
	info.fd = -1;
	info.dev_major = self->major;
	info.dev_minor = self->minor;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.size = PORTOWN_INFO_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	/* a newer caller's larger structure: zero tail served, other refused */
	memset(big, 0, sizeof(big));
	memcpy(big, &info, sizeof(info));
	((struct portown_info *)big)->size = sizeof(big);
	EXPECT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_INFO, big));
	big[sizeof(big) - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, big));
	EXPECT_EQ(EINVAL, errno);

	/* pointers */
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, (void *)16));
	EXPECT_EQ(EFAULT, errno);
	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.fd = fd;
	h.count = 4;
	h.entry_size = sizeof(struct portown_ident);
	h.holders = 16;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h));
	EXPECT_EQ(EFAULT, errno);
	h.holders = 0;
	h.entry_size = 8;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h));
	EXPECT_EQ(EINVAL, errno);

	/* commands */
	EXPECT_EQ(-1, ioctl(self->ctl, _IOWR(PORTOWN_IOC_MAGIC, 0x55, struct portown_info),
			    &info));
	EXPECT_EQ(ENOTTY, errno);

	/* descriptors and device numbers */
	info.size = sizeof(info);
	file = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(file, 0);
	info.fd = file;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	close(file);
	info.fd = 999;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(EBADF, errno);
	info.fd = -2;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(EBADF, errno);
	pty = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_GE(pty, 0);
	info.fd = pty;				/* not a serial port */
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	close(pty);
	info.fd = -1;
	info.dev_major = 1;			/* /dev/null: no tty */
	info.dev_minor = 3;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	info.dev_major = 1U << 12;		/* not a device number */
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(EINVAL, errno);

	/* no claim without a descriptor; no release without a claim */
	info.dev_major = self->major;
	info.dev_minor = self->minor;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_CLAIM, &info));
	EXPECT_EQ(EBADF, errno);
	info.fd = fd;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_RELEASE, &info));
	EXPECT_EQ(ENOENT, errno);

	/* WAIT */
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.fd = fd;
	w.timeout_ms = -2;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.timeout_ms = 0;
	w.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);

	/* nothing changed */
	snapshot(_metadata, self, &after);
	EXPECT_EQ(before.state, after.state);
	EXPECT_EQ(before.nr_holders, after.nr_holders);
	EXPECT_EQ(before.owner.pid, after.owner.pid);
	EXPECT_EQ(0, memcmp(&before.counters, &after.counters, sizeof(before.counters)));
	close(fd);
}

TEST(track_all_adds_ptys_and_bad_track_is_refused)
{
	struct portown_info info = { .size = sizeof(info) };
	int ctl, pty, pts;
	char name[64];

	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_EQ(-1, load(portown_ko(), "track=some"));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_FALSE(module_loaded("portown"));

	ASSERT_EQ(0, load(portown_ko(), "track=all"));
	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	ASSERT_EQ(0, open_pty(&pty, &pts, name, sizeof(name)));
	info.fd = pts;
	ASSERT_EQ(0, ioctl(ctl, PORTOWN_IOC_INFO, &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(getpid(), info.owner.pid);
	EXPECT_EQ(0, strncmp(info.name, "pts", 3)) TH_LOG("name %s", info.name);
	info.fd = pty;			/* the master is not a port */
	EXPECT_EQ(-1, ioctl(ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(ENODEV, errno);
	close(pts);
	close(pty);
	close(ctl);
	unload_portown();
	EXPECT_FALSE(module_loaded("portown"));
}

/*
 * Without the tap (tap=0, as when kprobes are unavailable), portown says
 * so and does not see a plain open until a query looks; a port using the
 * shim is seen.
 */
TEST(reduced_mode_is_reported_and_sees_only_the_shim)
{
	struct portown_info info = { .size = sizeof(info) };
	int ctl, fd, ld = SHIM_DEFAULT_NUM, ntty = 0;
	char buf[64];

	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), "tap=0"));
	ASSERT_EQ(0, read_text("/sys/class/portown/tap", buf, sizeof(buf)));
	EXPECT_STREQ("off", buf);
	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(ctl, 0);
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	info.fd = -1;
	{
		struct stat st;

		ASSERT_EQ(0, fstat(fd, &st));
		info.dev_major = major(st.st_rdev);
		info.dev_minor = minor(st.st_rdev);
	}
	{
		struct portown_list l = { .size = sizeof(l) };

		ASSERT_EQ(0, ioctl(ctl, PORTOWN_IOC_LIST, &l));
		EXPECT_EQ(0, l.count);			/* the open was not seen */
	}
	/* a query finds the port open, and its holder */
	ASSERT_EQ(0, ioctl(ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(getpid(), info.owner.pid);
	EXPECT_EQ(1, info.counters.repairs);

	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ld));
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(fd, PORTOWN_IOC_INFO, &info)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PORTOWN_STATE_OPEN, info.state);
	EXPECT_EQ(getpid(), info.owner.pid);
	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ntty));
	close(fd);
	close(ctl);
	unload_portown();
	EXPECT_FALSE(module_loaded("portown"));
}

TEST_HARNESS_MAIN
