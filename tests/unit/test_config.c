/*
 * test_config.c: unit tests for ansvar.ini parsing (daemon/config.c):
 * values and defaults, every kind of error with its exact FILE:LINE
 * message, and config_print output that loads again.
 */

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "unit_tmp.h"

/* The smallest file config_load accepts: the keys without a default. */
#define MAIL_OK		"[mail]\nfrom = a@b.example\n"
#define NOTIFY_OK	"[notify]\nnotify_children = c@b.example\n" \
			"notify_adults = d@b.example\n"
#define MINIMAL		MAIL_OK NOTIFY_OK

static char	*dir;		/* this test's, inside base */

static void
setup(void)
{
	dir = unit_dir();
}

static void
teardown(void)
{
	ck_assert_int_eq(unit_rm_tree(dir), 0);
	free(dir);
	dir = NULL;
}

/* Writes text to dir/name; returns the malloc'd path. */
static char *
write_ini(const char *name, const char *text)
{
	char	*path;
	FILE	*fp;

	path = xasprintf("%s/%s", dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
	return path;
}

/* The file must load without a single error. */
static struct config *
load_ok(const char *text)
{
	struct config	*cfg;
	struct buf	 errs;
	char		*path = write_ini("ok.ini", text);

	buf_init(&errs);
	cfg = config_load(path, &errs);
	ck_assert_msg(cfg != NULL, "config_load failed:\n%s", buf_str(&errs));
	ck_assert_str_eq(buf_str(&errs), "");
	ck_assert_str_eq(cfg->path, path);
	buf_free(&errs);
	free(path);
	return cfg;
}

/* want with every "%P" replaced by path. */
static char *
with_path(const char *want, const char *path)
{
	struct buf	 b;
	const char	*p;

	buf_init(&b);
	for (p = want; *p; p++) {
		if (p[0] == '%' && p[1] == 'P') {
			buf_puts(&b, path);
			p++;
		} else
			buf_add(&b, p, 1);
	}
	return buf_steal(&b);
}

/*
 * The file must be refused, and errs must be exactly want (one
 * "%P:LINE: ..." line per problem, %P standing for the file's path).
 */
static void
expect_errors(const char *text, const char *want)
{
	struct config	*cfg;
	struct buf	 errs;
	char		*path = write_ini("bad.ini", text), *w;

	w = with_path(want, path);
	buf_init(&errs);
	cfg = config_load(path, &errs);
	ck_assert_msg(cfg == NULL, "config_load accepted a bad file");
	ck_assert_str_eq(buf_str(&errs), w);
	buf_free(&errs);
	free(w);
	free(path);
}

START_TEST(test_good_file_values_and_defaults)
{
	struct config	*cfg;

	cfg = load_ok(
	    "; ansvar.ini for a test\n"
	    "\n"
	    "[ansvar]\n"
	    "language = en\n"
	    "state_dir = /srv/ansvar\n"
	    "\n"
	    "[policy]\n"
	    "agenda_lead_days = 14\n"
	    "skip_holidays = no\n"
	    "ip_replaces_minutes = Yes\n"
	    "evaluation_warn_days = 365\n"
	    "minutes_by = coordinator\n"
	    MAIL_OK
	    "from_name = Ansvar i Kommunen ; an inline comment\n"
	    NOTIFY_OK);
	/* Set in the file. */
	ck_assert_int_eq(cfg->agenda_lead_days, 14);
	ck_assert_str_eq(cfg->language, "en");
	ck_assert_str_eq(cfg->state_dir, "/srv/ansvar");
	ck_assert(!cfg->skip_holidays);
	ck_assert(cfg->ip_replaces_minutes);
	ck_assert_int_eq(cfg->evaluation_warn_days, 365);
	ck_assert_str_eq(cfg->minutes_by, "coordinator");
	ck_assert_str_eq(cfg->from, "a@b.example");
	ck_assert_str_eq(cfg->from_name, "Ansvar i Kommunen");
	ck_assert_str_eq(cfg->notify_children, "c@b.example");
	ck_assert_str_eq(cfg->notify_adults, "d@b.example");
	/* Defaults for what the file leaves out. */
	ck_assert_int_eq(cfg->max_fixed_members, 6);
	ck_assert_int_eq(cfg->min_services, 2);
	ck_assert_int_eq(cfg->send_hour, 8 * 60);
	ck_assert_str_eq(cfg->timezone, "Europe/Oslo");
	ck_assert_str_eq(cfg->non_services, "Skole, Barnehage, Arbeidsplass");
	ck_assert_int_eq(cfg->agenda_prepare_days, 7);
	ck_assert_int_eq(cfg->max_meeting_minutes, 90);
	ck_assert_int_eq(cfg->max_meeting_gap_days, 120);
	ck_assert_int_eq(cfg->evaluation_months, 12);
	ck_assert(cfg->invite_gp_first_meeting);
	ck_assert_str_eq(cfg->default_channel, "mail");
	ck_assert_str_eq(cfg->reply_to, "");
	ck_assert_str_eq(cfg->socket, "/run/ansvar/ansvar.sock");
	ck_assert(!cfg->smtp);
	ck_assert(!cfg->imap);
	config_free(cfg);
}
END_TEST

START_TEST(test_minimal_file_gets_default_agenda)
{
	struct config	*cfg = load_ok(MINIMAL);

	ck_assert_int_eq(cfg->n_agenda_items, 10);
	ck_assert_str_eq(cfg->agenda_items[0], "Åpning");
	ck_assert_str_eq(cfg->agenda_items[9], "[evaluation] Evaluering av møtet");
	ck_assert_str_eq(cfg->language, "nb");
	ck_assert_str_eq(cfg->from_name, "ansvar");
	ck_assert_str_eq(cfg->state_dir, "/var/lib/ansvar");
	config_free(cfg);
}
END_TEST

START_TEST(test_agenda_items_replace_default_in_order)
{
	struct config	*cfg;

	cfg = load_ok(
	    MINIMAL
	    "[policy]\n"
	    "agenda_item = Velkommen\n"
	    "agenda_lead_days = 10\n"
	    "agenda_item = Status: brukeren først\n"
	    "[ansvar]\n"
	    "language = nb\n"
	    "[policy]\n"
	    "agenda_item = Neste møte\n");
	ck_assert_int_eq(cfg->n_agenda_items, 3);
	ck_assert_str_eq(cfg->agenda_items[0], "Velkommen");
	ck_assert_str_eq(cfg->agenda_items[1], "Status: brukeren først");
	ck_assert_str_eq(cfg->agenda_items[2], "Neste møte");
	ck_assert_int_eq(cfg->agenda_lead_days, 10);
	config_free(cfg);
}
END_TEST

START_TEST(test_non_service_case_insensitive)
{
	struct config	*cfg = load_ok(MINIMAL);

	ck_assert(config_is_non_service(cfg, "skole"));
	ck_assert(config_is_non_service(cfg, "SKOLE"));
	ck_assert(config_is_non_service(cfg, "Skole"));
	ck_assert(config_is_non_service(cfg, "barnehage"));
	ck_assert(config_is_non_service(cfg, "ArbeidsPlass"));
	ck_assert(!config_is_non_service(cfg, "NAV"));
	ck_assert(!config_is_non_service(cfg, "Skol"));
	ck_assert(!config_is_non_service(cfg, "Skoler"));
	ck_assert(!config_is_non_service(cfg, ""));
	ck_assert(!config_is_non_service(cfg, "Skole, Barnehage"));
	config_free(cfg);

	cfg = load_ok(MINIMAL "[policy]\nnon_services = PPT ,  Skole ,\n");
	ck_assert(config_is_non_service(cfg, "ppt"));
	ck_assert(config_is_non_service(cfg, "skole"));
	ck_assert(!config_is_non_service(cfg, "Barnehage"));
	config_free(cfg);

	/* Empty: every service counts. */
	cfg = load_ok(MINIMAL "[policy]\nnon_services =\n");
	ck_assert_str_eq(cfg->non_services, "");
	ck_assert(!config_is_non_service(cfg, "Skole"));
	ck_assert(!config_is_non_service(cfg, ""));
	config_free(cfg);
}
END_TEST

START_TEST(test_send_hour_forms)
{
	struct config	*cfg;

	cfg = load_ok(MINIMAL "[ansvar]\nsend_hour = 07:30\n");
	ck_assert_int_eq(cfg->send_hour, 7 * 60 + 30);
	config_free(cfg);
	cfg = load_ok(MINIMAL "[ansvar]\nsend_hour = 23:59\n");
	ck_assert_int_eq(cfg->send_hour, 23 * 60 + 59);
	config_free(cfg);
	cfg = load_ok(MINIMAL "[ansvar]\nsend_hour = 00:00\n");
	ck_assert_int_eq(cfg->send_hour, 0);
	config_free(cfg);
}
END_TEST

START_TEST(test_smtp_section_turns_smtp_on)
{
	struct config	*cfg;

	cfg = load_ok(MINIMAL "[smtp]\nhost = smtp.b.example\n");
	ck_assert(cfg->smtp);
	ck_assert(!cfg->imap);
	ck_assert_str_eq(cfg->smtp_host, "smtp.b.example");
	ck_assert_int_eq(cfg->smtp_port, 587);
	ck_assert_str_eq(cfg->smtp_tls, "required");
	ck_assert_int_eq(cfg->smtp_timeout, 30);
	config_free(cfg);
}
END_TEST

START_TEST(test_longest_line_accepted)
{
	struct config	*cfg;
	char		*text, *item;
	size_t		 n = 4094 - strlen("agenda_item = ");

	/* A line of 4094 bytes before its newline is within the limit. */
	item = xmalloc(n + 1);
	memset(item, 'x', n);
	item[n] = '\0';
	text = xasprintf(MINIMAL "[policy]\nagenda_item = %s\n", item);
	cfg = load_ok(text);
	ck_assert_int_eq(cfg->n_agenda_items, 1);
	ck_assert_str_eq(cfg->agenda_items[0], item);
	config_free(cfg);
	free(text);
	free(item);
}
END_TEST

START_TEST(test_err_unreadable_file)
{
	struct buf	 errs;
	char		*path = xasprintf("%s/nonexistent.ini", dir), *want;

	buf_init(&errs);
	ck_assert_ptr_null(config_load(path, &errs));
	want = xasprintf("%s: cannot read: No such file or directory\n", path);
	ck_assert_str_eq(buf_str(&errs), want);
	buf_free(&errs);
	free(want);
	free(path);
}
END_TEST

START_TEST(test_err_unknown_section_at_header_line)
{
	/* Reported once, at the header; its keys are not reported. */
	expect_errors(
	    MINIMAL
	    "\n"
	    "[polcy]\n"
	    "agenda_lead_days = 3\n"
	    "whatever = 1\n",
	    "%P:7: unknown section [polcy] (expected [ansvar], [policy], "
	    "[mail], [notify], [smtp] or [imap])\n");
}
END_TEST

START_TEST(test_err_unknown_key)
{
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "agenda_lead_days = 3\n"
	    "colour = blue\n",
	    "%P:8: colour: unknown key in [policy]\n");
	/* A real key in the wrong section is unknown there. */
	expect_errors(
	    "[ansvar]\n"
	    "from = a@b.example\n"
	    MINIMAL,
	    "%P:2: from: unknown key in [ansvar]\n");
}
END_TEST

