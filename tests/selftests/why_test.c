// SPDX-License-Identifier: GPL-2.0
/*
 * Why a port is busy, told to users of programs that never heard of
 * portown: the kernel log line of each refused open or claim, naming who
 * is in the way, and PORTOWN_IOC_WHY with every reason the kernel knows
 * (a claim, TIOCEXCL and who set it, a kernel line discipline, the
 * console).  Removals are unplug_test's.
 *
 * Runs as root in the test VM, with Debian's socat as a real holder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

#ifndef N_HDLC
#define N_HDLC	13
#endif

FIXTURE(why) {
	struct agent a, b;
	int ctl, kmsg;
	pid_t holder;
	char name[32];
	dev_t devt;
};

FIXTURE_SETUP(why)
{
	char path[64];
	struct stat st;

	memset(self, 0, sizeof(*self));
	self->ctl = -1;
	self->kmsg = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	unload_portown();
	ASSERT_EQ(0, load(portown_ko(), "")) TH_LOG("load: %s", strerror(errno));
	self->ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->ctl, 0);
	ASSERT_EQ(0, read_text("/sys/class/portown/tap", path, sizeof(path)));
	ASSERT_STREQ("active", path);
	ASSERT_EQ(0, stat(test_tty(), &st));
	self->devt = st.st_rdev;
	snprintf(path, sizeof(path), "%s", test_tty());
	snprintf(self->name, sizeof(self->name), "%s", basename(path));
	self->kmsg = kmsg_open_at_end();
	ASSERT_GE(self->kmsg, 0);
}

FIXTURE_TEARDOWN(why)
{
	agent_kill(&self->a);
	agent_kill(&self->b);
	if (self->holder > 0) {
		kill(self->holder, SIGKILL);
		waitpid(self->holder, NULL, 0);
	}
	if (self->kmsg >= 0)
		close(self->kmsg);
	if (self->ctl >= 0)
		close(self->ctl);
	unload_portown();
}

/* Wait up to 3 s for a kernel log line holding @a and @b. */
static bool logged(int kmsg, const char *a, const char *b)
{
	char rec[1024];
	int i;

	for (i = 0; i < 300; i++) {
		ssize_t n = read(kmsg, rec, sizeof(rec) - 1);

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0) {
			sleep_ms(10);
			continue;
		}
		rec[n] = '\0';
		if (strstr(rec, a) && (!b || strstr(rec, b)))
			return true;
	}
	return false;
}

TEST_F(why, refused_open_is_logged_naming_who_set_tiocexcl)
{
	struct portown_why w;
	char want[160], holder[96];
	long long t0, t1;

	ASSERT_EQ(0, agent_start(&self->a, 0, "modemmanager", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	t0 = now_ns();
	ASSERT_EQ(0, agent_do(&self->a, 'x'));
	t1 = now_ns();

	/* an uploader that never heard of portown gets a bare EBUSY */
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "uploader", test_tty()));
	ASSERT_EQ(EBUSY, agent_do(&self->b, 'o'));

	/* the kernel log says who is in the way */
	snprintf(want, sizeof(want), "%s: open by uploader (pid %d, uid %d) refused: %s",
		 self->name, self->b.pid, USER_UID, "exclusive (TIOCEXCL) since ");
	snprintf(holder, sizeof(holder), "UTC, held by modemmanager (pid %d, uid 0)", self->a.pid);
	EXPECT_TRUE(logged(self->kmsg, want, holder)) TH_LOG("no line: %s ... %s", want, holder);

	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w)) TH_LOG("WHY: %s", strerror(errno));
	EXPECT_EQ(PORTOWN_WHY_EXCL | PORTOWN_WHY_OPEN, w.reasons);
	EXPECT_EQ(self->a.pid, w.excl.pid);
	EXPECT_STREQ("modemmanager", w.excl.comm);
	EXPECT_GE((long long)w.excl.since_ns, t0);
	EXPECT_LE((long long)w.excl.since_ns, t1);
	EXPECT_EQ(self->a.pid, w.owner.pid);
	EXPECT_EQ(1, w.nr_holders);
	EXPECT_EQ(0, w.ldisc);
	EXPECT_STREQ("n_tty", w.ldisc_name);
	EXPECT_STREQ(self->name, w.name);
	EXPECT_EQ(0, w.claimer.pid);
}

