/*
 * test_outbox.c: unit tests for the outbox (daemon/outbox.c) with the
 * Maildir transport: one row per cause, delivery when due, deadlines,
 * recovery after a crash between delivery and commit, Message-IDs, and
 * headers a recipient's name cannot break.
 *
 * The mail templates are the repository's: $ANSVAR_TEMPLATES, else
 * ../../templates from this file, else ./templates.
 */

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "ansvard.h"
#include "clock.h"
#include "compose.h"
#include "config.h"
#include "maildir.h"
#include "mailtext.h"
#include "outbox.h"
#include "store.h"
#include "template.h"
#include "util.h"
#include "unit_tmp.h"

#define FROM	"ansvar@kommune.example"
#define TO	"kari@kommune.example"
#define TOKEN	"0f1e2d3c4b5a69788796a5b4c3d2e1f0"

static char	*dir;		/* this test's, inside base */
static char	*mdir;		/* dir/maildir */

static struct ansvar	av;
static time_t		now;	/* 2027-01-04 08:00 in Europe/Oslo */
static int64_t		gid, mid;

static char *
templates_dir(void)
{
	const char	*env = getenv("ANSVAR_TEMPLATES");
	char		*here, *guess, *real, *slash;

	if (env != NULL && *env != '\0')
		guess = xstrdup(env);
	else {
		here = xstrdup(__FILE__);
		if ((slash = strrchr(here, '/')) != NULL)
			*slash = '\0';
		else
			strcpy(here, ".");
		guess = xasprintf("%s/../../templates", here);
		free(here);
	}
	if ((real = realpath(guess, NULL)) == NULL)
		real = realpath("templates", NULL);
	ck_assert_msg(real != NULL, "no templates at %s or ./templates; "
	    "set ANSVAR_TEMPLATES", guess);
	free(guess);
	return real;
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	ck_assert_msg(fp != NULL, "%s", path);
	ck_assert_int_ge(fputs(text, fp), 0);
	ck_assert_int_eq(fclose(fp), 0);
}

static char *
slurp(const char *path)
{
	struct buf	 b;
	char		 chunk[4096];
	size_t		 n;
	FILE		*fp = fopen(path, "r");

	ck_assert_msg(fp != NULL, "%s", path);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	return buf_steal(&b);
}

/* The texts from templates, with the configuration's language. */
static void
load_texts(const char *templates)
{
	struct buf	err;

	buf_init(&err);
	mailtext_free(av.texts);
	av.texts = mailtext_load(templates, &err);
	ck_assert_msg(av.texts != NULL, "mailtext_load: %s", buf_str(&err));
	buf_free(&err);
}

static void
setup(void)
{
	struct buf	 err;
	char		*ini, *path, *templates;

	dir = unit_dir();
	templates = templates_dir();
	path = xasprintf("%s/ansvar.ini", dir);
	ini = xasprintf(
	    "[ansvar]\n"
	    "state_dir = %s\n"
	    "templates = %s\n"
	    "timezone = Europe/Oslo\n"
	    "language = nb\n"
	    "[mail]\n"
	    "from = " FROM "\n"
	    "from_name = Ansvar\n"
	    "[notify]\n"
	    "notify_children = barn@kommune.example\n"
	    "notify_adults = voksne@kommune.example\n", dir, templates);
	write_file(path, ini);
	free(ini);
	free(templates);

	memset(&av, 0, sizeof(av));
	buf_init(&err);
	av.cfg = config_load(path, &err);
	ck_assert_msg(av.cfg != NULL, "config_load: %s", buf_str(&err));
	free(path);
	ck_assert_int_eq(timezone_set(av.cfg->timezone), 0);
	path = xasprintf("%s/ansvar.db", dir);
	av.db = store_open(path, &err);
	ck_assert_msg(av.db != NULL, "store_open: %s", buf_str(&err));
	free(path);
	load_texts(av.cfg->templates);
	mdir = xasprintf("%s/maildir", dir);
	ck_assert_msg(maildir_init(mdir, &err) == 0, "maildir_init: %s",
	    buf_str(&err));
	buf_free(&err);

	now = local_instant(day_from_ymd(2027, 1, 4), 8, 0);
	ck_assert_int_ne(now, -1);
	av.clock.test = true;
	av.clock.fixed = now;

	ck_assert_int_eq(db_run(av.db, "INSERT INTO groups (ref, state, "
	    "client_born, created_at) VALUES ('BUF-7', 'draft', '2012-03-04', "
	    "?)", "l", (int64_t)now), SQLITE_DONE);
	gid = sqlite3_last_insert_rowid(av.db);
	ck_assert_int_eq(db_run(av.db, "INSERT INTO members (group_id, num, "
	    "name, role, service, email, coordinator, token, added_at) VALUES "
	    "(?, 1, 'Kari Nordmann', 'service', 'NAV', ?, 1, ?, ?)", "lssl",
	    gid, TO, TOKEN, (int64_t)now), SQLITE_DONE);
	mid = sqlite3_last_insert_rowid(av.db);
}