START_TEST(test_err_not_a_number)
{
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "agenda_lead_days = two weeks\n",
	    "%P:7: agenda_lead_days: bad value (expected a number of days "
	    "(0-365), got \"two weeks\")\n");
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "max_fixed_members = 6x\n",
	    "%P:7: max_fixed_members: bad value (expected a number of "
	    "members (1-100), got \"6x\")\n");
}
END_TEST

START_TEST(test_err_number_out_of_range)
{
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "agenda_lead_days = 366\n",
	    "%P:7: agenda_lead_days: bad value (expected a number of days "
	    "(0-365), got \"366\")\n");
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "agenda_lead_days = -1\n",
	    "%P:7: agenda_lead_days: bad value (expected a number of days "
	    "(0-365), got \"-1\")\n");
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "max_fixed_members = 0\n",
	    "%P:7: max_fixed_members: bad value (expected a number of "
	    "members (1-100), got \"0\")\n");
	expect_errors(
	    "[smtp]\n"
	    "host = smtp.b.example\n"
	    "port = 65536\n"
	    MINIMAL,
	    "%P:3: port: bad value (expected a port number (1-65535), "
	    "got \"65536\")\n");
}
END_TEST

START_TEST(test_err_bad_boolean)
{
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "skip_holidays = maybe\n",
	    "%P:7: skip_holidays: bad value (expected yes or no, "
	    "got \"maybe\")\n");
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "invite_gp_first_meeting = 2\n",
	    "%P:7: invite_gp_first_meeting: bad value (expected yes or no, "
	    "got \"2\")\n");
}
END_TEST

