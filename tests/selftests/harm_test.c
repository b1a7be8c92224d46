// SPDX-License-Identifier: GPL-2.0
/*
 * Do no harm: the findings of a hostile reading of the module, each
 * reproduced.  A descriptor used while another thread closes it (KASAN on
 * the debug kernel), a claim left behind by a descriptor passed with
 * SCM_RIGHTS, descriptor-table walks any user could make the kernel do
 * over and over, list results that hid how much was written, unbounded
 * request sizes, opens blocked in carrier wait that blinded the tap, a
 * device re-bound under its old number without its sysfs link, and an
 * unbounded number of event-stream readers per user.
 *
 * Runs as root in the test VM, on the 16550 UARTs (ttyS1, and ttyS6 on
 * the test bench's second PCI card, whose carrier the host can drop).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <sched.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "portown_test.h"

#define BENCH_TTY	"/dev/ttyS6"
#define BENCH_SYS	"/sys/class/portown/ttyS6"
#define BENCH_LINE	"dcd2"

FIXTURE(harm) {
	struct agent a, b;
	int ctl;
	dev_t devt;
	pid_t kids[8];
};

static int load_with(struct _test_data_harm *self, const char *params)
{
	if (self->ctl >= 0)
		close(self->ctl);
	self->ctl = -1;
	unload_portown();
	if (load(portown_ko(), params))
		return -1;
	self->ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	return self->ctl < 0 ? -1 : 0;
}

FIXTURE_SETUP(harm)
{
	struct stat st;

	memset(self, 0, sizeof(*self));
	self->ctl = -1;
	if (geteuid())
		SKIP(return, "needs root to load modules");
	ASSERT_EQ(0, load_with(self, "")) TH_LOG("load: %s", strerror(errno));
	ASSERT_EQ(0, stat(test_tty(), &st));
	self->devt = st.st_rdev;
}

FIXTURE_TEARDOWN(harm)
{
	unsigned int i;

	agent_kill(&self->a);
	agent_kill(&self->b);
	for (i = 0; i < 8; i++) {
		if (self->kids[i] > 0) {
			kill(self->kids[i], SIGKILL);
			waitpid(self->kids[i], NULL, 0);
		}
	}
	if (self->ctl >= 0)
		close(self->ctl);
	unload_portown();
}

/* --- a descriptor in use is referenced ---------------------------------- */

struct waiter {
	int fd;
	int ret;
	int err;
};

static void *wait_through_shim(void *arg)
{
	struct waiter *w = arg;
	struct portown_wait req = {
		.size = sizeof(req), .fd = -1, .timeout_ms = 4000,
	};

	w->ret = ioctl(w->fd, PORTOWN_IOC_WAIT, &req);
	w->err = errno;
	return NULL;
}

/*
 * A WAIT through the shim works on the caller's lowest-numbered
 * descriptor of the port; another thread closes that one meanwhile.  The
 * WAIT must hold a reference on it: without one, the descriptor is freed
 * under it and read again each second (KASAN reports a use after free on
 * the debug kernel, which ends the run).
 */
TEST_F(harm, shim_wait_holds_the_descriptor_another_thread_closes)
{
	struct waiter w = { .ret = -2 };
	int low, fd, num = SHIM_DEFAULT_NUM;
	pthread_t th;

	/* someone else holds the port: the WAIT waits (started first: no copy of ours) */
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", test_tty()));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	low = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(low, 0);
	ASSERT_GT(fd, low);
	ASSERT_EQ(0, ioctl(fd, TIOCSETD, &num));

	w.fd = fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, wait_through_shim, &w));
	sleep_ms(300);
	ASSERT_EQ(0, close(low));
	sleep_ms(2500);			/* the WAIT looks again each second */
	ASSERT_EQ(0, agent_do(&self->a, 'c'));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, w.ret) TH_LOG("WAIT: %s", strerror(w.err));

	num = 0;
	EXPECT_EQ(0, ioctl(fd, TIOCSETD, &num));
	close(fd);
}

/* --- a claim belongs to its descriptor ---------------------------------- */

/*
 * A broker opens the port and passes the descriptor to a worker
 * (SCM_RIGHTS); the worker claims through it, closes it and lives on.
 * Every descriptor of the port is closed: the claim must be gone, and
 * the next dialer's claim must succeed.
 */