static void
teardown(void)
{
	mailtext_free(av.texts);
	store_close(av.db);
	config_free(av.cfg);
	memset(&av, 0, sizeof(av));
	ck_assert_int_eq(unit_rm_tree(dir), 0);
	free(mdir);
	free(dir);
	mdir = dir = NULL;
}

/* Queue a coordinator-assigned mail to Kari; returns outbox_add's result. */
static int
add_mail(const char *cause, time_t due, time_t deadline, const char *to_name,
    const char *token)
{
	struct outmail	 om;
	struct tvars	*v = tvars_new();
	int		 rc;

	tvars_set(v, "draft", "yes");
	memset(&om, 0, sizeof(om));
	om.cause = cause;
	om.group_id = gid;
	om.ref = "BUF-7";
	om.kind = "coordinator-assigned";
	om.to = TO;
	om.to_name = to_name;
	om.token = token;
	om.vars = v;
	om.due = due;
	om.deadline = deadline;
	rc = outbox_add(&av, &om);
	tvars_free(v);
	return rc;
}

static int64_t
row_id(const char *cause)
{
	return db_int(av.db, -1, "SELECT id FROM outbox WHERE cause = ?", "s",
	    cause);
}

static char *
row_state(const char *cause)
{
	char	*s = db_str(av.db, "SELECT state FROM outbox WHERE cause = ?",
	    "s", cause);

	ck_assert_ptr_nonnull(s);
	return s;
}

#define ck_assert_state(cause, want) do {				\
	char *st_ = row_state(cause);					\
	ck_assert_str_eq(st_, want);					\
	free(st_);							\
} while (0)

/* Entries of maildir/sub, but for . and .. */
static int
count_files(const char *sub)
{
	char		*p = xasprintf("%s/%s", mdir, sub);
	DIR		*d = opendir(p);
	struct dirent	*de;
	int		 n = 0;

	ck_assert_msg(d != NULL, "%s", p);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	free(p);
	return n;
}

/* The one file in maildir/sub; its malloc'd path. */
static char *
only_file(const char *sub)
{
	char		*p = xasprintf("%s/%s", mdir, sub), *found = NULL;
	DIR		*d = opendir(p);
	struct dirent	*de;

	ck_assert_msg(d != NULL, "%s", p);
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		ck_assert_msg(found == NULL, "more than one file in %s", p);
		found = xasprintf("%s/%s", p, de->d_name);
	}
	closedir(d);
	free(p);
	ck_assert_msg(found != NULL, "no file in %s/%s", mdir, sub);
	return found;
}

/* The name maildir delivery gives the row of cause. */
static char *
file_name(const char *cause)
{
	return xasprintf("%lld.A%lld.ansvar", (long long)db_int(av.db, -1,
	    "SELECT created_at FROM outbox WHERE cause = ?", "s", cause),
	    (long long)row_id(cause));
}

/* The header block of a message (up to the first empty line). */
static char *
headers_of(const char *msg)
{
	const char	*end = strstr(msg, "\n\n");

	ck_assert_ptr_nonnull(end);
	return strndup(msg, (size_t)(end - msg + 1));
}