START_TEST(test_err_bad_email)
{
	expect_errors(
	    NOTIFY_OK
	    "[mail]\n"
	    "from = not-an-address\n",
	    "%P:5: from: bad value (expected the service mailbox, e.g. "
	    "ansvar@kommune.example, got \"not-an-address\")\n");
	expect_errors(
	    NOTIFY_OK
	    "[mail]\n"
	    "from = a@b.example\n"
	    "reply_to = a@@b.example\n",
	    "%P:6: reply_to: bad value (expected an e-mail address, or "
	    "empty for the from address, got \"a@@b.example\")\n");
}
END_TEST

START_TEST(test_err_unknown_timezone)
{
	expect_errors(
	    MINIMAL
	    "[ansvar]\n"
	    "timezone = Mars/Base\n",
	    "%P:7: timezone: unknown time zone (expected a zone name from "
	    "tzdata, e.g. Europe/Oslo, got \"Mars/Base\")\n");
	expect_errors(
	    MINIMAL
	    "[ansvar]\n"
	    "timezone = ../../../etc/passwd\n",
	    "%P:7: timezone: unknown time zone (expected a zone name from "
	    "tzdata, e.g. Europe/Oslo, got \"../../../etc/passwd\")\n");
}
END_TEST

START_TEST(test_err_bad_choice)
{
	expect_errors(
	    MINIMAL
	    "[ansvar]\n"
	    "language = de\n",
	    "%P:7: language: bad value (expected nb or en, got \"de\")\n");
	/* Not a prefix, not a part of the list. */
	expect_errors(
	    MINIMAL
	    "[ansvar]\n"
	    "language = n\n",
	    "%P:7: language: bad value (expected nb or en, got \"n\")\n");
}
END_TEST

