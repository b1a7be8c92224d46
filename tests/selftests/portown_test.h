/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by portown's selftests: the module, the test UART, and
 * small file utilities.  Included after kselftest_harness.h.
 */
#ifndef PORTOWN_TEST_H
#define PORTOWN_TEST_H

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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/portown.h>
#include <linux/sched.h>

#define SHIM_DEFAULT_NUM	29	/* N_DEVELOPMENT */

static inline const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static inline const char *portown_ko(void)
{
	return env_or("PORTOWN_KO", "/portown/modules/portown.ko");
}

static inline const char *helper_ko(void)
{
	return env_or("PORTOWN_HELPER_KO", "/portown/modules/portown_test_helper.ko");
}

/* A free 16550 UART of the VM */
static inline const char *test_tty(void)
{
	return env_or("PORTOWN_TTY", "/dev/ttyS1");
}

/*
 * The 16550 UART whose chardev is a socket with the host's loopback plug
 * in it (loopback_plug in tools/testing/lib.sh): every byte sent comes
 * back as input.
 */
static inline const char *loop_tty(void)
{
	return env_or("PORTOWN_LOOP_TTY", "/dev/ttyS7");
}

static inline int load(const char *path, const char *params)
{
	int fd, ret, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, params, 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static inline int unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static inline bool module_loaded(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, F_OK) == 0;
}

/* Unload portown, giving its last users up to 10 s to go; 0 when it is gone. */
static inline int unload_portown(void)
{
	struct timespec ts = { 0, 20 * 1000000L };
	int i;

	for (i = 0; i < 500 && module_loaded("portown") && unload("portown"); i++)
		nanosleep(&ts, NULL);
	return module_loaded("portown") ? -1 : 0;
}

/*
 * Is a line discipline listed in /proc/tty/ldiscs under the name @want,
 * or, when @want is NULL, under the number @num?  Copies the name of the
 * one found into @name (64 bytes) unless @name is NULL.
 */
static inline bool ldisc_listed(const char *want, int num, char *name)
{
	char line[128], n[64];
	bool found = false;
	FILE *f;
	int v;

	f = fopen("/proc/tty/ldiscs", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %d", n, &v) != 2 ||
		    (want ? strcmp(n, want) : v != num))
			continue;
		if (name)
			snprintf(name, 64, "%s", n);
		found = true;
	}
	fclose(f);
	return found;
}

/*
 * Open a pty pair: the master in *@master, the slave (O_NOCTTY) in
 * *@slave, its path in @name.  0, or -1 with errno set.
 */
static inline int open_pty(int *master, int *slave, char *name, size_t len)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	if (grantpt(*master) || unlockpt(*master) || ptsname_r(*master, name, len))
		return -1;
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *slave < 0 ? -1 : 0;
}

/*
 * The kernel's default settings of a terminal (tty_std_termios), as a new
 * pty has them: in @t.  0, or -1 with errno set.
 */
static inline int std_termios(struct termios *t)
{
	int master = -1, slave = -1, r = -1;
	char name[64];

	if (!open_pty(&master, &slave, name, sizeof(name)))
		r = tcgetattr(slave, t);
	if (master >= 0)
		close(master);
	if (slave >= 0)
		close(slave);
	return r;
}

/*
 * Settings of a 16550 as its driver leaves it (the kernel's defaults at
 * 9600 baud, CLOCAL): what the next user finds after a hangup with
 * portown, unless an administrator set another baseline.
 */
static inline int uart_defaults(struct termios *t)
{
	if (std_termios(t))
		return -1;
	t->c_cflag = CS8 | CREAD | HUPCL | CLOCAL;
	return cfsetspeed(t, B9600);
}

static inline bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Read a small text file into @buf, without the trailing newline. */
static inline int read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static inline long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static inline void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static inline bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/*
 * Read until @want bytes have come or @ms went by without any: a pty's
 * flip buffer, or a UART's FIFO, may hand them over in pieces.
 */
static inline ssize_t read_all(int fd, char *buf, size_t want, int ms)
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

