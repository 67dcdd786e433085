/*
 * Reads ansvar.ini with inih.  Each key is one row of the table below:
 * section, name, type, default, range, and what the admin should write.
 * Defaults go through the same checks as the file, so they cannot drift.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "clock.h"
#include "config.h"
#include "util.h"

#ifndef ANSVAR_DATADIR
#define ANSVAR_DATADIR "/usr/local/share/ansvar"
#endif

enum ktype { K_STR, K_OPTSTR, K_PATH, K_OPTPATH, K_INT, K_BOOL, K_EMAIL, K_OPTEMAIL,
    K_TZ, K_TIMEOFDAY, K_CHOICE, K_LIST };

struct keydef {
	const char	*section;
	const char	*name;
	enum ktype	 type;
	size_t		 off;
	const char	*def;		/* NULL: required */
	long		 min, max;
	const char	*choices;	/* K_CHOICE: "a|b|c" */
	const char	*expect;	/* what to write, for error messages */
};

#define O(f) offsetof(struct config, f)
#define DAYS(f, d) K_INT, O(f), d, 0, 365, NULL, "a number of days (0-365)"

static const struct keydef keys[] = {
	{ "ansvar", "state_dir", K_PATH, O(state_dir), "/var/lib/ansvar", 0, 0, NULL, "an absolute path" },
	{ "ansvar", "socket", K_PATH, O(socket), "/run/ansvar/ansvar.sock", 0, 0, NULL, "an absolute path" },
	{ "ansvar", "socket_group", K_STR, O(socket_group), "ansvar", 0, 0, NULL, "a Unix group name" },
	{ "ansvar", "admin_group", K_STR, O(admin_group), "ansvar-admin", 0, 0, NULL, "a Unix group name" },
	{ "ansvar", "timezone", K_TZ, O(timezone), "Europe/Oslo", 0, 0, NULL, "a zone name from tzdata, e.g. Europe/Oslo" },
	{ "ansvar", "language", K_CHOICE, O(language), "nb", 0, 0, "nb|en", "nb or en" },
	{ "ansvar", "templates", K_PATH, O(templates), ANSVAR_DATADIR "/templates", 0, 0, NULL, "an absolute path" },
	{ "ansvar", "send_hour", K_TIMEOFDAY, O(send_hour), "08:00", 0, 0, NULL, "a time of day, HH:MM" },

	{ "policy", "max_fixed_members", K_INT, O(max_fixed_members), "6", 1, 100, NULL, "a number of members (1-100)" },
	{ "policy", "min_services", K_INT, O(min_services), "2", 0, 50, NULL, "a number of services (0-50)" },
	{ "policy", "non_services", K_OPTSTR, O(non_services), "Skole, Barnehage, Arbeidsplass", 0, 0, NULL, "service names separated by commas" },
	{ "policy", "invite_gp_first_meeting", K_BOOL, O(invite_gp_first_meeting), "yes", 0, 0, NULL, "yes or no" },
	{ "policy", "max_meeting_minutes", K_INT, O(max_meeting_minutes), "90", 15, 480, NULL, "a number of minutes (15-480)" },
	{ "policy", "agenda_lead_days", DAYS(agenda_lead_days, "7") },
	{ "policy", "agenda_prepare_days", DAYS(agenda_prepare_days, "7") },
	{ "policy", "agenda_item", K_LIST, O(agenda_items), NULL, 0, 0, NULL, "the text of one agenda item" },
	{ "policy", "default_channel", K_CHOICE, O(default_channel), "mail", 0, 0, "mail|post", "mail or post" },
	{ "policy", "post_days", DAYS(post_days, "3") },
	{ "policy", "rsvp_chase_days", DAYS(rsvp_chase_days, "3") },
	{ "policy", "minutes_by", K_CHOICE, O(minutes_by), "referent", 0, 0, "referent|coordinator", "referent or coordinator" },
	{ "policy", "minutes_due_days", DAYS(minutes_due_days, "7") },
	{ "policy", "minutes_remind_days", DAYS(minutes_remind_days, "3") },
	{ "policy", "minutes_overdue_repeat_days", K_INT, O(minutes_overdue_repeat_days), "3", 1, 365, NULL, "a number of days (1-365)" },
	{ "policy", "comment_days", DAYS(comment_days, "7") },
	{ "policy", "ip_replaces_minutes", K_BOOL, O(ip_replaces_minutes), "no", 0, 0, NULL, "yes or no" },
	{ "policy", "next_meeting_grace_days", DAYS(next_meeting_grace_days, "7") },
	{ "policy", "max_meeting_gap_days", K_INT, O(max_meeting_gap_days), "120", 1, 3650, NULL, "a number of days (1-3650)" },
	{ "policy", "action_remind_days", DAYS(action_remind_days, "7") },
	{ "policy", "evaluation_months", K_INT, O(evaluation_months), "12", 1, 120, NULL, "a number of months (1-120)" },
	{ "policy", "evaluation_warn_days", DAYS(evaluation_warn_days, "30") },
	{ "policy", "skip_holidays", K_BOOL, O(skip_holidays), "yes", 0, 0, NULL, "yes or no" },

	{ "mail", "from", K_EMAIL, O(from), NULL, 0, 0, NULL, "the service mailbox, e.g. ansvar@kommune.example" },
	{ "mail", "from_name", K_OPTSTR, O(from_name), "ansvar", 0, 0, NULL, "a display name" },
	{ "mail", "reply_to", K_OPTEMAIL, O(reply_to), "", 0, 0, NULL, "an e-mail address, or empty for the from address" },

	{ "notify", "notify_children", K_EMAIL, O(notify_children), NULL, 0, 0, NULL, "the youth team's address" },
	{ "notify", "notify_adults", K_EMAIL, O(notify_adults), NULL, 0, 0, NULL, "the adult services unit's address" },

	{ "smtp", "host", K_STR, O(smtp_host), NULL, 0, 0, NULL, "a host name" },
	{ "smtp", "port", K_INT, O(smtp_port), "587", 1, 65535, NULL, "a port number (1-65535)" },
	{ "smtp", "tls", K_CHOICE, O(smtp_tls), "required", 0, 0, "required|optional|off", "required, optional or off" },
	{ "smtp", "user", K_OPTSTR, O(smtp_user), "", 0, 0, NULL, "a user name" },
	{ "smtp", "password_file", K_OPTPATH, O(smtp_password_file), "", 0, 0, NULL, "an absolute path" },
	{ "smtp", "ca_file", K_OPTPATH, O(smtp_ca_file), "", 0, 0, NULL, "an absolute path" },
	{ "smtp", "timeout_seconds", K_INT, O(smtp_timeout), "30", 1, 600, NULL, "a number of seconds (1-600)" },

	{ "imap", "url", K_STR, O(imap_url), NULL, 0, 0, NULL, "imaps://host[:port] or imap://host[:port]" },
	{ "imap", "tls", K_CHOICE, O(imap_tls), "required", 0, 0, "required|off", "required or off" },
	{ "imap", "user", K_STR, O(imap_user), NULL, 0, 0, NULL, "a user name" },
	{ "imap", "password_file", K_PATH, O(imap_password_file), NULL, 0, 0, NULL, "an absolute path" },
	{ "imap", "ca_file", K_OPTPATH, O(imap_ca_file), "", 0, 0, NULL, "an absolute path" },
	{ "imap", "mailbox", K_STR, O(imap_mailbox), "INBOX", 0, 0, NULL, "a mailbox name" },
	{ "imap", "processed_mailbox", K_OPTSTR, O(imap_processed_mailbox), "", 0, 0, NULL, "a mailbox name, or empty" },
	{ "imap", "poll_seconds", K_INT, O(imap_poll_seconds), "60", 5, 86400, NULL, "a number of seconds (5-86400)" },
	{ "imap", "max_message_mb", K_INT, O(imap_max_message_mb), "10", 1, 100, NULL, "a number of megabytes (1-100)" },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

/* Kåfjord's outline (SPEC M4); each line is one item of the standard agenda.
 * A leading [tag] gives an item its role: see agenda.c. */
static const char *default_agenda[] = {
	"Åpning",
	"Gjennomgang av sakslisten og presentasjon (nye medlemmer, kjente forfall)",
	"Kommentarer til sakslisten og forrige referat",
	"Status: brukeren først, deretter hver tjeneste",
	"[actions] Evaluering av tiltak",
	"Nye bekymringer",
	"Ansvarsavklaring: hvem gjør hva, innen når",
	"[aob] Eventuelt, med dato for neste møte",
	"Oppsummering",
	"[evaluation] Evaluering av møtet",
};

struct parse {
	struct config	*cfg;
	struct buf	*errs;
	FILE		*fp;
	int		 line;
	int		 seen[NKEYS];		/* line a key was set on */
	int		 section_line[8];
	bool		 list_from_file;
	bool		 long_line;
	int		 nerr;
};

static const char *sections[] = { "ansvar", "policy", "mail", "notify",
    "smtp", "imap" };
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static void
perr(struct parse *p, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
perr(struct parse *p, int line, const char *key, const char *fmt, ...)
{
	va_list	ap;

	buf_printf(p->errs, "%s:%d: ", p->cfg->path, line);
	if (key)
		buf_printf(p->errs, "%s: ", key);
	va_start(ap, fmt);
	buf_vprintf(p->errs, fmt, ap);
	va_end(ap);
	buf_puts(p->errs, "\n");
	p->nerr++;
}

static int
section_index(const char *name)
{
	for (size_t i = 0; i < NSECTIONS; i++)
		if (strcmp(sections[i], name) == 0)
			return (int)i;
	return -1;
}

static bool
parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
	    !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return false;
	return true;
}

static bool
choice_ok(const char *choices, const char *v)
{
	size_t	n = strlen(v);

	if (strchr(v, '|'))
		return false;
	for (const char *c = choices; c; c = strchr(c, '|')) {
		if (*c == '|')
			c++;
		if (strncmp(c, v, n) == 0 && (c[n] == '|' || c[n] == '\0') && n)
			return true;
	}
	return false;
}

static bool
timeofday_parse(const char *v, int *out)
{
	long	h, m = 0;
	char	hh[3] = "";

	if (strlen(v) == 5 && v[2] == ':') {
		memcpy(hh, v, 2);
		if (!parse_int(hh, 0, 23, &h) || !parse_int(v + 3, 0, 59, &m))
			return false;
	} else if (!parse_int(v, 0, 23, &h))
		return false;
	*out = (int)(h * 60 + m);
	return true;
}

static void
set_str(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

/* Check one value and store it; returns an error text or NULL. */
static const char *
key_set(struct config *cfg, const struct keydef *k, const char *v)
{
	char	*base = (char *)cfg;
	long	 n;
	bool	 b;
	int	 t;

	if (has_ctl(v) || !utf8_valid(v, strlen(v)))
		return "contains control characters or invalid UTF-8";
	switch (k->type) {
	case K_STR:
		if (*v == '\0')
			return "is empty";
		break;
	case K_OPTSTR:
		break;
	case K_OPTPATH:
		if (*v == '\0')
			break;
		/* FALLTHROUGH */
	case K_PATH:
		if (v[0] != '/')
			return "is not an absolute path";
		break;
	case K_INT:
		if (!parse_int(v, k->min, k->max, &n))
			return "bad value";
		*(int *)(base + k->off) = (int)n;
		return NULL;
	case K_BOOL:
		if (!parse_bool(v, &b))
			return "bad value";
		*(bool *)(base + k->off) = b;
		return NULL;
	case K_OPTEMAIL:
		if (*v == '\0')
			break;
		/* FALLTHROUGH */
	case K_EMAIL:
		if (!email_valid(v))
			return "bad value";
		break;
	case K_TZ:
		if (!timezone_valid(v))
			return "unknown time zone";
		break;
	case K_TIMEOFDAY:
		if (!timeofday_parse(v, &t))
			return "bad value";
		*(int *)(base + k->off) = t;
		return NULL;
	case K_CHOICE:
		if (!choice_ok(k->choices, v))
			return "bad value";
		break;
	case K_LIST:
		if (*v == '\0')
			return "is empty";
		cfg->agenda_items = xrealloc(cfg->agenda_items,
		    sizeof(char *) * (size_t)(cfg->n_agenda_items + 1));
		cfg->agenda_items[cfg->n_agenda_items++] = xstrdup(v);
		return NULL;
	}
	set_str((char **)(base + k->off), v);
	return NULL;
}

static const struct keydef *
key_find(const char *section, const char *name, size_t *idx)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) &&
		    !strcmp(keys[i].name, name)) {
			*idx = i;
			return &keys[i];
		}
	return NULL;
}