START_TEST(test_err_bad_send_hour)
{
	static const char *bad[] = { "24:00", "08:60", "8:00", "08.00",
	    "noon", "-1" };
	char	*text, *want;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		text = xasprintf(MINIMAL "[ansvar]\nsend_hour = %s\n", bad[i]);
		want = xasprintf("%%P:7: send_hour: bad value (expected a time "
		    "of day, HH:MM, got \"%s\")\n", bad[i]);
		expect_errors(text, want);
		free(text);
		free(want);
	}
}
END_TEST

START_TEST(test_err_key_set_twice_names_first_line)
{
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "agenda_lead_days = 7\n"
	    "min_services = 3\n"
	    "agenda_lead_days = 8\n",
	    "%P:9: agenda_lead_days: set twice (first on line 7)\n");
	/* Also across two headers of the same section. */
	expect_errors(
	    MINIMAL
	    "[mail]\n"
	    "from = e@b.example\n",
	    "%P:7: from: set twice (first on line 2)\n");
}
END_TEST

START_TEST(test_err_missing_key_at_section_line)
{
	expect_errors(
	    NOTIFY_OK
	    "\n"
	    "[mail]\n"
	    "from_name = Ansvar\n",
	    "%P:5: from: missing in [mail] (expected the service mailbox, "
	    "e.g. ansvar@kommune.example)\n");
	expect_errors(
	    MAIL_OK
	    "[notify]\n"
	    "notify_children = c@b.example\n",
	    "%P:3: notify_adults: missing in [notify] (expected the adult "
	    "services unit's address)\n");
}
END_TEST