/* Wait up to @ms for @n bytes of input to be readable on @fd (TIOCINQ). */
static inline bool await_input(int fd, int n, int ms)
{
	int inq = -1;

	for (; ms > 0; ms -= 10) {
		if (!ioctl(fd, TIOCINQ, &inq) && inq >= n)
			return true;
		sleep_ms(10);
	}
	return !ioctl(fd, TIOCINQ, &inq) && inq >= n;
}

/* Raw 8N1 at 115200 baud, no flow control, CLOCAL: bytes cross as they are. */
static inline int uart_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return -1;
	cfmakeraw(&t);
	t.c_cflag &= ~(CRTSCTS | CSTOPB);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetspeed(&t, B115200);
	return tcsetattr(fd, TCSANOW, &t);
}

/*
 * Silence the loopback UART at @fd: no echo, which would send every byte
 * that comes back out again, then read until nothing has come for 500 ms
 * (at most 30 s), and flush both queues.  Leaves it raw.
 */
static inline int uart_quiet(int fd)
{
	char buf[256];
	int i;

	if (uart_raw(fd))
		return -1;
	tcdrain(fd);
	for (i = 0; i < 60 && readable(fd, 500); i++)
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
	return tcflush(fd, TCIOFLUSH);
}

/*
 * Is the host's loopback plug in the UART at @fd?  A probe written must
 * come back.  QEMU drops what the UART sends until the plug is in, so the
 * probe is sent again each second, for up to 20 s; what came back is
 * drained.  Leaves the port raw, at 115200 baud.
 */
static inline bool loop_plugged(int fd)
{
	static const char probe[] = "portown loopback probe\n";
	size_t len = sizeof(probe) - 1;
	char buf[sizeof(probe)];
	bool back = false;
	int i;

	if (uart_raw(fd) || tcflush(fd, TCIOFLUSH))
		return false;
	for (i = 0; i < 20 && !back; i++) {
		if (write(fd, probe, len) != (ssize_t)len)
			return false;
		memset(buf, 0, sizeof(buf));
		back = read_all(fd, buf, len, 1000) == (ssize_t)len &&
		       !memcmp(buf, probe, len);
		/* a probe cut short as the plug came in: drain its rest */
		while (!back && readable(fd, 200) && read(fd, buf, sizeof(buf)) > 0)
			;
	}
	return !uart_quiet(fd) && back;
}

/* Is @name a kernel console, as /proc/consoles lists them? */
static inline bool is_console(const char *name)
{
	char buf[1024], *line;

	if (read_text("/proc/consoles", buf, sizeof(buf)))
		return false;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, name, strlen(name)) && line[strlen(name)] == ' ')
			return true;
	return false;
}

/* Wait up to @ms for @path to exist (sysfs entries are made by a work item). */
static inline bool wait_for_path(const char *path, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (exists(path))
			return true;
		sleep_ms(10);
	}
	return exists(path);
}

/*
 * Ask the test bench's host for a hardware event (see host_bench in
 * tools/testing/lib.sh): "dcd-drop dcd0", "usb-unplug ftdi0", ...  The
 * request goes on the results channel, which the host follows; the
 * caller waits for the event's effect.  The channel is a tty: it is
 * opened once, so that asking makes no tty events of its own (which
 * would count against portown's drop_events knob).
 */
static int host_channel = -1;

static inline int host_request(const char *req)
{
	char line[128];
	int n;

	if (host_channel < 0)
		host_channel = open(env_or("PORTOWN_HOST_CHANNEL", "/dev/ttyS3"),
				    O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (host_channel < 0)
		return -1;
	n = snprintf(line, sizeof(line), "\n# host: %s\n", req);
	return write(host_channel, line, n) == n ? 0 : -1;
}

/* Wait up to @ms for @path to be gone. */
static inline bool wait_for_no_path(const char *path, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (!exists(path))
			return true;
		sleep_ms(10);
	}
	return !exists(path);
}