/* One header's value, unfolded; malloc'd, NULL when absent. */
static char *
header_value(const char *hdr, const char *name)
{
	struct buf	 b;
	char		*want = xasprintf("\n%s: ", name);
	const char	*p = strcasestr(hdr, want);

	if (p == NULL && strncasecmp(hdr, want + 1, strlen(want + 1)) == 0)
		p = hdr - 1;
	if (p == NULL) {
		free(want);
		return NULL;
	}
	p += strlen(want);
	free(want);
	buf_init(&b);
	for (; *p; p++) {
		if (*p == '\n' && p[1] != ' ' && p[1] != '\t')
			break;
		if (*p != '\n')
			buf_add(&b, p, 1);
	}
	return buf_steal(&b);
}

START_TEST(test_same_cause_queued_once)
{
	ck_assert_int_eq(add_mail("coordinator:g=1:m=1:n=1", now, 0,
	    "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(add_mail("coordinator:g=1:m=1:n=1", now + 60, 0,
	    "Someone Else", NULL), 0);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT count(*) FROM outbox", ""),
	    1);
	/* The first one is kept as it was. */
	ck_assert_int_eq(db_int(av.db, -1, "SELECT due_at FROM outbox", ""),
	    now);
	/* Another cause is another row. */
	ck_assert_int_eq(add_mail("coordinator:g=1:m=1:n=2", now, 0,
	    "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT count(*) FROM outbox", ""),
	    2);
}
END_TEST

START_TEST(test_add_records_row)
{
	const char	*cause = "coordinator:g=1:m=1:n=1";
	char		 want[256], *s;

	ck_assert_int_eq(add_mail(cause, now + 120, 0, "Kari Nordmann",
	    TOKEN), 1);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT group_id FROM outbox", ""),
	    gid);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT created_at FROM outbox",
	    ""), now);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT due_at FROM outbox", ""),
	    now + 120);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT next_attempt FROM outbox",
	    ""), now + 120);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT deadline IS NULL FROM "
	    "outbox", ""), 1);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    0);
	ck_assert_state(cause, "pending");
	s = db_str(av.db, "SELECT rcpt FROM outbox", "");
	ck_assert_str_eq(s, TO);
	free(s);
	s = db_str(av.db, "SELECT kind FROM outbox", "");
	ck_assert_str_eq(s, "coordinator-assigned");
	free(s);
	s = db_str(av.db, "SELECT subject FROM outbox", "");
	ck_assert_ptr_nonnull(strstr(s, "[BUF-7]"));
	free(s);
	outbox_message_id(FROM, cause, TOKEN, want, sizeof(want));
	s = db_str(av.db, "SELECT message_id FROM outbox", "");
	ck_assert_str_eq(s, want);
	free(s);
	ck_assert_int_eq(outbox_next(&av), now + 120);
}
END_TEST

START_TEST(test_unknown_kind_not_queued)
{
	struct outmail	 om;
	struct tvars	*v = tvars_new();

	memset(&om, 0, sizeof(om));
	om.cause = "nonsense:1";
	om.kind = "no-such-kind";
	om.to = TO;
	om.vars = v;
	om.due = now;
	ck_assert_int_eq(outbox_add(&av, &om), -1);
	tvars_free(v);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT count(*) FROM outbox", ""),
	    0);
}
END_TEST