static void
agenda_clear(struct config *cfg)
{
	for (int i = 0; i < cfg->n_agenda_items; i++)
		free(cfg->agenda_items[i]);
	free(cfg->agenda_items);
	cfg->agenda_items = NULL;
	cfg->n_agenda_items = 0;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse		*p = user;
	const struct keydef	*k;
	const char		*why;
	size_t			 i;
	int			 s;

	if (*section == '\0') {
		perr(p, p->line, name, "outside any section (expected a "
		    "[section] line above it)");
		return 1;
	}
	if ((s = section_index(section)) == -1)
		return 1;	/* reported at its [header] by reader() */
	if ((k = key_find(section, name, &i)) == NULL) {
		perr(p, p->line, name, "unknown key in [%s]", section);
		return 1;
	}
	if (p->seen[i] && k->type != K_LIST) {
		perr(p, p->line, name, "set twice (first on line %d)",
		    p->seen[i]);
		return 1;
	}
	if (k->type == K_LIST && !p->list_from_file) {
		agenda_clear(p->cfg);
		p->list_from_file = true;
	}
	p->seen[i] = p->line;
	if ((why = key_set(p->cfg, k, value)) != NULL)
		perr(p, p->line, name, "%s (expected %s, got \"%s\")", why,
		    k->expect, value);
	return 1;
}