/* Wait up to 3 s for @dir/@attr (a sysfs file) to read @want. */
static inline bool await_sysfs(const char *dir, const char *attr, const char *want)
{
	char path[160], buf[64];
	int i;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	for (i = 0; i < 300; i++) {
		if (!read_text(path, buf, sizeof(buf)) && !strcmp(buf, want))
			return true;
		sleep_ms(10);
	}
	return false;
}

/* Make the tap drop its next @n events (debugfs, for the reconciler's tests). */
static inline int inject_drops(int n)
{
	char buf[16];
	int fd, len;

	fd = open("/sys/kernel/debug/portown/drop_events", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", n);
	len = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return len;
}

/* The tap's drops still to come (debugfs drop_events); -1 on error. */
static inline int drops_left(void)
{
	char buf[16];

	if (read_text("/sys/kernel/debug/portown/drop_events", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

/* INFO on a port named by its device number. */
static inline int info_by_devt(int ctl, dev_t devt, struct portown_info *info)
{
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = -1;
	info->dev_major = major(devt);
	info->dev_minor = minor(devt);
	return ioctl(ctl, PORTOWN_IOC_INFO, info);
}

/* Run @cmd with the shell; its output in @out, its exit status returned. */
/* PORTOWN_IOC_WHY of the port @devt on /dev/portown (@ctl). */
static inline int why_of(int ctl, dev_t devt, struct portown_why *w)
{
	memset(w, 0, sizeof(*w));
	w->size = sizeof(*w);
	w->fd = -1;
	w->dev_major = major(devt);
	w->dev_minor = minor(devt);
	return ioctl(ctl, PORTOWN_IOC_WHY, w);
}

static inline int run_cmd(const char *cmd, char *out, size_t len)
{
	size_t n = 0;
	FILE *p;

	out[0] = '\0';
	p = popen(cmd, "r");
	if (!p)
		return -1;
	while (n + 1 < len && fgets(out + n, len - n, p))
		n += strlen(out + n);
	return WEXITSTATUS(pclose(p));
}

#define USER_UID	1000
#define DIALOUT_GID	20

/* Become @uid (a member of dialout, as the test ports' users are). */
static inline int become(uid_t uid)
{
	gid_t g = DIALOUT_GID;

	if (setgroups(1, &g) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/* Pass descriptor @fd over the unix socket @sock (SCM_RIGHTS). */
static inline int send_fd(int sock, int fd)
{
	char data = 'f', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

/* Receive a descriptor passed with send_fd(); -1 on failure. */
static inline int recv_fd(int sock)
{
	char data, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr m = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Open /dev/kmsg positioned after everything logged so far. */
static inline int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Has anything logged since kmsg_open_at_end() contained @needle? */
static inline bool kmsg_contains(int fd, const char *needle)
{
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return false;
		rec[n] = '\0';
		if (strstr(rec, needle))
			return true;
	}
}

/*
 * picocom -b 115200 on @tty as uid 1000, in a terminal of its own: a pty
 * whose master is *@term.  The terminal is raw from the start: a pty that
 * echoed what is typed before picocom set it up would pass for picocom.
 */
static inline pid_t start_picocom(const char *tty, int *term)
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

/* --- agents ------------------------------------------------------------ */

struct agent {
	pid_t pid;
	int cmd;	/* parent writes commands */
	int rep;	/* agent writes one int per command */
};

/* The agent's 's': set @fd raw at 115200 baud; 0 or an errno. */
static inline int agent_set_raw(int fd)
{
	struct termios t;
	int r;

	r = tcgetattr(fd, &t) ? errno : 0;
	if (!r) {
		cfmakeraw(&t);
		cfsetspeed(&t, B115200);
		r = tcsetattr(fd, TCSANOW, &t) ? errno : 0;
	}
	return r;
}

/* The agent's 'h': wait up to 10 s for POLLHUP on @fd; 0 or an errno. */
static inline int agent_await_hup(int fd)
{
	long long end = now_ns() + 10 * 1000000000LL;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r = ETIMEDOUT;

	while (r == ETIMEDOUT && now_ns() < end) {
		if (poll(&p, 1, 10) < 0)
			r = errno;
		else if (p.revents & POLLHUP)
			r = 0;
		else if (p.revents)
			sleep_ms(10);	/* input, say: not what is asked */
	}
	return r;
}

/*
 * Commands: 'o' open the port, 'C' claim it, 'R' release it, 'c' close
 * it, 'x' TIOCEXCL, 's' set it raw at 115200 baud, 'h' wait up to 10 s
 * for poll() to report POLLHUP on the descriptor (ETIMEDOUT if it never
 * does), 'f' fork a child that keeps the descriptor (replies its pid),
 * 'q' exit.  Replies 0 or an errno.
 */
static inline void agent_main(int cmd, int rep, const char *path)
{
	struct portown_info info;
	int fd = -1, ctl, r;
	pid_t kid;
	char c;

	ctl = open("/dev/portown", O_RDWR | O_CLOEXEC);
	while (read(cmd, &c, 1) == 1) {
		r = 0;
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		info.fd = fd;
		switch (c) {
		case 'o':
			fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
			r = fd < 0 ? errno : 0;
			break;
		case 'C':
			r = ioctl(ctl, PORTOWN_IOC_CLAIM, &info) ? errno : 0;
			break;
		case 'R':
			r = ioctl(ctl, PORTOWN_IOC_RELEASE, &info) ? errno : 0;
			break;
		case 'c':
			r = close(fd) ? errno : 0;
			fd = -1;
			break;
		case 'x':
			r = ioctl(fd, TIOCEXCL) ? errno : 0;
			break;
		case 's':
			r = agent_set_raw(fd);
			break;
		case 'h':
			r = agent_await_hup(fd);
			break;
		case 'f':
			kid = fork();
			if (!kid) {
				close(cmd);
				close(rep);
				close(ctl);	/* keep only the port */
				for (;;)
					pause();
			}
			r = kid;
			break;
		case 'q':
			_exit(0);
		}
		if (write(rep, &r, sizeof(r)) != sizeof(r))
			_exit(1);
	}
	_exit(0);
}

/* fork(), or with @want > 0 a child with exactly that pid (clone3 set_tid) */
static inline pid_t fork_as(pid_t want)
{
	struct clone_args args = { .exit_signal = SIGCHLD };

	if (want <= 0)
		return fork();
	args.set_tid = (unsigned long)&want;
	args.set_tid_size = 1;
	return syscall(SYS_clone3, &args, sizeof(args));
}

/* Start an agent as @uid (0: stay root) named @comm, with pid @want if > 0. */
static inline int agent_start_pid(struct agent *a, uid_t uid, const char *comm,
				  const char *path, pid_t want)
{
	int to[2], from[2];
	gid_t g = DIALOUT_GID;

	if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC))
		return -1;
	a->pid = fork_as(want);
	if (a->pid < 0)
		return -1;
	if (!a->pid) {
		close(to[1]);
		close(from[0]);
		if (uid && (setgroups(1, &g) || setresgid(uid, uid, uid) ||
			    setresuid(uid, uid, uid)))
			_exit(2);
		prctl(PR_SET_NAME, comm);
		agent_main(to[0], from[1], path);
	}
	close(to[0]);
	close(from[1]);
	a->cmd = to[1];
	a->rep = from[0];
	return 0;
}

static inline int agent_start(struct agent *a, uid_t uid, const char *comm, const char *path)
{
	return agent_start_pid(a, uid, comm, path, 0);
}

/* Send @c; return the agent's reply, or -1 if it is gone. */
static inline int agent_do(struct agent *a, char c)
{
	int r;

	if (write(a->cmd, &c, 1) != 1 || read(a->rep, &r, sizeof(r)) != sizeof(r))
		return -1;
	return r;
}

static inline void agent_reap(struct agent *a)
{
	if (a->pid > 0) {
		close(a->cmd);
		close(a->rep);
		waitpid(a->pid, NULL, 0);
	}
	a->pid = 0;
}

static inline void agent_kill(struct agent *a)
{
	if (a->pid > 0)
		kill(a->pid, SIGKILL);
	agent_reap(a);
}

#endif /* PORTOWN_TEST_H */

