/*
 * ansvard: the daemon.  One process, one poll loop over the control socket
 * and its timers; it owns the database.  See ansvard(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ansvard.h"
#include "compose.h"
#include "ctl.h"
#include "log.h"
#include "mailtext.h"
#include "maildir.h"
#include "outbox.h"
#include "schedule.h"
#include "fetcher.h"
#include "sender.h"
#include "store.h"

#ifndef ANSVAR_SYSCONFDIR
#define ANSVAR_SYSCONFDIR "/etc"
#endif


static struct ansvar *sig_av;

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ansvard [-dv] [-f ansvar.ini]\n"
	    "       ansvard -n [-f ansvar.ini]\n"
	    "       ansvard [-f ansvar.ini] --once --at \"YYYY-MM-DD HH:MM\"\n"
	    "       ansvard [-dv] [-f ansvar.ini] --test-clock \"YYYY-MM-DD HH:MM\"\n");
	exit(status);
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_av->reload = 1;
	else
		sig_av->quit = 1;
}

static struct config *
config_or_errors(const char *path)
{
	struct config	*cfg;
	struct buf	 errs;

	buf_init(&errs);
	if ((cfg = config_load(path, &errs)) == NULL) {
		/* One log line per problem, each FILE:LINE: key: why. */
		for (char *l = errs.data, *nl; l && *l; l = nl + 1) {
			if ((nl = strchr(l, '\n')) == NULL)
				nl = l + strlen(l) - 1;
			log_warnx("%.*s", (int)(nl - l), l);
		}
	}
	buf_free(&errs);
	return cfg;
}

static void
ansvar_reload(struct ansvar *av)
{
	struct config	*cfg;
	struct mailtext	*texts;
	struct buf	 err;

	sd_notify(0, "RELOADING=1");
	log_info("reloading %s", av->config_path);
	if ((cfg = config_or_errors(av->config_path)) == NULL) {
		log_warnx("reload: %s has errors; keeping the running "
		    "configuration", av->config_path);
		sd_notify(0, "READY=1");
		return;
	}
	buf_init(&err);
	if ((texts = mailtext_load(cfg->templates, &err)) == NULL) {
		log_warnx("reload: templates: %s; keeping the running "
		    "configuration", buf_str(&err));
		buf_free(&err);
		config_free(cfg);
		sd_notify(0, "READY=1");
		return;
	}
	buf_free(&err);
	/* What was bound at start stays; say so rather than half-apply it. */
	/* The transport is chosen at start: keep all as it runs. */
	if (cfg->smtp != av->cfg->smtp || cfg->imap != av->cfg->imap) {
		log_warnx("reload: adding or removing [smtp] or [imap] needs a "
		    "restart; keeping the running configuration");
		config_free(cfg);
		mailtext_free(texts);
		sd_notify(0, "READY=1");
		return;
	}
	if (strcmp(cfg->state_dir, av->cfg->state_dir) ||
	    strcmp(cfg->socket, av->cfg->socket) ||
	    strcmp(cfg->socket_group, av->cfg->socket_group))
		log_warnx("reload: state_dir, socket and socket_group take "
		    "effect at the next restart");
	if (av->sender)
		sender_configure(av->sender, cfg);
	if (av->fetcher)
		fetcher_configure(av->fetcher, cfg);
	free(cfg->state_dir);
	cfg->state_dir = xstrdup(av->cfg->state_dir);
	free(cfg->socket);
	cfg->socket = xstrdup(av->cfg->socket);
	free(cfg->socket_group);
	cfg->socket_group = xstrdup(av->cfg->socket_group);
	config_free(av->cfg);
	av->cfg = cfg;
	mailtext_free(av->texts);
	av->texts = texts;
	timezone_set(cfg->timezone);
	log_info("reloaded %s", av->config_path);
	sd_notify(0, "READY=1");
}

static void
write_pid(struct ansvar *av)
{
	char	pid[32];

	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(av->lock_fd, 0) == -1 ||
	    pwrite(av->lock_fd, pid, strlen(pid), 0) == -1)
		log_warn("ansvard.lock");
}