/* inih calls back with no line number; count the lines it reads. */
static char *
reader(char *str, int num, void *stream)
{
	struct parse	*p = stream;
	char		*r = fgets(str, num, p->fp);
	size_t		 n;

	if (r == NULL)
		return NULL;
	n = strlen(r);
	if (n > 0 && r[n - 1] != '\n' && !feof(p->fp)) {
		/* Swallow the rest, report once; inih must not see it. */
		int c;
		while ((c = fgetc(p->fp)) != EOF && c != '\n')
			;
		p->line++;
		perr(p, p->line, NULL, "line longer than %d bytes", num - 2);
		r[0] = '\0';
		return r;
	}
	p->line++;
	/* A line that is neither blank, comment, section nor key = value:
	 * say so here, where the line is known, whatever else is wrong. */
	{
		const char *s = r + strspn(r, " \t\r\n");

		if (*s && *s != '[' && *s != ';' && *s != '#' &&
		    strpbrk(s, "=:") == NULL) {
			perr(p, p->line, NULL, "syntax error (expected \"key = "
			    "value\" or \"[section]\")");
			r[0] = '\0';
			return r;
		}
	}
	/* Remember where sections start, for "missing key" messages. */
	if (r[strspn(r, " \t")] == '[') {
		char name[32] = "";
		sscanf(r + strspn(r, " \t") + 1, "%31[^]]", name);
		int s = section_index(name);
		if (s >= 0 && !p->section_line[s])
			p->section_line[s] = p->line;
		else if (s < 0 && strchr(r, ']'))
			perr(p, p->line, NULL, "unknown section [%s] (expected "
			    "[ansvar], [policy], [mail], [notify], [smtp] or "
			    "[imap])", name);
	}
	return r;
}