TEST_F(harm, claim_ends_with_a_passed_descriptor)
{
	struct portown_info info;
	int sv[2], rep[2], fd, ctl, r;
	pid_t worker;
	char c;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	worker = fork();
	ASSERT_GE(worker, 0);
	if (!worker) {
		struct portown_info in;

		if (become(USER_UID))
			_exit(1);
		prctl(PR_SET_NAME, "worker");
		ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
		fd = recv_fd(sv[1]);
		memset(&in, 0, sizeof(in));
		in.size = sizeof(in);
		in.fd = fd;
		r = ctl < 0 || fd < 0 ? -1 : ioctl(ctl, PORTOWN_IOC_CLAIM, &in) ? errno : 0;
		write(rep[1], &r, sizeof(r));
		close(fd);
		r = 0;
		write(rep[1], &r, sizeof(r));
		read(sv[1], &c, 1);		/* lives on until told */
		_exit(0);
	}
	self->kids[0] = worker;

	/* the broker */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(sizeof(r), read(rep[0], &r, sizeof(r)));
	ASSERT_EQ(0, r) TH_LOG("worker's claim: %s", strerror(r));
	ASSERT_EQ(sizeof(r), read(rep[0], &r, sizeof(r)));	/* closed it */

	ASSERT_EQ(0, info_by_devt(self->ctl, self->devt, &info));
	EXPECT_EQ(PORTOWN_STATE_CLOSED, info.state);
	EXPECT_EQ(0, info.nr_holders);
	EXPECT_EQ(1, info.counters.claims);

	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "dialer", test_tty()));
	EXPECT_EQ(0, agent_do(&self->a, 'o'));
	EXPECT_EQ(0, agent_do(&self->a, 'C'));
	ASSERT_EQ(1, write(sv[0], "q", 1));
	close(sv[0]);
	close(sv[1]);
}

/* --- descriptor-table walks are bounded --------------------------------- */

static long walk_count(void)
{
	char buf[32];

	if (read_text("/sys/kernel/debug/portown/walks", buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/*
 * A descriptor of the port that is in no process's table (in flight in a
 * unix socket): the reconciler looks for it once, not every period, and
 * queries by number do not make it look again; once the descriptor is in
 * a table it is found.
 */
TEST_F(harm, walks_for_a_missing_descriptor_are_bounded)
{
	struct portown_info info;
	long w0, w1;
	int sv[2], fd, i;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, inject_drops(1));		/* the open is missed */
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, send_fd(sv[0], fd));
	ASSERT_EQ(0, close(fd));		/* in flight: in no table */

	w0 = walk_count();
	ASSERT_GE(w0, 0);
	for (i = 0; i < 35; i++) {		/* 3.5 reconciler periods */
		ASSERT_EQ(0, info_by_devt(self->ctl, self->devt, &info));
		sleep_ms(100);
	}
	w1 = walk_count();
	EXPECT_LE(w1 - w0, 1) TH_LOG("%ld walks for one missing descriptor", w1 - w0);

	/* received: in a table now, so found once the result expires */
	fd = recv_fd(sv[1]);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, info_by_devt(self->ctl, self->devt, &info));
		if (info.nr_holders == 1)
			break;
		sleep_ms(100);
	}
	EXPECT_EQ(1, info.nr_holders);
	EXPECT_EQ(getpid(), info.owner.pid);
	EXPECT_LE(1, info.counters.repairs);
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/*
 * 4:0 stands for the foreground virtual console: a query by that number
 * is about that console's own number, and costs no walk.
 */