START_TEST(test_err_syntax_line_without_equals)
{
	expect_errors(
	    MINIMAL
	    "[policy]\n"
	    "agenda_lead_days = 7\n"
	    "this line has no equals sign\n",
	    "%P:8: syntax error (expected \"key = value\" or \"[section]\")\n");
	expect_errors(
	    MINIMAL
	    "[policy\n",
	    "%P:6: syntax error (expected \"key = value\" or \"[section]\")\n");
}
END_TEST

START_TEST(test_err_line_too_long)
{
	char	*text, *item;
	size_t	 n = 4095 - strlen("agenda_item = ");

	/* One byte over: reported once, the rest of the line swallowed. */
	item = xmalloc(n + 1);
	memset(item, 'x', n);
	item[n] = '\0';
	text = xasprintf(MINIMAL "[policy]\nagenda_item = %s\n"
	    "agenda_lead_days = 3\n", item);
	expect_errors(text, "%P:7: line longer than 4094 bytes\n");
	free(text);
	free(item);

	/* Much longer, with an '=' far beyond the limit. */
	item = xmalloc(10001);
	memset(item, 'y', 10000);
	item[10000] = '\0';
	text = xasprintf(MINIMAL "[policy]\n%s = 1\nagenda_lead_days = x\n",
	    item);
	expect_errors(text, "%P:7: line longer than 4094 bytes\n"
	    "%P:8: agenda_lead_days: bad value (expected a number of days "
	    "(0-365), got \"x\")\n");
	free(text);
	free(item);
}
END_TEST

START_TEST(test_err_smtp_without_host)
{
	expect_errors(
	    MINIMAL
	    "[smtp]\n"
	    "port = 25\n",
	    "%P:6: host: missing in [smtp] (expected a host name)\n");
	expect_errors(
	    MINIMAL
	    "[imap]\n"
	    "url = imaps://imap.b.example\n",
	    "%P:6: user: missing in [imap] (expected a user name)\n"
	    "%P:6: password_file: missing in [imap] (expected an absolute "
	    "path)\n");
}
END_TEST

START_TEST(test_err_imap_url_and_tls)
{
	expect_errors(
	    MINIMAL
	    "[imap]\n"
	    "url = https://imap.b.example\n"
	    "user = ansvar\n"
	    "password_file = /etc/ansvar/imap.pw\n",
	    "%P:7: url: bad value (expected imaps://host[:port] or "
	    "imap://host[:port], got \"https://imap.b.example\")\n");
	expect_errors(
	    MINIMAL
	    "[imap]\n"
	    "url = imap://imap.b.example\n"
	    "tls = off\n"
	    "user = ansvar\n"
	    "password_file = /etc/ansvar/imap.pw\n",
	    "%P:8: tls: off is only allowed for imap:// to a server on this "
	    "machine (expected required for \"imap://imap.b.example\")\n");
	expect_errors(
	    MINIMAL
	    "[imap]\n"
	    "url = imaps://127.0.0.1:993\n"
	    "tls = off\n"
	    "user = ansvar\n"
	    "password_file = /etc/ansvar/imap.pw\n"
	    "max_message_mb = 500\n",
	    "%P:11: max_message_mb: bad value (expected a number of megabytes "
	    "(1-100), got \"500\")\n"
	    "%P:8: tls: off is only allowed for imap:// to a server on this "
	    "machine (expected required for \"imaps://127.0.0.1:993\")\n");
}
END_TEST

START_TEST(test_err_control_characters_and_bad_utf8)
{
	expect_errors(
	    NOTIFY_OK MAIL_OK
	    "from_name = Ansvar\x01x\n",
	    "%P:6: from_name: contains control characters or invalid UTF-8 "
	    "(expected a display name, got \"Ansvar\x01x\")\n");
	expect_errors(
	    NOTIFY_OK MAIL_OK
	    "from_name = Ansvar \xff\n",
	    "%P:6: from_name: contains control characters or invalid UTF-8 "
	    "(expected a display name, got \"Ansvar \xff\")\n");
}
END_TEST

START_TEST(test_err_relative_path)
{
	expect_errors(
	    "[ansvar]\n"
	    "state_dir = var/lib/ansvar\n"
	    MINIMAL,
	    "%P:2: state_dir: is not an absolute path (expected an absolute "
	    "path, got \"var/lib/ansvar\")\n");
}
END_TEST