START_TEST(test_deliver_due_row_to_maildir_new)
{
	const char	*cause = "coordinator:g=1:m=1:n=1";
	struct stat	 st;
	char		*path, *msg, *hdr, *name, msgid[256], *want;

	ck_assert_int_eq(add_mail(cause, now, 0, "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_deliver(&av), 1);
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_int_eq(count_files("tmp"), 0);
	ck_assert_int_eq(count_files("cur"), 0);
	path = only_file("new");
	name = file_name(cause);
	ck_assert_str_eq(strrchr(path, '/') + 1, name);
	free(name);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg((st.st_mode & 07777) == 0600, "mode %o",
	    (unsigned)(st.st_mode & 07777));

	msg = slurp(path);
	ck_assert_ptr_null(strchr(msg, '\r'));
	hdr = headers_of(msg);
	ck_assert_msg(strncmp(hdr, "Subject: [BUF-7] ", 17) == 0 ||
	    strstr(hdr, "\nSubject: [BUF-7] ") != NULL, "headers:\n%s", hdr);
	ck_assert_msg(strstr(hdr, "\nAuto-Submitted: auto-generated\n") !=
	    NULL, "headers:\n%s", hdr);
	outbox_message_id(FROM, cause, TOKEN, msgid, sizeof(msgid));
	want = xasprintf("\nMessage-Id: <%s>\n", msgid);
	ck_assert_msg(strcasestr(hdr, want) != NULL, "no %s in:\n%s", want,
	    hdr);
	free(want);
	ck_assert_ptr_nonnull(strstr(hdr, TO));
	ck_assert_ptr_nonnull(strstr(hdr, "\nX-Ansvar-Ref: BUF-7\n"));
	ck_assert_ptr_nonnull(strstr(msg, "Hei Kari Nordmann,"));
	free(hdr);
	free(msg);
	free(path);

	ck_assert_state(cause, "sent");
	ck_assert_int_eq(db_int(av.db, -1, "SELECT sent_at FROM outbox", ""),
	    now);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    1);
	ck_assert_int_eq(outbox_next(&av), 0);

	/* Nothing more to send, now or later. */
	ck_assert_int_eq(outbox_deliver(&av), 0);
	av.clock.fixed = now + 86400;
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 1);
}
END_TEST