TEST_F(harm, device_numbers_are_normalised)
{
	struct portown_info info;
	struct stat st;
	long w0;
	int fd, i;

	if (stat("/dev/tty1", &st) || stat("/dev/tty0", &st))
		SKIP(return, "no virtual consoles in this kernel");
	ASSERT_EQ(0, load_with(self, "track=all"));
	fd = open("/dev/tty1", O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	w0 = walk_count();
	for (i = 0; i < 20; i++) {
		ASSERT_EQ(0, info_by_devt(self->ctl, makedev(4, 0), &info));
		EXPECT_EQ(4, info.dev_major);
		EXPECT_NE(0, info.dev_minor);
	}
	EXPECT_EQ(w0, walk_count());
	close(fd);
}

/* A pty slave's record by descriptor: 0 or -1. */
static int info_of(int ctl, int fd, struct portown_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = fd;
	return ioctl(ctl, PORTOWN_IOC_INFO, info);
}

/*
 * With track=all, ptys are tracked where the reconciler cannot look a
 * pty slave up without a descriptor: holding ptys, one claimed and one
 * exclusive, for several reconciler periods makes no event at all (no
 * close, repair or uevent storm), and a claim's end through its
 * descriptor clears the slave's exclusive bit.
 */
TEST_F(harm, ptys_held_under_track_all_make_no_spurious_events)
{
	struct portown_info before[3], after[3];
	int master[3], slave[3], extra, excl = 1, i;
	char name[64];

	ASSERT_EQ(0, load_with(self, "track=all"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, open_pty(&master[i], &slave[i], name, sizeof(name)));
	ASSERT_EQ(0, info_of(self->ctl, slave[0], &before[0]));
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_CLAIM, &before[0])) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, ioctl(slave[1], TIOCEXCL));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, info_of(self->ctl, slave[i], &before[i]));
	EXPECT_EQ(PORTOWN_STATE_CLAIMED, before[0].state);

	sleep_ms(3500);					/* 3.5 reconciler periods */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, info_of(self->ctl, slave[i], &after[i]));
		EXPECT_EQ(before[i].state, after[i].state) TH_LOG("pty %d", i);
		EXPECT_EQ(0, memcmp(&before[i].counters, &after[i].counters,
				    sizeof(after[i].counters)))
			TH_LOG("pty %d: closes %llu, repairs %llu after the periods", i,
			       (unsigned long long)after[i].counters.closes,
			       (unsigned long long)after[i].counters.repairs);
		EXPECT_EQ(1, after[i].nr_holders);
	}

	/* the claim ends with its descriptor, and its exclusive bit with it */
	ASSERT_EQ(0, ptsname_r(master[0], name, sizeof(name)));
	extra = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);	/* root: past the claim */
	ASSERT_GE(extra, 0);
	ASSERT_EQ(0, ioctl(extra, TIOCGEXCL, &excl));
	EXPECT_EQ(1, excl);
	close(slave[0]);
	ASSERT_EQ(0, ioctl(extra, TIOCGEXCL, &excl));
	EXPECT_EQ(0, excl) TH_LOG("the claim's exclusive bit outlived it");
	ASSERT_EQ(0, info_of(self->ctl, extra, &after[0]));
	EXPECT_EQ(PORTOWN_STATE_OPEN, after[0].state);
	close(extra);
	for (i = 0; i < 3; i++) {
		if (i)
			close(slave[i]);
		close(master[i]);
	}
}

/*
 * With track=all, a pty is tracked in init's devpts instance only: a user
 * who makes a pty with the same number in an instance of its own (a
 * container's) neither sees the tracked one's holder nor disturbs its
 * record when its own pty is hung up.
 */
TEST_F(harm, other_devpts_instances_are_kept_apart)
{
	struct portown_info info;
	int master, slave, rep[2], r[3];
	char name[64];
	struct stat st;
	pid_t kid;

	ASSERT_EQ(0, load_with(self, "track=all"));
	ASSERT_EQ(0, open_pty(&master, &slave, name, sizeof(name)));
	ASSERT_EQ(0, fstat(slave, &st));
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.fd = slave;
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_CLAIM, &info));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	kid = fork();
	ASSERT_GE(kid, 0);
	if (!kid) {
		char map[32], path[64];
		int ctl, m = -1, s, fd, i;

		close(slave);		/* nothing of the tracked pty's */
		close(master);
		ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
		if (ctl < 0 || setgroups(0, NULL) || setresgid(1002, 1002, 1002) ||
		    setresuid(1002, 1002, 1002) || prctl(PR_SET_DUMPABLE, 1) ||
		    unshare(CLONE_NEWUSER | CLONE_NEWNS))
			_exit(1);
		fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
		snprintf(map, sizeof(map), "0 1002 1\n");
		if (fd < 0 || write(fd, map, strlen(map)) < 0 ||
		    mount("devpts", "/dev/pts", "devpts", 0, "newinstance,ptmxmode=0666"))
			_exit(2);
		/* make ptys in the new instance up to the tracked one's number */
		for (i = 0; i <= (int)minor(st.st_rdev); i++) {
			m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (m < 0 || unlockpt(m))
				_exit(3);
		}
		snprintf(path, sizeof(path), "/dev/pts/%u", minor(st.st_rdev));
		s = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s < 0)
			_exit(4);
		info.fd = -1;
		info.dev_major = major(st.st_rdev);
		info.dev_minor = minor(st.st_rdev);
		r[0] = ioctl(ctl, PORTOWN_IOC_INFO, &info) ? errno : 0;
		r[1] = info.owner.flags & PORTOWN_ID_HIDDEN;
		r[2] = info.owner.pid;
		close(m);		/* hangs its own slave up */
		write(rep[1], r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(sizeof(r), read(rep[0], r, sizeof(r)));
	ASSERT_EQ(kid, waitpid(kid, NULL, 0));
	EXPECT_EQ(0, r[0]);
	EXPECT_TRUE(r[1]) TH_LOG("another instance's user saw the holder");
	EXPECT_EQ(0, r[2]);

	sleep_ms(300);
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.fd = slave;
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_INFO, &info));
	EXPECT_EQ(PORTOWN_STATE_CLAIMED, info.state);
	EXPECT_EQ(0, info.counters.hangups);
	EXPECT_EQ(1, info.nr_holders);
	close(slave);
	close(master);
	close(rep[0]);
	close(rep[1]);
}