START_TEST(test_err_several_each_on_its_line)
{
	expect_errors(
	    "[ansvar]\n"				/* 1 */
	    "language = se\n"				/* 2 */
	    "\n"					/* 3 */
	    "[policy]\n"				/* 4 */
	    "agenda_lead_days = 14\n"			/* 5 */
	    "max_meeting_minutes = 5\n"			/* 6 */
	    "colour = blue\n"				/* 7 */
	    "agenda_lead_days = 15\n"			/* 8 */
	    "[mail]\n"					/* 9 */
	    "from_name = Ansvar\n"			/* 10 */
	    "[notify]\n"				/* 11 */
	    "notify_children = c@b\n"			/* 12 */
	    "notify_adults = d@b.example\n"		/* 13 */
	    "[smpt]\n"					/* 14 */
	    "host = x\n",				/* 15 */
	    "%P:2: language: bad value (expected nb or en, got \"se\")\n"
	    "%P:6: max_meeting_minutes: bad value (expected a number of "
	    "minutes (15-480), got \"5\")\n"
	    "%P:7: colour: unknown key in [policy]\n"
	    "%P:8: agenda_lead_days: set twice (first on line 5)\n"
	    "%P:12: notify_children: bad value (expected the youth team's "
	    "address, got \"c@b\")\n"
	    "%P:14: unknown section [smpt] (expected [ansvar], [policy], "
	    "[mail], [notify], [smtp] or [imap])\n"
	    "%P:9: from: missing in [mail] (expected the service mailbox, "
	    "e.g. ansvar@kommune.example)\n");
}
END_TEST