START_TEST(test_message_has_lf_line_ends_only)
{
	char	*path, *msg;
	size_t	 lines = 0;

	ck_assert_int_eq(add_mail("c:1", now, 0, "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_deliver(&av), 1);
	path = only_file("new");
	msg = slurp(path);
	ck_assert_ptr_null(strchr(msg, '\r'));
	for (char *p = msg; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_uint_gt(lines, 10);
	ck_assert_uint_gt(strlen(msg), 0);
	ck_assert_int_eq(msg[strlen(msg) - 1], '\n');
	free(msg);
	free(path);
	/* The stored message is the CRLF one. */
	ck_assert_int_eq(db_int(av.db, -1, "SELECT instr(message, "
	    "x'0d0a') > 0 FROM outbox", ""), 1);
}
END_TEST

START_TEST(test_future_row_waits_for_clock)
{
	const char	*cause = "later:1";
	time_t		 due = now + 3 * 3600;

	ck_assert_int_eq(add_mail(cause, due, 0, "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_next(&av), due);
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 0);
	ck_assert_state(cause, "pending");

	av.clock.fixed = due - 1;
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 0);
	ck_assert_state(cause, "pending");
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    0);

	av.clock.fixed = due;
	ck_assert_int_eq(outbox_deliver(&av), 1);
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_state(cause, "sent");
	ck_assert_int_eq(db_int(av.db, -1, "SELECT sent_at FROM outbox", ""),
	    due);
}
END_TEST

START_TEST(test_due_rows_go_in_order)
{
	ck_assert_int_eq(add_mail("b", now - 60, 0, "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(add_mail("a", now - 120, 0, "Kari Nordmann", TOKEN),
	    1);
	ck_assert_int_eq(add_mail("c", now + 60, 0, "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_deliver(&av), 2);
	ck_assert_int_eq(count_files("new"), 2);
	ck_assert_state("a", "sent");
	ck_assert_state("b", "sent");
	ck_assert_state("c", "pending");
}
END_TEST

START_TEST(test_past_deadline_dropped)
{
	const char	*cause = "expired:1";

	ck_assert_int_eq(add_mail(cause, now - 7200, now - 60,
	    "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 0);
	ck_assert_int_eq(count_files("tmp"), 0);
	ck_assert_state(cause, "dropped");
	ck_assert_int_eq(db_int(av.db, -1, "SELECT sent_at IS NULL FROM "
	    "outbox", ""), 1);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT last_error IS NOT NULL "
	    "FROM outbox", ""), 1);
	ck_assert_int_eq(outbox_next(&av), 0);
	/* It stays dropped. */
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 0);
}
END_TEST

START_TEST(test_future_deadline_still_delivered)
{
	const char	*cause = "useful:1";

	ck_assert_int_eq(add_mail(cause, now - 7200, now + 60,
	    "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT deadline FROM outbox", ""),
	    now + 60);
	ck_assert_int_eq(outbox_deliver(&av), 1);
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_state(cause, "sent");
}
END_TEST

START_TEST(test_deadline_passes_while_waiting)
{
	const char	*cause = "missed:1";

	/* Due in an hour, useless after two; the clock jumps past both. */
	ck_assert_int_eq(add_mail(cause, now + 3600, now + 7200,
	    "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_state(cause, "pending");
	av.clock.fixed = now + 7201;
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_state(cause, "dropped");
	ck_assert_int_eq(count_files("new"), 0);
}
END_TEST

/* Deliver, then put the row back as a crash before its commit leaves it. */
static void
deliver_then_forget(const char *cause)
{
	ck_assert_int_eq(add_mail(cause, now, 0, "Kari Nordmann", TOKEN), 1);
	ck_assert_int_eq(outbox_deliver(&av), 1);
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_int_eq(db_run(av.db, "UPDATE outbox SET state = 'pending', "
	    "attempts = 1, sent_at = NULL WHERE cause = ?", "s", cause),
	    SQLITE_DONE);
	av.clock.fixed = now + 300;
}

START_TEST(test_crash_recovery_file_in_new)
{
	const char	*cause = "crash:1";
	struct stat	 before, after;
	char		*path;

	deliver_then_forget(cause);
	path = only_file("new");
	ck_assert_int_eq(stat(path, &before), 0);

	outbox_deliver(&av);
	ck_assert_state(cause, "sent");
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_int_eq(count_files("tmp"), 0);
	ck_assert_int_eq(count_files("cur"), 0);
	/* The very same file: not written again. */
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_int_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	ck_assert_int_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	/* Not tried again either. */
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    1);
	free(path);

	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 1);
}
END_TEST

START_TEST(test_crash_recovery_file_in_cur)
{
	const char	*cause = "crash:2";
	char		*from, *to;

	deliver_then_forget(cause);
	/* A mail reader has seen it: new/NAME is now cur/NAME:2,S. */
	from = only_file("new");
	to = xasprintf("%s/cur/%s:2,S", mdir, strrchr(from, '/') + 1);
	ck_assert_int_eq(rename(from, to), 0);

	outbox_deliver(&av);
	ck_assert_state(cause, "sent");
	ck_assert_int_eq(count_files("new"), 0);
	ck_assert_int_eq(count_files("tmp"), 0);
	ck_assert_int_eq(count_files("cur"), 1);
	ck_assert_int_eq(access(to, F_OK), 0);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    1);
	free(from);
	free(to);
}
END_TEST

START_TEST(test_retry_without_file_delivers)
{
	const char	*cause = "crash:3";
	char		*path, *other;

	/* Tried once, but the file never made it: deliver it now. */
	deliver_then_forget(cause);
	path = only_file("new");
	ck_assert_int_eq(unlink(path), 0);
	/* A cur/ file whose name merely starts the same does not count. */
	other = xasprintf("%s/cur/%sx:2,S", mdir, strrchr(path, '/') + 1);
	write_file(other, "not this one\n");

	ck_assert_int_eq(outbox_deliver(&av), 1);
	ck_assert_state(cause, "sent");
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    2);
	free(other);
	free(path);
}
END_TEST

START_TEST(test_failed_write_retried_later)
{
	const char	*cause = "retry:1";
	char		*newdir = xasprintf("%s/new", mdir);

	/* new/ is a file: the rename into it fails. */
	ck_assert_int_eq(rmdir(newdir), 0);
	write_file(newdir, "in the way\n");
	ck_assert_int_eq(add_mail(cause, now, 0, "Kari Nordmann", TOKEN), 1);
	outbox_deliver(&av);
	ck_assert_state(cause, "pending");
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    1);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT next_attempt FROM outbox",
	    ""), now + 60);
	ck_assert_int_eq(db_int(av.db, -1, "SELECT last_error IS NOT NULL "
	    "FROM outbox", ""), 1);
	ck_assert_int_eq(count_files("tmp"), 0);
	ck_assert_int_eq(outbox_next(&av), now + 60);

	/* Not before its next attempt, even once the Maildir is back. */
	ck_assert_int_eq(unlink(newdir), 0);
	ck_assert_int_eq(mkdir(newdir, 0700), 0);
	av.clock.fixed = now + 59;
	ck_assert_int_eq(outbox_deliver(&av), 0);
	ck_assert_int_eq(count_files("new"), 0);
	av.clock.fixed = now + 60;
	ck_assert_int_eq(outbox_deliver(&av), 1);
	ck_assert_int_eq(count_files("new"), 1);
	ck_assert_state(cause, "sent");
	ck_assert_int_eq(db_int(av.db, -1, "SELECT attempts FROM outbox", ""),
	    2);
	free(newdir);
}
END_TEST

