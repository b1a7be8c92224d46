// SPDX-License-Identifier: GPL-2.0
/*
 * portown_bench - the measurements of "make bench", run in the test VM.
 *
 * One subcommand per kind of figure; each prints one line per sample on
 * stdout, which tools/testing/vm/bench.sh sends to the results channel:
 *
 *   # bench: METRIC {"variant": "...", "rep": R, "value": V, "unit": "...", "n": N}
 *
 * The host (tools/testing/bench.sh) groups the samples by metric and
 * variant and computes min / median / max and the ratios.  Whatever
 * cannot be measured is a line "# bench-error: ..." and exit status 1.
 * Times are CLOCK_MONOTONIC; nothing here judges a figure.
 *
 * Subcommands (the variant names the module's state the VM script set up):
 *   cycles VARIANT REP TARGET N	open+close of ttyS1, ttyUSB0 or a pty
 *   hangup VARIANT REP N		TIOCVHANGUP of ttyS1 to the next open
 *   whoholds PROCS REPS FAST SLOW	who holds ttyS1: ioctl, sysfs,
 *					portownctl, fuser, lsof
 *   ldisc REPS BYTES ECHOES		shim against N_TTY over a pty pair
 *   mem VARIANT REP N			slab bytes per pty (port) and per
 *					descriptor of ttyS1 (holder)
 *   events REPS N			time per event, 0/1/100 idle readers
 *   notify REPS N SPACED		uevents and poll() wake-ups per cycle
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/portown.h>

#define UART		"/dev/ttyS1"
#define USB_SERIAL	"/dev/ttyUSB0"
#define CTL		"/dev/portown"
#define PORTOWNCTL	"/portown/bin/portownctl"
#define FUSER		"/usr/bin/fuser"
#define LSOF		"/usr/bin/lsof"
#define CLASS		"/sys/class/portown"
#define HOLDER_FDS	8	/* descriptors each holder process keeps open */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static char **env;	/* main()'s environment, for the programs it runs */

static noreturn void die(const char *fmt, ...)
{
	va_list ap;

	printf("# bench-error: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (errno %d: %s)\n", errno, strerror(errno));
	fflush(stdout);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void emit(const char *metric, const char *variant, int rep, double value,
		 const char *unit, long n)
{
	printf("# bench: %s {\"variant\": \"%s\", \"rep\": %d, \"value\": %.4f, ",
	       metric, variant, rep, value);
	printf("\"unit\": \"%s\", \"n\": %ld}\n", unit, n);
	fflush(stdout);
}

static long arg_long(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0)
		die("bad number \"%s\"", s);
	return v;
}

static void raise_nofile(long want)
{
	struct rlimit rl = { want, want };

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit(RLIMIT_NOFILE, %ld)", want);
}

static bool portown_loaded(void)
{
	return access(CTL, F_OK) == 0;
}

static dev_t uart_devt(void)
{
	struct stat st;

	if (stat(UART, &st))
		die("stat %s", UART);
	return st.st_rdev;
}

static int open_tty(const char *path)
{
	return open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
}