/* --- results say what was written --------------------------------------- */

#define MANY	4200		/* more than the 4096 an earlier cap allowed */

TEST_F_TIMEOUT(harm, results_say_how_many_were_written, 600)
{
	struct rlimit rl = { MANY + 64, MANY + 64 };
	struct portown_ident *ids;
	struct portown_event evs[4];
	struct portown_list_entry ports[2];
	struct portown_holders h;
	struct portown_history hist;
	struct portown_list l;
	int *fds, i, bad = 0;

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	fds = calloc(MANY, sizeof(*fds));
	ids = calloc(MANY + 100, sizeof(*ids));
	ASSERT_TRUE(fds && ids);
	for (i = 0; i < MANY; i++) {
		fds[i] = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_GE(fds[i], 0) TH_LOG("open %d: %s", i, strerror(errno));
	}

	h = (struct portown_holders){
		.size = sizeof(h), .fd = -1,
		.dev_major = major(self->devt), .dev_minor = minor(self->devt),
		.entry_size = sizeof(*ids), .holders = (unsigned long)ids,
	};
	/*
	 * So many opens at once may overflow the tap's ring on a slow kernel
	 * (tap_missed); the reconciler then finds the rest within seconds.
	 */
	for (i = 0; i < 100; i++) {
		h.count = MANY + 100;
		ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h));
		if (h.count == MANY)
			break;
		sleep_ms(100);
	}
	if (read_text("/sys/class/portown/tap_missed", (char *)evs, sizeof(evs)))
		snprintf((char *)evs, sizeof(evs), "?");
	EXPECT_EQ(MANY, h.count) TH_LOG("tap_missed %s", (char *)evs);
	EXPECT_EQ(MANY, h.written);
	for (i = 0; i < MANY; i++)
		bad += ids[i].pid != getpid() || !ids[i].since_ns;
	EXPECT_EQ(0, bad) TH_LOG("%d entries not written", bad);

	h.count = 10;
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h));
	EXPECT_EQ(MANY, h.count);
	EXPECT_EQ(10, h.written);

	hist = (struct portown_history){
		.size = sizeof(hist), .fd = fds[0], .count = 4,
		.entry_size = sizeof(evs[0]), .events = (unsigned long)evs,
	};
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_HISTORY, &hist));
	EXPECT_EQ(32, hist.count);
	EXPECT_EQ(4, hist.written);

	l = (struct portown_list){
		.size = sizeof(l), .count = 1,
		.entry_size = sizeof(ports[0]), .ports = (unsigned long)ports,
	};
	ASSERT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_LIST, &l));
	EXPECT_LE(1, l.count);
	EXPECT_EQ(1, l.written);

	for (i = 0; i < MANY; i++)
		close(fds[i]);
	free(fds);
	free(ids);
}

/* --- requests are bounded ----------------------------------------------- */