START_TEST(test_message_id_stable_per_cause_and_token)
{
	char	a[256], b[256], c[256], d[256];

	outbox_message_id(FROM, "coordinator:g=1:m=1:n=1", TOKEN, a,
	    sizeof(a));
	outbox_message_id(FROM, "coordinator:g=1:m=1:n=1", TOKEN, b,
	    sizeof(b));
	ck_assert_str_eq(a, b);
	ck_assert_int_eq(strncmp(a, "ansvar.", 7), 0);
	ck_assert_str_eq(a + strlen(a) - strlen("@kommune.example"),
	    "@kommune.example");
	ck_assert_ptr_null(strpbrk(a, "<> \r\n"));

	/* Another recipient's token: another Message-ID. */
	outbox_message_id(FROM, "coordinator:g=1:m=1:n=1",
	    "aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb", c, sizeof(c));
	ck_assert_str_ne(a, c);
	/* Another cause: another Message-ID. */
	outbox_message_id(FROM, "coordinator:g=1:m=1:n=2", TOKEN, d,
	    sizeof(d));
	ck_assert_str_ne(a, d);
	ck_assert_str_ne(c, d);
}
END_TEST

START_TEST(test_message_id_same_for_requeued_cause)
{
	char	*first, *second;

	/* The id is derived, not random: a re-created row gets the same. */
	ck_assert_int_eq(add_mail("again:1", now, 0, "Kari Nordmann", TOKEN),
	    1);
	first = db_str(av.db, "SELECT message_id FROM outbox", "");
	ck_assert_int_eq(db_run(av.db, "DELETE FROM outbox", ""), SQLITE_DONE);
	ck_assert_int_eq(add_mail("again:1", now, 0, "Kari Nordmann", TOKEN),
	    1);
	second = db_str(av.db, "SELECT message_id FROM outbox", "");
	ck_assert_str_eq(first, second);
	free(first);
	free(second);
}
END_TEST

/*
 * Copies the repository's templates into dir/templates and gives
 * coordinator-assigned a subject that carries the recipient's name.
 */
static char *
templates_with_name_in_subject(void)
{
	static const char	*langs[] = { "nb", "en" };
	char			*src = templates_dir(), *dst, *p, *q, *text;
	struct dirent		*de;
	DIR			*d;

	dst = xasprintf("%s/templates", dir);
	ck_assert_int_eq(mkdir(dst, 0700), 0);
	for (size_t l = 0; l < 2; l++) {
		p = xasprintf("%s/%s", dst, langs[l]);
		ck_assert_int_eq(mkdir(p, 0700), 0);
		free(p);
		p = xasprintf("%s/%s", src, langs[l]);
		d = opendir(p);
		ck_assert_msg(d != NULL, "%s", p);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			q = xasprintf("%s/%s", p, de->d_name);
			text = slurp(q);
			free(q);
			q = xasprintf("%s/%s/%s", dst, langs[l], de->d_name);
			write_file(q, text);
			free(text);
			free(q);
		}
		closedir(d);
		free(p);
		p = xasprintf("%s/%s/coordinator-assigned.txt", dst, langs[l]);
		write_file(p, "Subject: [{{ref}}] To {{recipient}} from "
		    "{{service_name}}\n\nHello {{recipient}}.\n");
		free(p);
	}
	free(src);
	return dst;
}