static void
lock_state(struct ansvar *av)
{
	char	*path = xasprintf("%s/ansvard.lock", av->cfg->state_dir);
	char	 pid[32] = "";
	ssize_t	 n;

	av->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (av->lock_fd == -1) {
		log_warn("%s", path);
		exit(EX_CANTCREAT);
	}
	if (flock(av->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(av->lock_fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		log_warnx("another ansvard (pid %s) is running on %s; stop it "
		    "first", *pid ? pid : "?", av->cfg->state_dir);
		exit(EX_TEMPFAIL);
	}
	free(path);
	write_pid(av);
}

static void
open_state(struct ansvar *av)
{
	struct buf	 err;
	char		*path;

	buf_init(&err);
	if (mkdir(av->cfg->state_dir, 0700) == -1 && errno != EEXIST) {
		log_warn("state_dir %s", av->cfg->state_dir);
		exit(EX_CANTCREAT);
	}
	lock_state(av);
	path = xasprintf("%s/ansvar.db", av->cfg->state_dir);
	if ((av->db = store_open(path, &err)) == NULL) {
		log_warnx("store: %s", buf_str(&err));
		exit(EX_SOFTWARE);
	}
	free(path);
	if ((av->texts = mailtext_load(av->cfg->templates, &err)) == NULL) {
		log_warnx("templates: %s", buf_str(&err));
		exit(EX_CONFIG);
	}
	path = xasprintf("%s/maildir", av->cfg->state_dir);
	if (!av->cfg->smtp && maildir_init(path, &err) == -1) {
		log_warnx("maildir: %s", buf_str(&err));
		exit(EX_CANTCREAT);
	}
	free(path);
	buf_free(&err);
}

static void
open_socket(struct ansvar *av)
{
	struct buf	 err;
	char		*dir = xstrdup(av->cfg->socket);

	/* The socket's directory, /run/ansvar, may be ours to make. */
	/* 0755 despite our umask: socket_group members must reach the socket. */
	if (mkdir(dirname(dir), 0755) == 0)
		chmod(dir, 0755);
	else if (errno != EEXIST)
		log_warn("%s", dir);
	free(dir);
	buf_init(&err);
	if ((av->ctl = ctl_open(av, av->cfg->socket, av->cfg->socket_group,
	    &err)) == NULL) {
		log_warnx("control socket: %s", buf_str(&err));
		exit(EX_UNAVAILABLE);
	}
	buf_free(&err);
}

static void
status_notify(struct ansvar *av)
{
	sd_notifyf(0, "STATUS=%lld pending mail(s), %lld active group(s)",
	    (long long)db_int(av->db, 0, "SELECT count(*) FROM outbox WHERE "
	    "state = 'pending'", ""), (long long)db_int(av->db, 0,
	    "SELECT count(*) FROM groups WHERE state = 'active'", ""));
}

/* A password file that cannot be used stops the start, not the first
 * mail. */
static void
password_check(const char *path, const char *section, const char *file)
{
	char	*pw, err[512];

	if (password_read(file, &pw, err, sizeof(err)) == -1) {
		log_warnx("%s: [%s] %s", path, section, err);
		exit(EX_CONFIG);
	}
	explicit_bzero(pw, strlen(pw));
	free(pw);
}

/* The sender (with [smtp]) and the fetcher (with [imap]) threads. */
static void
start_threads(struct ansvar *av)
{
	char	*path = xasprintf("%s/ansvar.db", av->cfg->state_dir);

	if (av->cfg->smtp)
		av->sender = sender_start(path, av->cfg);
	if (av->cfg->imap)
		av->fetcher = fetcher_start(path, av->cfg, !av->clock.test);
	free(path);
}

static void
loop(struct ansvar *av)
{
	struct pollfd	pfd[256];
	sigset_t	empty;
	struct timespec	ts, *tsp;
	size_t		n;
	long		ms, ctlms;
	time_t		now;

	sigemptyset(&empty);
	while (!av->quit) {
		if (av->reload) {
			av->reload = 0;
			ansvar_reload(av);
		}
		now = clock_now(&av->clock);
		if (now >= av->next_work) {
			work_run(av);
			status_notify(av);
		}
		ms = av->clock.test ? WORK_INTERVAL * 1000 :
		    (long)(av->next_work - time(NULL)) * 1000;
		if (ms < 0)
			ms = 0;
		if ((ctlms = ctl_timeout_ms(av->ctl)) >= 0 && ctlms < ms)
			ms = ctlms;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		tsp = &ts;
		n = ctl_pollfds(av->ctl, pfd, sizeof(pfd) / sizeof(pfd[0]) - 1);
		/* New mail stored by the fetcher. */
		pfd[n].fd = fetcher_fd(av->fetcher);
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		if (ppoll(pfd, n + 1, tsp, &empty) == -1) {
			if (errno != EINTR)
				fatal("ppoll");
			continue;
		}
		if (pfd[n].revents & POLLIN) {
			fetcher_drain(av->fetcher);
			av->next_work = 0;
		}
		ctl_dispatch(av->ctl, pfd, n);
	}
}

static void
signals(struct ansvar *av)
{
	struct sigaction	sa;
	sigset_t		block;

	sig_av = av;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Delivered only inside ppoll(), between two requests. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, NULL);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'O' },
		{ "at", required_argument, NULL, 'A' },
		{ "test-clock", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ansvar	 av;
	const char	*at = NULL, *test = NULL;
	int		 ch, check = 0, once = 0, verbose = 0, managed;

	memset(&av, 0, sizeof(av));
	av.config_path = ANSVAR_SYSCONFDIR "/ansvar/ansvar.ini";
	while ((ch = getopt_long(argc, argv, "df:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': av.foreground = true; break;
		case 'f': av.config_path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose = 1; break;
		case 'O': once = 1; break;
		case 'A': at = optarg; break;
		case 'T': test = optarg; break;
		case 'h': usage(0); break;
		default: usage(EX_USAGE);
		}
	}
	if (optind != argc || (once && at == NULL) || (at && !once) ||
	    (once && test) || (check && (once || test)))
		usage(EX_USAGE);
	managed = getenv("NOTIFY_SOCKET") != NULL;
	log_init(av.foreground || check || once || !managed ? 1 : 0, verbose);
	umask(077);
	if ((av.cfg = config_or_errors(av.config_path)) == NULL)
		exit(EX_CONFIG);
	if (timezone_set(av.cfg->timezone) == -1)
		fatalx("timezone %s: unknown", av.cfg->timezone);
	if (av.cfg->imap)
		password_check(av.config_path, "imap",
		    av.cfg->imap_password_file);
	if (av.cfg->smtp && *av.cfg->smtp_user)
		password_check(av.config_path, "smtp",
		    av.cfg->smtp_password_file);
	if (check) {
		struct buf	 err;
		struct mailtext	*t;

		buf_init(&err);
		if ((t = mailtext_load(av.cfg->templates, &err)) == NULL) {
			log_warnx("templates: %s", buf_str(&err));
			exit(EX_CONFIG);
		}
		mailtext_free(t);
		buf_free(&err);
		if (getgrnam(av.cfg->socket_group) == NULL) {
			log_warnx("socket_group \"%s\": no such group",
			    av.cfg->socket_group);
			exit(EX_CONFIG);
		}
		config_print(av.cfg, stdout);
		fprintf(stderr, "%s: configuration OK\n", av.config_path);
		exit(0);
	}
	if (once || test) {
		av.clock.test = true;
		if (time_parse_local(once ? at : test, &av.clock.fixed) == -1) {
			fprintf(stderr, "ansvard: \"%s\" is not a local time "
			    "(expected YYYY-MM-DD HH:MM)\n", once ? at : test);
			exit(EX_USAGE);
		}
	}
	compose_init();
	open_state(&av);
	if (once) {
		start_threads(&av);
		av.poll_mail = true;
		work_run(&av);
		work_run(&av);	/* notices of what the first pass could not send */
		fetcher_stop(av.fetcher);
		sender_stop(av.sender);
		store_close(av.db);
		exit(0);
	}
	signals(&av);
	start_threads(&av);
	/* Catch up on what fell due while the daemon was down, before the
	 * first command is taken. */
	work_run(&av);
	open_socket(&av);
	if (!av.foreground && !managed) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_init(0, verbose);
		/* The lock is on the inherited descriptor; only the pid changed. */
		write_pid(&av);
	}
	log_info("started: state %s, socket %s, %s%s%s", av.cfg->state_dir,
	    av.cfg->socket, av.cfg->smtp ? "smtp" : "maildir",
	    av.cfg->imap ? ", imap" : "", av.clock.test ? ", test clock" : "");
	sd_notify(0, "READY=1");
	status_notify(&av);
	loop(&av);
	sd_notify(0, "STOPPING=1");
	log_info("stopping");
	ctl_close(av.ctl);
	fetcher_stop(av.fetcher);
	sender_stop(av.sender);
	store_close(av.db);
	mailtext_free(av.texts);
	config_free(av.cfg);
	close(av.lock_fd);
	return 0;
}