static void
defaults(struct parse *p)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].def && keys[i].type != K_LIST &&
		    key_set(p->cfg, &keys[i], keys[i].def))
			perr(p, 0, keys[i].name, "bad built-in default");
	for (size_t i = 0; i < sizeof(default_agenda) / sizeof(*default_agenda); i++)
		key_set(p->cfg, key_find("policy", "agenda_item", &(size_t){0}),
		    default_agenda[i]);
}

static bool
loopback(const char *host)
{
	return !strcmp(host, "127.0.0.1") || !strcmp(host, "::1") ||
	    !strcmp(host, "localhost") || !strcmp(host, "[::1]");
}

static int
key_line(struct parse *p, const char *section, const char *name)
{
	size_t	i;

	if (key_find(section, name, &i) && p->seen[i])
		return p->seen[i];
	return p->section_line[section_index(section)];
}

/* [imap] url: imaps://HOST[:PORT] or imap://HOST[:PORT] (STARTTLS), and
 * tls = off only for imap:// on this machine. */
static void
imap_url_check(struct parse *p)
{
	const char	*u = p->cfg->imap_url, *h;
	char		 host[256];
	size_t		 n;

	if (!strncasecmp(u, "imaps://", 8))
		h = u + 8;
	else if (!strncasecmp(u, "imap://", 7))
		h = u + 7;
	else {
		perr(p, key_line(p, "imap", "url"), "url", "bad value (expected "
		    "imaps://host[:port] or imap://host[:port], got \"%s\")", u);
		return;
	}
	if (*h == '[')
		n = strcspn(h, "]") + (h[strcspn(h, "]")] == ']');
	else
		n = strcspn(h, ":/");
	if (n == 0 || n >= sizeof(host)) {
		perr(p, key_line(p, "imap", "url"), "url", "bad value (expected "
		    "imaps://host[:port] or imap://host[:port], got \"%s\")", u);
		return;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (p->cfg->imap_tls && !strcmp(p->cfg->imap_tls, "off") &&
	    (h == u + 8 || !loopback(host)))
		perr(p, key_line(p, "imap", "tls"), "tls", "off is only allowed "
		    "for imap:// to a server on this machine (expected required "
		    "for \"%s\")", u);
}

/* Required keys: those without a default, in every section that is used. */
static void
required(struct parse *p)
{
	for (size_t i = 0; i < NKEYS; i++) {
		int	s = section_index(keys[i].section);
		bool	used = s < 4 || p->section_line[s];

		if (keys[i].def || keys[i].type == K_LIST || p->seen[i] || !used)
			continue;
		perr(p, p->section_line[s] ? p->section_line[s] : p->line,
		    keys[i].name, "missing in [%s] (expected %s)",
		    keys[i].section, keys[i].expect);
	}
	p->cfg->smtp = p->section_line[section_index("smtp")] != 0;
	p->cfg->imap = p->section_line[section_index("imap")] != 0;
	if (p->cfg->smtp && p->cfg->smtp_host && p->cfg->smtp_tls &&
	    !strcmp(p->cfg->smtp_tls, "off") && !loopback(p->cfg->smtp_host))
		perr(p, key_line(p, "smtp", "tls"), "tls", "off is only allowed "
		    "for a server on this machine (expected required or optional "
		    "for host \"%s\")", p->cfg->smtp_host);
	if (p->cfg->imap && p->cfg->imap_url)
		imap_url_check(p);
	if (p->cfg->smtp && p->cfg->smtp_user && *p->cfg->smtp_user &&
	    !*p->cfg->smtp_password_file)
		perr(p, key_line(p, "smtp", "user"), "password_file", "missing in "
		    "[smtp] (expected the file holding %s's password, mode 0600)",
		    p->cfg->smtp_user);
}

struct config *
config_load(const char *path, struct buf *errs)
{
	struct parse	 p;
	int		 rc;

	memset(&p, 0, sizeof(p));
	p.cfg = xcalloc(1, sizeof(*p.cfg));
	p.cfg->path = xstrdup(path);
	p.errs = errs;
	defaults(&p);
	if ((p.fp = fopen(path, "r")) == NULL) {
		buf_printf(errs, "%s: cannot read: %s\n", path, strerror(errno));
		config_free(p.cfg);
		return NULL;
	}
	ini_allow_multiline = 0;
	ini_max_line = 4096;
	ini_stop_on_first_error = 0;
	rc = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.fp);
	/* inih's own syntax errors never reach the handler. */
	if (rc > 0 && p.nerr == 0)
		perr(&p, rc, NULL, "syntax error (expected \"key = value\" or "
		    "\"[section]\")");
	else if (rc < 0)
		perr(&p, 0, NULL, "cannot parse (out of memory)");
	required(&p);
	if (p.nerr) {
		config_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < NKEYS; i++) {
		enum ktype t = keys[i].type;
		if (t != K_INT && t != K_BOOL && t != K_TIMEOFDAY && t != K_LIST)
			free(*(char **)((char *)cfg + keys[i].off));
	}
	agenda_clear(cfg);
	free(cfg->path);
	free(cfg);
}