START_TEST(test_subject_never_has_crlf)
{
	const char	*cause = "inject:1";
	char		*tdir, *s, *msg, *hdr, *path, *to;

	tdir = templates_with_name_in_subject();
	load_texts(tdir);
	free(tdir);

	ck_assert_int_eq(add_mail(cause, now, 0, "Kari\r\nBcc: x@y", TOKEN),
	    1);
	s = db_str(av.db, "SELECT subject FROM outbox", "");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(strchr(s, '\r'));
	ck_assert_ptr_null(strchr(s, '\n'));
	/* The name did reach the subject, on the same line. */
	ck_assert_msg(strstr(s, "Bcc: x@y") != NULL, "subject \"%s\"", s);
	ck_assert_ptr_nonnull(strstr(s, "[BUF-7] To Kari"));
	free(s);

	/* No header of the message starts with what the name smuggled. */
	msg = db_str(av.db, "SELECT CAST(message AS TEXT) FROM outbox", "");
	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(strstr(msg, "\r\n\r\n"));
	hdr = strndup(msg, (size_t)(strstr(msg, "\r\n\r\n") - msg + 2));
	ck_assert_msg(strncasecmp(hdr, "Bcc:", 4) != 0 &&
	    strcasestr(hdr, "\nBcc:") == NULL, "headers:\n%s", hdr);
	free(hdr);
	free(msg);

	ck_assert_int_eq(outbox_deliver(&av), 1);
	path = only_file("new");
	msg = slurp(path);
	hdr = headers_of(msg);
	ck_assert_msg(strncasecmp(hdr, "Bcc:", 4) != 0 &&
	    strcasestr(hdr, "\nBcc:") == NULL, "headers:\n%s", hdr);
	/* The name in To: is one line too, not even an encoded CR LF. */
	to = header_value(hdr, "To");
	ck_assert_msg(to != NULL, "no To: in\n%s", hdr);
	ck_assert_msg(strstr(to, "<" TO ">") != NULL, "To: %s", to);
	ck_assert_msg(strcasestr(to, "=0D") == NULL &&
	    strcasestr(to, "=0A") == NULL && strpbrk(to, "\r\n") == NULL,
	    "To: %s", to);
	free(to);
	free(hdr);
	free(msg);
	free(path);
}
END_TEST

START_TEST(test_subject_real_template_one_line)
{
	char	*s;

	ck_assert_int_eq(add_mail("inject:2", now, 0, "Kari\r\nBcc: x@y",
	    TOKEN), 1);
	s = db_str(av.db, "SELECT subject FROM outbox", "");
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_null(strpbrk(s, "\r\n"));
	ck_assert_ptr_nonnull(strstr(s, "[BUF-7]"));
	free(s);
}
END_TEST

static Suite *
outbox_suite(void)
{
	Suite	*s = suite_create("outbox");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_cause_queued_once);
	tcase_add_test(tc, test_add_records_row);
	tcase_add_test(tc, test_unknown_kind_not_queued);
	tcase_add_test(tc, test_deliver_due_row_to_maildir_new);
	tcase_add_test(tc, test_message_has_lf_line_ends_only);
	tcase_add_test(tc, test_future_row_waits_for_clock);
	tcase_add_test(tc, test_due_rows_go_in_order);
	tcase_add_test(tc, test_past_deadline_dropped);
	tcase_add_test(tc, test_future_deadline_still_delivered);
	tcase_add_test(tc, test_deadline_passes_while_waiting);
	tcase_add_test(tc, test_crash_recovery_file_in_new);
	tcase_add_test(tc, test_crash_recovery_file_in_cur);
	tcase_add_test(tc, test_retry_without_file_delivers);
	tcase_add_test(tc, test_failed_write_retried_later);
	tcase_add_test(tc, test_message_id_stable_per_cause_and_token);
	tcase_add_test(tc, test_message_id_same_for_requeued_cause);
	tcase_add_test(tc, test_subject_never_has_crlf);
	tcase_add_test(tc, test_subject_real_template_one_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	rc;

	compose_init();
	rc = unit_run("outbox", srunner_create(outbox_suite()));
	g_mime_shutdown();
	return rc;
}