TEST_F(why, tiocnxcl_and_last_close_forget_the_setter)
{
	struct portown_why w;
	int fd;

	ASSERT_EQ(0, agent_start(&self->a, 0, "modemmanager", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'x'));
	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w));
	ASSERT_EQ(self->a.pid, w.excl.pid);

	/* TIOCNXCL from another descriptor of the port: no longer exclusive */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK);	/* root gets past TIOCEXCL */
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCNXCL));
	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w));
	EXPECT_EQ(PORTOWN_WHY_OPEN, w.reasons);
	EXPECT_EQ(0, w.excl.pid);
	EXPECT_EQ(2, w.nr_holders);

	/* set again by this test: the new setter, until the port is closed */
	ASSERT_EQ(0, ioctl(fd, TIOCEXCL));
	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w));
	EXPECT_EQ(getpid(), w.excl.pid);
	close(fd);
	EXPECT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w));
	EXPECT_EQ(0, w.reasons);
	EXPECT_EQ(0, w.excl.pid);
	EXPECT_EQ(0, w.nr_holders);
}

TEST_F(why, refused_open_and_claim_name_the_claimer)
{
	char want[160], claimer[96];
	struct portown_why w;

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'C'));

	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "uploader", test_tty()));
	ASSERT_EQ(EBUSY, agent_do(&self->b, 'o'));
	snprintf(want, sizeof(want), "%s: open by %s (pid %d, uid %d) refused: %s (pid %d, uid %d)",
		 self->name, "uploader", self->b.pid, USER_UID, "claimed by dialer", self->a.pid,
		 USER_UID);
	EXPECT_TRUE(logged(self->kmsg, want, ") since ")) TH_LOG("no line: %s", want);

	/* root may open past the claim; its claim is refused all the same */
	agent_kill(&self->b);
	ASSERT_EQ(0, agent_start(&self->b, 0, "grabber", test_tty()));
	ASSERT_EQ(0, agent_do(&self->b, 'o'));
	ASSERT_EQ(EBUSY, agent_do(&self->b, 'C'));
	snprintf(want, sizeof(want), "%s: claim by %s (pid %d, uid 0) refused: %s (pid %d, uid %d)",
		 self->name, "grabber", self->b.pid, "claimed by dialer", self->a.pid, USER_UID);
	EXPECT_TRUE(logged(self->kmsg, want, NULL)) TH_LOG("no line: %s", want);

	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w));
	EXPECT_EQ(PORTOWN_WHY_CLAIMED | PORTOWN_WHY_OPEN, w.reasons);
	EXPECT_EQ(self->a.pid, w.claimer.pid);
	EXPECT_TRUE(w.claimer.flags & PORTOWN_ID_CLAIMER);
	EXPECT_STREQ("dialer", w.claimer.comm);
	/* the claim's own exclusive bit is the claim, not a TIOCEXCL */
	EXPECT_EQ(0, w.excl.pid);

	/* a claim refused for a holder that claims nothing */
	EXPECT_EQ(0, agent_do(&self->a, 'R'));
	agent_kill(&self->a);
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(EBUSY, agent_do(&self->a, 'C'));
	snprintf(claimer, sizeof(claimer), "refused: held by grabber (pid %d, uid 0) since ",
		 self->b.pid);
	snprintf(want, sizeof(want), "%s: claim by dialer (pid %d, uid %d) ", self->name,
		 self->a.pid, USER_UID);
	EXPECT_TRUE(logged(self->kmsg, want, claimer)) TH_LOG("no line: %s%s", want, claimer);
}