/* PORTOWN_IOC_INFO about ttyS1; a query applies every event the tap saw. */
static int uart_info(struct portown_info *info)
{
	dev_t d = uart_devt();
	int fd, r;

	fd = open(CTL, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	info->fd = -1;
	info->dev_major = major(d);
	info->dev_minor = minor(d);
	r = ioctl(fd, PORTOWN_IOC_INFO, info);
	close(fd);
	return r;
}

static void flush_tap(void)
{
	struct portown_info info;

	if (portown_loaded() && uart_info(&info))
		die("PORTOWN_IOC_INFO on %s", UART);
}

/* A pty pair: the master in *@master, the slave in *@slave. */
static int open_pty(int *master, int *slave)
{
	char name[64];

	*slave = -1;
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	if (grantpt(*master) || unlockpt(*master) || ptsname_r(*master, name, sizeof(name)))
		return -1;
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *slave < 0 ? -1 : 0;
}

/* --- open+close cycles ------------------------------------------------ */

static void cycle(const char *target)
{
	int a, b;

	if (!strcmp(target, "pty")) {
		if (open_pty(&a, &b))
			die("open a pty");
		close(b);
		close(a);
		return;
	}
	a = open_tty(target);
	if (a < 0)
		die("open %s", target);
	close(a);
}

static int cmd_cycles(char **argv)
{
	const char *variant = argv[0], *name = argv[2];
	int rep = arg_long(argv[1]);
	long n = arg_long(argv[3]), i;
	char target[64], metric[64];
	double t0, t1;

	if (!strcmp(name, "pty"))
		snprintf(target, sizeof(target), "pty");
	else
		snprintf(target, sizeof(target), "/dev/%s", name);
	snprintf(metric, sizeof(metric), "open_close.%s", name);
	cycle(target);		/* warm: the first open of a port is not typical */
	flush_tap();
	t0 = now_ns();
	for (i = 0; i < n; i++)
		cycle(target);
	flush_tap();
	t1 = now_ns();
	emit(metric, variant, rep, (t1 - t0) / n, "ns", n);
	return 0;
}

/* --- hangup to the next open ------------------------------------------ */

static int cmd_hangup(char **argv)
{
	const char *variant = argv[0];
	int rep = arg_long(argv[1]), a, b;
	long n = arg_long(argv[2]), i;
	double t0, t, sum = 0;

	for (i = 0; i < n; i++) {
		a = open_tty(UART);
		if (a < 0)
			die("open %s", UART);
		t0 = now_ns();
		if (ioctl(a, TIOCVHANGUP))
			die("TIOCVHANGUP");
		for (;;) {
			b = open_tty(UART);
			t = now_ns();
			if (b >= 0)
				break;
			if (errno != EIO && errno != EBUSY && errno != EAGAIN && errno != EINTR)
				die("open %s after the hangup", UART);
			if (t - t0 > 5e9)
				die("%s not open 5 s after the hangup", UART);
		}
		sum += t - t0;
		close(b);
		close(a);
	}
	flush_tap();
	emit("hangup_reopen", variant, rep, sum / n, "ns", n);
	return 0;
}

/* --- who holds ttyS1 ---------------------------------------------------- */

static void holder_child(int ready, bool uart)
{
	int fd, i, p[2];

	fd = open("/dev/null", O_RDWR);
	for (i = 0; i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
	for (i = 3; i < 64; i++)
		if (i != ready)
			close(i);
	for (i = 0; i < HOLDER_FDS - 2; i++)
		open("/dev/null", O_RDONLY);
	if (pipe(p))
		_exit(1);
	if (uart && open_tty(UART) < 0)
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	for (;;)
		pause();
}

/* Run a program with stdout and stderr on /dev/null; its exit status. */
static int run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	errno = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	if (errno)
		die("spawn %s", argv[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid %s", argv[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static struct portown_ident holders_buf[4096];

/* The holders of ttyS1 by ioctl; whether @pid is among them. */
static bool who_ioctl(pid_t pid)
{
	struct portown_holders h = { 0 };
	dev_t d = uart_devt();
	unsigned int i;
	int fd, r;

	fd = open(CTL, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", CTL);
	h.size = sizeof(h);
	h.fd = -1;
	h.dev_major = major(d);
	h.dev_minor = minor(d);
	h.count = ARRAY_SIZE(holders_buf);
	h.entry_size = sizeof(holders_buf[0]);
	h.holders = (unsigned long)holders_buf;
	r = ioctl(fd, PORTOWN_IOC_HOLDERS, &h);
	close(fd);
	if (r)
		die("PORTOWN_IOC_HOLDERS");
	for (i = 0; i < h.written; i++)
		if (holders_buf[i].pid == pid)
			return true;
	return false;
}

static bool who_sysfs(pid_t pid)
{
	char buf[8192], want[32];
	ssize_t n, len = 0;
	int fd;

	fd = open(CLASS "/ttyS1/holders", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s/ttyS1/holders", CLASS);
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	snprintf(want, sizeof(want), "%d ", pid);
	return !strncmp(buf, want, strlen(want)) || strstr(buf, want);
}

enum { W_IOCTL, W_SYSFS, W_CTL, W_FUSER, W_LSOF, W_METHODS };

static const char * const who_names[W_METHODS] = {
	"ioctl", "sysfs", "portownctl", "fuser", "lsof"
};

/* One query by @m; false when it did not find the holder. */
static bool who_query(int m, pid_t pid)
{
	static char *const ctl[] = { PORTOWNCTL, "who", "ttyS1", NULL };
	static char *const fuser[] = { FUSER, UART, NULL };
	static char *const lsof[] = { LSOF, "-w", "-n", "-P", "-l", UART, NULL };

	switch (m) {
	case W_IOCTL:
		return who_ioctl(pid);
	case W_SYSFS:
		return who_sysfs(pid);
	case W_CTL:
		return run(ctl) == 0;
	case W_FUSER:
		return run(fuser) == 0;
	default:
		return run(lsof) == 0;
	}
}

static int cmd_whoholds(char **argv)
{
	long procs = arg_long(argv[0]), fast = arg_long(argv[2]), slow = arg_long(argv[3]);
	int reps = arg_long(argv[1]), r, m, p[2];
	pid_t *kids, holder = 0;
	char metric[64], c;
	double t0, t1;
	long i, batch;

	if (!portown_loaded())
		die("portown is not loaded");
	kids = calloc(procs, sizeof(*kids));
	if (!kids || pipe(p))
		die("setup");
	for (i = 0; i < procs; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork holder %ld", i);
		if (kids[i] == 0) {
			close(p[0]);
			holder_child(p[1], i == procs / 2);
		}
		if (i == procs / 2)
			holder = kids[i];
	}
	close(p[1]);
	for (i = 0; i < procs; i++)
		if (read(p[0], &c, 1) != 1)
			die("holder processes: %ld of %ld ready", i, procs);
	close(p[0]);
	flush_tap();

	/* warm: the first run of a program reads it from the initramfs */
	for (m = 0; m < W_METHODS; m++)
		if (!who_query(m, holder))
			die("%s did not find pid %d holding %s", who_names[m], holder, UART);
	snprintf(metric, sizeof(metric), "who_holds.p%ld", procs);
	for (r = 1; r <= reps; r++) {
		for (m = 0; m < W_METHODS; m++) {
			batch = m <= W_SYSFS ? fast : slow;
			t0 = now_ns();
			for (i = 0; i < batch; i++)
				if (!who_query(m, holder))
					die("%s did not find pid %d holding %s", who_names[m],
					    holder, UART);
			t1 = now_ns();
			emit(metric, who_names[m], r, (t1 - t0) / batch, "ns", batch);
		}
	}
	for (i = 0; i < procs; i++)
		kill(kids[i], SIGKILL);
	for (i = 0; i < procs; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return 0;
}

/* --- the shim against N_TTY ------------------------------------------- */

static int shim_num(void)
{
	char buf[32];
	int fd, n;

	fd = open("/sys/module/portown/parameters/ldisc", O_RDONLY);
	if (fd < 0)
		die("portown's ldisc parameter");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die("read portown's ldisc parameter");
	buf[n] = '\0';
	return atoi(buf);
}

/* A pty pair whose slave has discipline @num in mode @canon. */
static void ldisc_pty(int num, bool canon, int *master, int *slave)
{
	struct termios t;

	if (open_pty(master, slave))
		die("open a pty");
	if (num && ioctl(*slave, TIOCSETD, &num))
		die("TIOCSETD %d", num);
	if (tcgetattr(*slave, &t))
		die("tcgetattr");
	if (canon) {
		t.c_lflag |= ICANON;
		t.c_lflag &= ~(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ECHOKE);
	} else {
		cfmakeraw(&t);
	}
	if (tcsetattr(*slave, TCSANOW, &t))
		die("tcsetattr");
}

static void close_pty(int master, int slave)
{
	int ntty = 0;

	ioctl(slave, TIOCSETD, &ntty);
	close(slave);
	close(master);
}

#define LINE_LEN	64

static void write_all(int fd, long bytes)
{
	static char chunk[4096];
	long done = 0, len;
	ssize_t n;
	int i;

	for (i = 0; i < (int)sizeof(chunk); i++)
		chunk[i] = (i % LINE_LEN == LINE_LEN - 1) ? '\n' : 'a' + i % 26;
	while (done < bytes) {
		len = bytes - done < (long)sizeof(chunk) ? bytes - done : (long)sizeof(chunk);
		n = write(fd, chunk, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(1);
		done += n;
	}
}

/*
 * @bytes through a pty pair: "m2s" written to the master and read from the
 * slave (the discipline's input side), "s2m" written to the slave (its
 * output side, where ONLCR turns each newline into two bytes in canonical
 * mode) and read from the master.  Bytes per second.
 */
static double throughput(int num, bool m2s, bool canon, long bytes)
{
	long want = bytes, got = 0;
	static char buf[65536];
	int master, slave, go[2], rd, wr;
	double t0, t1;
	pid_t pid;
	ssize_t n;
	char c;

	ldisc_pty(num, canon, &master, &slave);
	if (!m2s && canon)
		want += bytes / LINE_LEN;
	rd = m2s ? slave : master;
	wr = m2s ? master : slave;
	if (pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		write_all(wr, bytes);
		_exit(0);
	}
	close(go[0]);
	t0 = now_ns();
	if (write(go[1], "g", 1) != 1)
		die("start the writer");
	while (got < want) {
		n = read(rd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read %ld of %ld bytes", got, want);
		got += n;
	}
	t1 = now_ns();
	close(go[1]);
	waitpid(pid, NULL, 0);
	close_pty(master, slave);
	return bytes / ((t1 - t0) / 1e9);
}

/* Round trips of one byte: master -> slave reader -> echoed back; ns each. */
static double echo_rtt(int num, long n)
{
	int master, slave;
	double t0, t1;
	pid_t pid;
	long i;
	char c;

	ldisc_pty(num, false, &master, &slave);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(master);
		while (read(slave, &c, 1) == 1)
			if (write(slave, &c, 1) != 1)
				break;
		_exit(0);
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		c = 'a' + i % 26;
		if (write(master, &c, 1) != 1 || read(master, &c, 1) != 1)
			die("echo round trip %ld", i);
	}
	t1 = now_ns();
	close_pty(master, slave);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return (t1 - t0) / n;
}

static int cmd_ldisc(char **argv)
{
	int reps = arg_long(argv[0]), r, l, d, m, nums[2] = { 0, shim_num() };
	long bytes = arg_long(argv[1]), echoes = arg_long(argv[2]);
	static const char * const lname[2] = { "n_tty", "shim" };
	static const char * const dname[2] = { "m2s", "s2m" };
	static const char * const mname[2] = { "canon", "raw" };
	char metric[64];

	for (r = 1; r <= reps; r++) {
		for (d = 0; d < 2; d++) {
			for (m = 0; m < 2; m++) {
				snprintf(metric, sizeof(metric), "throughput.%s.%s",
					 dname[d], mname[m]);
				for (l = 0; l < 2; l++)
					emit(metric, lname[l], r,
					     throughput(nums[l], d == 0, m == 0, bytes) / 1e6,
					     "MB/s", bytes);
			}
		}
		for (l = 0; l < 2; l++)
			emit("echo_rtt", lname[l], r, echo_rtt(nums[l], echoes), "ns", echoes);
	}
	return 0;
}

/* --- memory from the slab caches --------------------------------------- */

/*
 * Flush every cache's per-CPU slabs back to its lists (SLUB's "shrink"):
 * /proc/slabinfo counts the free objects of a CPU's slab as active, so
 * without this an allocation served from one would not show.  The files
 * are opened once and kept: a struct file is freed after an RCU grace
 * period, and hundreds of them in flight would count.
 */
#define MAX_CACHES	1024
static int shrink_fds[MAX_CACHES], nr_shrink = -1, shrink_failed;

static void slab_shrink(void)
{
	char path[512];
	struct dirent *e;
	int i;
	DIR *d;

	if (nr_shrink < 0) {
		nr_shrink = 0;
		d = opendir("/sys/kernel/slab");
		while (d && (e = readdir(d)) && nr_shrink < MAX_CACHES) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink", e->d_name);
			shrink_fds[nr_shrink] = open(path, O_WRONLY | O_CLOEXEC);
			if (shrink_fds[nr_shrink] >= 0)
				nr_shrink++;
		}
		if (d)
			closedir(d);
	}
	/* best effort: a cache that cannot shrink is counted as it is */
	for (i = 0; i < nr_shrink; i++)
		if (pwrite(shrink_fds[i], "1", 1, 0) != 1)
			shrink_failed++;
}

/* Bytes in the objects of every slab cache in use (active_objs * objsize). */
static double slab_bytes(void)
{
	unsigned long active, num, size;
	char line[512], name[64];
	double sum = 0;
	FILE *f;

	slab_shrink();
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		die("open /proc/slabinfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &num, &size) == 4)
			sum += (double)active * size;
	fclose(f);
	return sum;
}

static long class_entries(void)
{
	struct portown_list l = { 0 };
	int fd, r;

	fd = open(CTL, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open %s", CTL);
	l.size = sizeof(l);
	l.entry_size = sizeof(struct portown_list_entry);
	r = ioctl(fd, PORTOWN_IOC_LIST, &l);
	close(fd);
	if (r)
		die("PORTOWN_IOC_LIST");
	return l.count;
}

/* Port directories in /sys/class/portown (links to the class devices). */
static long class_dirs(void)
{
	struct dirent *e;
	long n = 0;
	DIR *d;

	d = opendir(CLASS);
	if (!d)
		die("open %s", CLASS);
	while ((e = readdir(d)))
		if (e->d_type == DT_LNK || e->d_type == DT_DIR)
			n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Wait until sysfs shows @n records (their directories are made by a work item). */
static void wait_dirs(long n)
{
	int tries;

	for (tries = 0; tries < 300 && class_dirs() < n; tries++)
		sleep_ms(100);
	if (class_dirs() < n)
		die("%ld of %ld directories in %s", class_dirs(), n, CLASS);
}

static void settle(void)
{
	sleep_ms(300);
}

static int cmd_mem(char **argv)
{
	const char *variant = argv[0];
	int rep = arg_long(argv[1]), *fds, keep;
	long n = arg_long(argv[2]), i, before_ports = 0;
	struct portown_info info;
	bool loaded = portown_loaded();
	double s0, s1;

	raise_nofile(2 * n + MAX_CACHES + 64);
	fds = calloc(2 * n, sizeof(*fds));
	if (!fds)
		die("calloc");

	/* ports: n pty pairs, the slaves tracked with track=all */
	if (loaded)
		before_ports = class_entries();
	settle();
	s0 = slab_bytes();
	for (i = 0; i < n; i++)
		if (open_pty(&fds[2 * i], &fds[2 * i + 1]))
			die("open pty %ld", i);
	if (loaded) {
		for (i = 0; i < 300 && class_entries() < before_ports + n; i++)
			sleep_ms(100);
		if (class_entries() < before_ports + n)
			die("portown records %ld of %ld ptys (is track=all set?)",
			    class_entries() - before_ports, n);
		wait_dirs(before_ports + n);
	}
	settle();
	s1 = slab_bytes();
	emit("mem.port", variant, rep, (s1 - s0) / n, "bytes", n);
	for (i = 0; i < 2 * n; i++)
		close(fds[i]);
	settle();

	/*
	 * holders: n more descriptors of ttyS1 in one process, once the port
	 * is open and portown has its record and directory: what the first
	 * open costs (the tty, the record) is not a holder's
	 */
	keep = open_tty(UART);
	if (keep < 0)
		die("open %s", UART);
	if (loaded) {
		if (uart_info(&info))
			die("PORTOWN_IOC_INFO");
		wait_dirs(class_entries());
	}
	settle();
	s0 = slab_bytes();
	for (i = 0; i < n; i++) {
		fds[i] = open_tty(UART);
		if (fds[i] < 0)
			die("open %s #%ld", UART, i);
	}
	if (loaded) {
		for (i = 0; i < 300; i++) {
			if (uart_info(&info))
				die("PORTOWN_IOC_INFO");
			if (info.nr_holders >= n + 1)
				break;
			sleep_ms(100);
		}
		if (info.nr_holders < n + 1)
			die("portown records %u of %ld descriptors", info.nr_holders, n + 1);
	}
	settle();
	s1 = slab_bytes();
	emit("mem.holder", variant, rep, (s1 - s0) / n, "bytes", n);
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(keep);
	free(fds);
	if (shrink_failed)
		printf("# bench-note: %d writes to /sys/kernel/slab/*/shrink failed\n",
		       shrink_failed);
	return 0;
}

/* --- the event stream: idle readers ------------------------------------ */

static int cmd_events(char **argv)
{
	static const int readers[] = { 0, 1, 100 };
	int reps = arg_long(argv[0]), r, k, j, fds[100];
	long n = arg_long(argv[1]), i;
	char variant[32];
	double t0, t1;

	if (!portown_loaded())
		die("portown is not loaded");
	cycle(UART);
	for (r = 1; r <= reps; r++) {
		for (k = 0; k < 3; k++) {
			for (j = 0; j < readers[k]; j++) {
				fds[j] = open(CTL, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
				if (fds[j] < 0)
					die("open reader %d of %s", j, CTL);
			}
			flush_tap();
			t0 = now_ns();
			for (i = 0; i < n; i++)
				cycle(UART);
			flush_tap();
			t1 = now_ns();
			snprintf(variant, sizeof(variant), "readers%d", readers[k]);
			/* an open and a close: two events per cycle */
			emit("event_cost", variant, r, (t1 - t0) / (2 * n), "ns", 2 * n);
			for (j = 0; j < readers[k]; j++)
				close(fds[j]);
		}
	}
	return 0;
}

/* --- uevents and sysfs notifications ------------------------------------ */

/*
 * The listener: counts portown's uevents (those with PORTOWN_EVENT=) on a
 * NETLINK_KOBJECT_UEVENT socket and poll() wake-ups of ttyS1's "state";
 * on each byte from @ctl writes both counts to @out.
 */
static void listener(int ctl, int out, int ready)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	long counts[2] = { 0, 0 };
	int rcvbuf = 4 << 20;
	struct pollfd pf[3];
	char buf[8192];
	ssize_t n;

	pf[0].fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);
	if (pf[0].fd < 0 || bind(pf[0].fd, (struct sockaddr *)&sa, sizeof(sa)))
		_exit(1);
	setsockopt(pf[0].fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	pf[1].fd = open(CLASS "/ttyS1/state", O_RDONLY | O_CLOEXEC);
	if (pf[1].fd < 0 || read(pf[1].fd, buf, sizeof(buf)) < 0)
		_exit(1);
	pf[2].fd = ctl;
	pf[0].events = POLLIN;
	pf[1].events = POLLPRI | POLLERR;
	pf[2].events = POLLIN;
	if (write(ready, "r", 1) != 1)
		_exit(1);
	for (;;) {
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pf[0].revents & POLLIN) {
			n = recv(pf[0].fd, buf, sizeof(buf), 0);
			if (n > 0 && memmem(buf, n, "PORTOWN_EVENT=", 14))
				counts[0]++;
		}
		if (pf[1].revents & (POLLPRI | POLLERR)) {
			counts[1]++;
			lseek(pf[1].fd, 0, SEEK_SET);
			if (read(pf[1].fd, buf, sizeof(buf)) < 0)
				_exit(1);
		}
		if (pf[2].revents) {
			if (read(ctl, buf, 1) != 1)
				_exit(0);
			if (write(out, counts, sizeof(counts)) != sizeof(counts))
				_exit(1);
		}
	}
}

static void listener_counts(int ctl, int out, long counts[2])
{
	sleep_ms(500);		/* the notifications are sent by a work item */
	if (write(ctl, "c", 1) != 1 ||
	    read(out, counts, 2 * sizeof(long)) != 2 * sizeof(long))
		die("the uevent listener is gone");
}

static void claim_cycle(int ctl)
{
	struct portown_info info = { 0 };
	int fd;

	fd = open_tty(UART);
	if (fd < 0)
		die("open %s", UART);
	info.size = sizeof(info);
	info.fd = fd;
	if (ioctl(ctl, PORTOWN_IOC_CLAIM, &info))
		die("PORTOWN_IOC_CLAIM");
	close(fd);
}

static int cmd_notify(char **argv)
{
	static const char * const vname[4] = { "plain", "claim", "plain_spaced", "claim_spaced" };
	int reps = arg_long(argv[0]), r, v, ctl, cp[2], op[2], rp[2];
	long n = arg_long(argv[1]), spaced = arg_long(argv[2]), i, cycles;
	long c0[2], c1[2];
	pid_t pid;
	char c;

	if (!portown_loaded())
		die("portown is not loaded");
	ctl = open(CTL, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		die("open %s", CTL);
	cycle(UART);
	flush_tap();
	wait_dirs(1);
	if (access(CLASS "/ttyS1/state", R_OK))
		die("no %s/ttyS1/state", CLASS);
	if (pipe(cp) || pipe(op) || pipe(rp))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(cp[1]);
		close(op[0]);
		close(rp[0]);
		listener(cp[0], op[1], rp[1]);
	}
	close(cp[0]);
	close(op[1]);
	close(rp[1]);
	if (read(rp[0], &c, 1) != 1)
		die("the uevent listener did not start");
	for (r = 1; r <= reps; r++) {
		for (v = 0; v < 4; v++) {
			cycles = v < 2 ? n : spaced;
			listener_counts(cp[1], op[0], c0);
			for (i = 0; i < cycles; i++) {
				if (v & 1)
					claim_cycle(ctl);
				else
					cycle(UART);
				if (v >= 2)
					sleep_ms(20);
			}
			flush_tap();
			listener_counts(cp[1], op[0], c1);
			emit("uevents_per_cycle", vname[v], r, (double)(c1[0] - c0[0]) / cycles,
			     "count", cycles);
			emit("poll_wakeups_per_cycle", vname[v], r,
			     (double)(c1[1] - c0[1]) / cycles, "count", cycles);
		}
	}
	close(cp[1]);
	waitpid(pid, NULL, 0);
	close(ctl);
	return 0;
}

static const struct {
	const char *name;
	int args;
	int (*fn)(char **argv);
} cmds[] = {
	{ "cycles", 4, cmd_cycles },
	{ "hangup", 3, cmd_hangup },
	{ "whoholds", 4, cmd_whoholds },
	{ "ldisc", 3, cmd_ldisc },
	{ "mem", 3, cmd_mem },
	{ "events", 2, cmd_events },
	{ "notify", 3, cmd_notify },
};

int main(int argc, char **argv, char **envp)
{
	unsigned int i;

	env = envp;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; argc > 1 && i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name) && argc == cmds[i].args + 2)
			return cmds[i].fn(argv + 2);
	fprintf(stderr, "usage: %s cycles|hangup|whoholds|ldisc|mem|events|notify ARGS\n",
		argv[0]);
	return 2;
}