/* Sizes beyond a page are refused, as openat2() and clone3() refuse them. */
TEST_F(harm, oversized_requests_are_refused)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct portown_ident id;
	struct portown_holders h;
	struct portown_info *big;

	big = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	big->size = 2 * psz;		/* zero tail: valid but for its size */
	big->fd = -1;
	big->dev_major = major(self->devt);
	big->dev_minor = minor(self->devt);
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_INFO, big));
	EXPECT_EQ(E2BIG, errno);
	big->size = sizeof(*big);
	EXPECT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_INFO, big));

	memset(&h, 0, sizeof(h));
	h.size = sizeof(h);
	h.fd = -1;
	h.dev_major = major(self->devt);
	h.dev_minor = minor(self->devt);
	h.count = 1;
	h.entry_size = psz + 1;
	h.holders = (unsigned long)big;
	EXPECT_EQ(-1, ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h));
	EXPECT_EQ(E2BIG, errno);
	h.entry_size = sizeof(id);
	EXPECT_EQ(0, ioctl(self->ctl, PORTOWN_IOC_HOLDERS, &h));
	munmap(big, 4 * psz);
}

/* --- opens blocked in carrier wait -------------------------------------- */

/* Drop the bench UART's carrier, with CLOCAL off: its opens then wait. */
static int no_carrier(void)
{
	struct pollfd p = { .events = POLLIN };
	struct termios t;
	int fd, i;

	fd = open(BENCH_TTY, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &t))
		return -1;
	t.c_cflag &= ~CLOCAL;
	if (tcsetattr(fd, TCSANOW, &t) || host_request("dcd-drop " BENCH_LINE))
		return -1;
	/* the hangup that carrier loss brings tells when it is down */
	p.fd = fd;
	for (i = 0; i < 1000; i++)
		if (poll(&p, 1, 10) > 0 && (p.revents & POLLHUP))
			break;
	close(fd);
	return 0;
}

/*
 * Each open in progress holds one of the tap's open probes (open_probes,
 * here 2), and an open waiting for carrier holds it throughout.  With all
 * of them taken, an open elsewhere is missed: it must be counted in
 * tap_missed and found by the reconciler, not left unseen.
 */