/* Debian's socat holds the port with TIOCEXCL; busybox cat is refused. */
TEST_F(why, unmodified_program_refused_sees_the_holder_in_the_log)
{
	char addr[96], want[96], out[1024];
	int in[2], i;

	ASSERT_EQ(0, pipe(in));
	snprintf(addr, sizeof(addr), "%s,raw,echo=0,ioctl-void=0x540C", test_tty());
	self->holder = fork();
	ASSERT_GE(self->holder, 0);
	if (!self->holder) {
		dup2(in[0], 0);
		close(in[1]);
		execl("/usr/bin/socat", "socat", "STDIO", addr, NULL);
		_exit(127);
	}
	close(in[0]);
	/* wait for socat to have the port, exclusively */
	for (i = 0; i < 300; i++) {
		struct portown_why w;

		if (!why_of(self->ctl, self->devt, &w) && (w.reasons & PORTOWN_WHY_EXCL))
			break;
		sleep_ms(10);
	}
	ASSERT_LT(i, 300) TH_LOG("socat did not take %s", test_tty());

	snprintf(addr, sizeof(addr), "su user -s /bin/sh -c 'cat %s' 2>&1", test_tty());
	EXPECT_NE(0, run_cmd(addr, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "busy")) TH_LOG("cat said: %s", out);
	snprintf(want, sizeof(want), "held by socat (pid %d, uid 0)", self->holder);
	EXPECT_TRUE(logged(self->kmsg, "refused: exclusive (TIOCEXCL) since ", want))
		TH_LOG("no line naming %s", want);

	/* portownctl why says it too, and that the port is busy */
	snprintf(addr, sizeof(addr), "portownctl why %s 2>&1", self->name);
	EXPECT_EQ(2, run_cmd(addr, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), ", set by socat (pid %d, uid 0)", self->holder);
	EXPECT_NE(NULL, strstr(out, "exclusive (TIOCEXCL) since ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "%s is busy", self->name);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	close(in[1]);
}

TEST_F(why, console_and_kernel_line_discipline_are_reasons)
{
	struct portown_why w;
	struct stat st;
	int fd, ld = N_HDLC, i;
	char other[32], name[64], want[96], out[1024];

	/* the VM's console is ttyS0 */
	if (is_console("ttyS0")) {
		ASSERT_EQ(0, stat("/dev/ttyS0", &st));
		ASSERT_EQ(0, why_of(self->ctl, st.st_rdev, &w)) TH_LOG("%s", strerror(errno));
		EXPECT_TRUE(w.reasons & PORTOWN_WHY_CONSOLE);
		EXPECT_STREQ("ttyS0", w.name);
	} else {
		TH_LOG("ttyS0 is not a console here");
	}

	/* a port a kernel protocol took over, as pppd's ppp does */
	snprintf(other, sizeof(other), "/dev/ttyS2");
	fd = open(other, O_RDWR | O_NOCTTY | O_NONBLOCK);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &ld)) TH_LOG("n_hdlc: %s", strerror(errno));
	ASSERT_EQ(0, stat(other, &st));
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, why_of(self->ctl, st.st_rdev, &w));
		if (w.reasons & PORTOWN_WHY_LDISC)
			break;
		sleep_ms(10);
	}
	EXPECT_EQ(PORTOWN_WHY_LDISC | PORTOWN_WHY_OPEN, w.reasons);
	EXPECT_EQ(N_HDLC, w.ldisc);
	/* its name as the tty core lists it ("hdlc" today) */
	ASSERT_TRUE(ldisc_listed(NULL, N_HDLC, name));
	EXPECT_STREQ(name, w.ldisc_name);
	EXPECT_EQ(getpid(), w.owner.pid);
	snprintf(want, sizeof(want), "ttyS2: line discipline %s (%d)", name, N_HDLC);
	EXPECT_EQ(2, run_cmd("portownctl why ttyS2 2>&1", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	if (is_console("ttyS0")) {
		EXPECT_EQ(2, run_cmd("portownctl why ttyS0 2>&1", out, sizeof(out)));
		EXPECT_NE(NULL, strstr(out, "ttyS0: a kernel console")) TH_LOG("%s", out);
	}
	ld = 0;
	EXPECT_EQ(0, ioctl(fd, TIOCSETD, &ld));
	close(fd);
}

/* Write a UUCP lock file for the port as minicom, cu and pppd do: "%10d\n". */
static int uucp_lock(const char *name, pid_t pid)
{
	char path[64], text[16];
	int fd, n;

	snprintf(path, sizeof(path), "/var/lock/LCK..%s", name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	n = snprintf(text, sizeof(text), "%10d\n", pid);
	n = write(fd, text, n) == n ? 0 : -1;
	close(fd);
	return n;
}

/* portownctl why @name's output in @out; its exit status. */
static int why_says(const char *name, char *out, size_t len)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "portownctl why %s 2>&1", name);
	return run_cmd(cmd, out, len);
}

/*
 * The reasons user space finds (picocom's flock, UUCP lock files, live,
 * stale and foreign) and a claim, each with who, in portownctl why.
 */