/* config_print into a malloc'd string. */
static char *
printed(const struct config *cfg)
{
	char	*s = NULL;
	size_t	 n = 0;
	FILE	*fp = open_memstream(&s, &n);

	ck_assert_ptr_nonnull(fp);
	config_print(cfg, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return s;
}

START_TEST(test_print_round_trip)
{
	struct config	*a, *b;
	struct buf	 errs;
	char		*pa, *pb, *path;

	a = load_ok(
	    "[ansvar]\n"
	    "state_dir = /srv/ansvar\n"
	    "timezone = America/New_York\n"
	    "language = en\n"
	    "send_hour = 07:05\n"
	    "[policy]\n"
	    "max_fixed_members = 9\n"
	    "non_services = Skole, NAV\n"
	    "invite_gp_first_meeting = no\n"
	    "agenda_item = Åpning, og velkommen\n"
	    "agenda_item = Status: brukeren først = viktig\n"
	    "default_channel = post\n"
	    MAIL_OK
	    "from_name = Ansvar i Kåfjord\n"
	    "reply_to = svar@b.example\n"
	    NOTIFY_OK
	    "[smtp]\n"
	    "host = smtp.b.example\n"
	    "port = 465\n"
	    "tls = optional\n"
	    "[imap]\n"
	    "url = imaps://imap.b.example\n"
	    "user = ansvar\n"
	    "password_file = /etc/ansvar/imap.pw\n");
	pa = printed(a);
	path = write_ini("printed.ini", pa);
	buf_init(&errs);
	b = config_load(path, &errs);
	ck_assert_msg(b != NULL, "printed config refused:\n%s\n%s",
	    buf_str(&errs), pa);
	buf_free(&errs);

	ck_assert_str_eq(b->state_dir, "/srv/ansvar");
	ck_assert_str_eq(b->timezone, "America/New_York");
	ck_assert_str_eq(b->language, "en");
	ck_assert_int_eq(b->send_hour, 7 * 60 + 5);
	ck_assert_int_eq(b->max_fixed_members, 9);
	ck_assert_int_eq(b->min_services, 2);
	ck_assert_str_eq(b->non_services, "Skole, NAV");
	ck_assert(!b->invite_gp_first_meeting);
	ck_assert(b->skip_holidays);
	ck_assert_int_eq(b->n_agenda_items, 2);
	ck_assert_str_eq(b->agenda_items[0], "Åpning, og velkommen");
	ck_assert_str_eq(b->agenda_items[1], "Status: brukeren først = viktig");
	ck_assert_str_eq(b->default_channel, "post");
	ck_assert_str_eq(b->from, "a@b.example");
	ck_assert_str_eq(b->from_name, "Ansvar i Kåfjord");
	ck_assert_str_eq(b->reply_to, "svar@b.example");
	ck_assert_str_eq(b->notify_adults, "d@b.example");
	ck_assert(b->smtp);
	ck_assert_str_eq(b->smtp_host, "smtp.b.example");
	ck_assert_int_eq(b->smtp_port, 465);
	ck_assert_str_eq(b->smtp_tls, "optional");
	ck_assert(b->imap);
	ck_assert_str_eq(b->imap_url, "imaps://imap.b.example");
	ck_assert_str_eq(b->imap_password_file, "/etc/ansvar/imap.pw");
	ck_assert_str_eq(b->imap_mailbox, "INBOX");
	ck_assert_int_eq(b->imap_poll_seconds, 60);

	/* Printing again gives the same file, but for the header comment. */
	pb = printed(b);
	ck_assert_ptr_nonnull(strchr(pa, '\n'));
	ck_assert_ptr_nonnull(strchr(pb, '\n'));
	ck_assert_str_eq(strchr(pa, '\n'), strchr(pb, '\n'));
	free(pa);
	free(pb);
	free(path);
	config_free(a);
	config_free(b);
}
END_TEST

START_TEST(test_print_round_trip_defaults)
{
	struct config	*a, *b;
	struct buf	 errs;
	char		*pa, *pb, *path;

	a = load_ok(MINIMAL);
	pa = printed(a);
	/* No [smtp] or [imap] unless they were given. */
	ck_assert_ptr_null(strstr(pa, "[smtp]"));
	ck_assert_ptr_null(strstr(pa, "[imap]"));
	path = write_ini("printed.ini", pa);
	buf_init(&errs);
	b = config_load(path, &errs);
	ck_assert_msg(b != NULL, "printed config refused:\n%s",
	    buf_str(&errs));
	buf_free(&errs);
	ck_assert(!b->smtp);
	ck_assert(!b->imap);
	ck_assert_int_eq(b->n_agenda_items, 10);
	ck_assert_str_eq(b->agenda_items[3],
	    "Status: brukeren først, deretter hver tjeneste");
	pb = printed(b);
	ck_assert_str_eq(strchr(pa, '\n'), strchr(pb, '\n'));
	free(pa);
	free(pb);
	free(path);
	config_free(a);
	config_free(b);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_good_file_values_and_defaults);
	tcase_add_test(tc, test_minimal_file_gets_default_agenda);
	tcase_add_test(tc, test_agenda_items_replace_default_in_order);
	tcase_add_test(tc, test_non_service_case_insensitive);
	tcase_add_test(tc, test_send_hour_forms);
	tcase_add_test(tc, test_smtp_section_turns_smtp_on);
	tcase_add_test(tc, test_longest_line_accepted);
	tcase_add_test(tc, test_err_unreadable_file);
	tcase_add_test(tc, test_err_unknown_section_at_header_line);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_not_a_number);
	tcase_add_test(tc, test_err_number_out_of_range);
	tcase_add_test(tc, test_err_bad_boolean);
	tcase_add_test(tc, test_err_bad_email);
	tcase_add_test(tc, test_err_unknown_timezone);
	tcase_add_test(tc, test_err_bad_choice);
	tcase_add_test(tc, test_err_bad_send_hour);
	tcase_add_test(tc, test_err_key_set_twice_names_first_line);
	tcase_add_test(tc, test_err_missing_key_at_section_line);
	tcase_add_test(tc, test_err_syntax_line_without_equals);
	tcase_add_test(tc, test_err_line_too_long);
	tcase_add_test(tc, test_err_smtp_without_host);
	tcase_add_test(tc, test_err_imap_url_and_tls);
	tcase_add_test(tc, test_err_control_characters_and_bad_utf8);
	tcase_add_test(tc, test_err_relative_path);
	tcase_add_test(tc, test_err_several_each_on_its_line);
	tcase_add_test(tc, test_print_round_trip);
	tcase_add_test(tc, test_print_round_trip_defaults);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run("config", srunner_create(config_suite()));
}