/* The effective configuration, as an ini file the daemon would accept. */
void
config_print(const struct config *cfg, FILE *fp)
{
	const char	*last = "";
	const char	*base = (const char *)cfg;

	fprintf(fp, "# effective configuration of %s\n", cfg->path);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct keydef *k = &keys[i];

		if ((!strcmp(k->section, "smtp") && !cfg->smtp) ||
		    (!strcmp(k->section, "imap") && !cfg->imap))
			continue;
		if (strcmp(last, k->section)) {
			fprintf(fp, "%s[%s]\n", *last ? "\n" : "", k->section);
			last = k->section;
		}
		switch (k->type) {
		case K_INT:
			fprintf(fp, "%s = %d\n", k->name, *(const int *)(base + k->off));
			break;
		case K_BOOL:
			fprintf(fp, "%s = %s\n", k->name,
			    *(const bool *)(base + k->off) ? "yes" : "no");
			break;
		case K_TIMEOFDAY: {
			int t = *(const int *)(base + k->off);
			fprintf(fp, "%s = %02d:%02d\n", k->name, t / 60, t % 60);
			break;
		}
		case K_LIST:
			for (int j = 0; j < cfg->n_agenda_items; j++)
				fprintf(fp, "%s = %s\n", k->name, cfg->agenda_items[j]);
			break;
		default: {
			const char *v = *(char *const *)(base + k->off);
			fprintf(fp, "%s = %s\n", k->name, v ? v : "");
		}
		}
	}
}

bool
config_is_non_service(const struct config *cfg, const char *service)
{
	const char	*p = cfg->non_services;
	size_t		 n;

	while (p && *p) {
		p += strspn(p, " ,");
		n = strcspn(p, ",");
		while (n && p[n - 1] == ' ')
			n--;
		if (n && strlen(service) == n && !strncasecmp(p, service, n))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}