TEST_F(harm, opens_blocked_in_carrier_wait_are_counted_and_repaired)
{
	struct portown_info info;
	struct termios t;
	char buf[32];
	long missed0;
	int hold, fd, i;

	ASSERT_EQ(0, load_with(self, "open_probes=2"));
	ASSERT_EQ(0, no_carrier());
	hold = open(BENCH_TTY, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(hold, 0);
	ASSERT_EQ(0, tcgetattr(hold, &t));
	t.c_cflag &= ~CLOCAL;
	ASSERT_EQ(0, tcsetattr(hold, TCSANOW, &t));
	for (i = 0; i < 3; i++) {
		self->kids[i] = fork();
		ASSERT_GE(self->kids[i], 0);
		if (!self->kids[i]) {
			open(BENCH_TTY, O_RDWR | O_NOCTTY);	/* waits for carrier */
			_exit(1);
		}
	}
	sleep_ms(500);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, waitpid(self->kids[i], NULL, WNOHANG)) TH_LOG("open did not wait");

	ASSERT_EQ(0, read_text("/sys/class/portown/tap_missed", buf, sizeof(buf)));
	missed0 = atol(buf);
	EXPECT_LE(1, missed0) TH_LOG("the third waiting open was not counted");
	fd = open(test_tty(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, read_text("/sys/class/portown/tap_missed", buf, sizeof(buf)));
	EXPECT_LT(missed0, atol(buf)) TH_LOG("a missed open was not counted");
	for (i = 0; i < 40; i++) {
		ASSERT_EQ(0, info_by_devt(self->ctl, self->devt, &info));
		if (info.nr_holders == 1)
			break;
		sleep_ms(100);
	}
	EXPECT_EQ(1, info.nr_holders) TH_LOG("the reconciler did not find the missed open");
	EXPECT_EQ(getpid(), info.owner.pid);
	close(fd);
	close(hold);
}

/* --- a device re-bound under its old number ----------------------------- */

/*
 * The PCI function and driver of a tty, from sysfs: the device path's
 * first element under the PCI root ("0000:00:05.0"), whatever lies
 * between it and the tty (serial core port devices, on newer kernels).
 */
static int pci_of(const char *tty, char *addr, size_t alen, char *drv, size_t dlen)
{
	char path[160], real[PATH_MAX], target[PATH_MAX], *p, *end;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/tty/%s/device", tty);
	if (!realpath(path, real))
		return -1;
	p = strstr(real, "/pci0000:00/");
	if (!p)
		return -1;
	p += strlen("/pci0000:00/");
	end = strchr(p, '/');
	if (end)
		*end = '\0';
	snprintf(addr, alen, "%s", p);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return -1;
	target[n] = '\0';
	snprintf(drv, dlen, "%s", basename(target));
	return 0;
}

static int pci_write(const char *drv, const char *what, const char *addr)
{
	char path[160];
	int fd, r;

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/%s", drv, what);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = write(fd, addr, strlen(addr)) == (ssize_t)strlen(addr) ? 0 : -1;
	close(fd);
	return r;
}

/*
 * The UART's driver is unbound while a user holds it: the port goes
 * "gone" and loses its "device" link.  Bound again, it comes back under
 * the same number; the next successful open makes it a live port again,
 * with its link to the new device.
 */
TEST_F(harm, rebound_device_gets_its_link_back)
{
	char addr[64], drv[64], link[PATH_MAX], state[32];
	ssize_t n;
	int fd;

	ASSERT_EQ(0, pci_of("ttyS6", addr, sizeof(addr), drv, sizeof(drv)));
	ASSERT_EQ(0, agent_start(&self->a, USER_UID, "holdprog", BENCH_TTY));
	ASSERT_EQ(0, agent_do(&self->a, 'o'));
	ASSERT_TRUE(wait_for_path(BENCH_SYS "/device", 2000));

	ASSERT_EQ(0, pci_write(drv, "unbind", addr));
	EXPECT_TRUE(await_sysfs(BENCH_SYS, "state", "gone"));
	EXPECT_TRUE(wait_for_no_path(BENCH_SYS "/device", 3000));

	ASSERT_EQ(0, pci_write(drv, "bind", addr));
	ASSERT_TRUE(wait_for_path("/sys/class/tty/ttyS6/device", 5000));
	fd = open(BENCH_TTY, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fd, 0) TH_LOG("open after bind: %s", strerror(errno));
	EXPECT_TRUE(await_sysfs(BENCH_SYS, "state", "open"));
	ASSERT_TRUE(wait_for_path(BENCH_SYS "/device", 3000))
		TH_LOG("no device link after re-bind");
	n = readlink(BENCH_SYS "/device", link, sizeof(link) - 1);
	ASSERT_GT(n, 0);
	link[n] = '\0';
	EXPECT_NE(NULL, strstr(link, addr)) TH_LOG("link: %s", link);
	ASSERT_EQ(0, read_text(BENCH_SYS "/state", state, sizeof(state)));
	close(fd);
}

/* --- event-stream readers per user -------------------------------------- */

TEST_F(harm, readers_per_user_are_bounded)
{
	int rep[2], r[2], i, fds[100];
	pid_t kid;

	ASSERT_EQ(0, load_with(self, "max_readers=8"));
	ASSERT_EQ(0, pipe2(rep, O_CLOEXEC));
	kid = fork();
	ASSERT_GE(kid, 0);
	if (!kid) {
		int mine[8];

		if (become(USER_UID))
			_exit(1);
		for (i = 0; i < 8; i++) {
			mine[i] = open("/dev/portown", O_RDONLY | O_CLOEXEC);
			if (mine[i] < 0)
				_exit(2);
		}
		r[0] = open("/dev/portown", O_RDONLY | O_CLOEXEC) < 0 ? errno : 0;
		close(mine[3]);		/* one goes: room for one more */
		r[1] = open("/dev/portown", O_RDONLY | O_CLOEXEC) < 0 ? errno : 0;
		write(rep[1], r, sizeof(r));
		_exit(0);
	}
	ASSERT_EQ(sizeof(r), read(rep[0], r, sizeof(r)));
	ASSERT_EQ(kid, waitpid(kid, NULL, 0));
	EXPECT_EQ(EMFILE, r[0]) TH_LOG("the ninth reader: %s", strerror(r[0]));
	EXPECT_EQ(0, r[1]) TH_LOG("a reader after one closed: %s", strerror(r[1]));

	/* root is not limited */
	for (i = 0; i < 100; i++) {
		fds[i] = open("/dev/portown", O_RDONLY | O_CLOEXEC);
		ASSERT_GE(fds[i], 0);
	}
	for (i = 0; i < 100; i++)
		close(fds[i]);
	close(rep[0]);
	close(rep[1]);
}

TEST_HARNESS_MAIN