TEST_F(why, portownctl_why_names_flock_uucp_locks_and_claims)
{
	char out[1024], want[128], lockfile[64], *p, *end;
	pid_t dead, sleeper;
	int term, i;

	snprintf(lockfile, sizeof(lockfile), "/var/lock/LCK..%s", self->name);
	EXPECT_EQ(0, why_says(self->name, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "%s is free", self->name);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);

	/* picocom, as a user runs it, locks the device with flock() */
	self->holder = start_picocom(test_tty(), &term);
	ASSERT_GT(self->holder, 0);
	for (i = 0; i < 500; i++) {
		if (why_says(self->name, out, sizeof(out)) == 2 && strstr(out, "flock"))
			break;
		sleep_ms(20);
	}
	snprintf(want, sizeof(want), "%s: flock (write) held by picocom (pid %d)", self->name,
		 self->holder);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "%s is busy", self->name);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	/* list names the lock schemes in use: its last column */
	EXPECT_EQ(0, run_cmd("portownctl list 2>&1", out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "LOCKS")) TH_LOG("%s", out);
	p = strstr(out, self->name);
	ASSERT_NE(NULL, p) TH_LOG("%s", out);
	end = strchr(p, '\n');
	ASSERT_NE(NULL, end);
	*end = '\0';
	EXPECT_EQ(0, strcmp(end - 5, "flock")) TH_LOG("%s", p);
	kill(self->holder, SIGKILL);
	waitpid(self->holder, NULL, 0);
	self->holder = 0;
	close(term);

	/* a lock file of a process that holds the port: consistent */
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "minicom", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, uucp_lock(self->name, self->a.pid));
	EXPECT_EQ(2, why_says(self->name, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "UUCP lock %s by pid %d (minicom): consistent", lockfile,
		 self->a.pid);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);

	/* the lock's process is gone, its lock file left: stale, and free */
	dead = self->a.pid;
	agent_kill(&self->a);
	EXPECT_EQ(0, why_says(self->name, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "UUCP lock %s by pid %d: stale: pid %d is dead", lockfile,
		 dead, dead);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);

	/* a live process that does not hold the port: foreign */
	sleeper = fork();
	ASSERT_GE(sleeper, 0);
	if (!sleeper) {
		prctl(PR_SET_NAME, "lockkeeper");
		pause();
		_exit(0);
	}
	ASSERT_EQ(0, uucp_lock(self->name, sleeper));
	EXPECT_EQ(2, why_says(self->name, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "by pid %d (lockkeeper): foreign", sleeper);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
	unlink(lockfile);

	/* a claim */
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "dialer", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'C'));
	EXPECT_EQ(2, why_says(self->name, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(want, sizeof(want), "%s: claimed by dialer (pid %d, uid %d)", self->name,
		 self->a.pid, USER_UID);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "TIOCEXCL")) TH_LOG("%s", out);
	/* and in JSON */
	snprintf(want, sizeof(want), "portownctl --json why %s", self->name);
	EXPECT_EQ(2, run_cmd(want, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"busy\":true")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"reason\":\"claim\"")) TH_LOG("%s", out);
}

TEST_F(why, bad_requests_get_exact_errno)
{
	struct portown_why w;

	memset(&w, 0, sizeof(w));
	w.size = PORTOWN_WHY_SIZE_VER0 - 4;
	w.fd = -1;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, why_of(self->ctl, self->devt, &w));
	w.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_WHY, &w));
	EXPECT_EQ(EINVAL, errno);
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.fd = -1;
	w.dev_major = 1;	/* mem: not a tty */
	w.dev_minor = 3;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_WHY, &w));
	EXPECT_EQ(ENODEV, errno);
	/* the module's log lines can be silenced */
	EXPECT_EQ(0, access("/sys/module/portown/parameters/explain", W_OK));
}

TEST_F(why, explain_off_silences_the_log)
{
	char want[96];
	int fd;

	fd = open("/sys/module/portown/parameters/explain", O_WRONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(1, write(fd, "0", 1));
	close(fd);
	ASSERT_EQ(0, agent_start(&self->a, 0, "modemmanager", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_EQ(0, agent_do(&self->a, 'x'));
	ASSERT_EQ(0, agent_start(&self->b, USER_UID, "uploader", test_tty()));
	ASSERT_EQ(EBUSY, agent_do(&self->b, 'o'));
	snprintf(want, sizeof(want), "open by uploader (pid %d", self->b.pid);
	EXPECT_FALSE(logged(self->kmsg, want, NULL));
	/* the refusal is still counted */
	snprintf(want, sizeof(want), "/sys/class/portown/%s", self->name);
	EXPECT_TRUE(await_sysfs(want, "denials", "1"));
}

TEST_HARNESS_MAIN
