/*
 * Received mail, one at a time.  Trust (R4): a mail acts for a member
 * only when its From is that member's address and, for an iTIP REPLY, the
 * ATTENDEE it names; for an answer, the address the answered mail went to
 * (whose Message-ID carried that member's token).  Anything else that
 * answers ansvar goes to the coordinator marked unverified.  The mail on
 * the server is never changed here; the fetcher marks it afterwards.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <glib.h>
#include <gmime/gmime.h>

#include "audit.h"
#include "compose.h"
#include "fetcher.h"
#include "group.h"
#include "ical.h"
#include "inbox.h"
#include "log.h"
#include "meeting.h"
#include "minutes.h"
#include "notices.h"
#include "outbox.h"
#include "store.h"

#define MAX_DEPTH	32	/* MIME nesting we look into */
#define MAX_PARTS	500	/* leaf parts we look at */
#define MAX_REFS	100	/* Message-IDs of References we try */
#define MAX_ATTEMPTS	2	/* handling that never finished: then skipped */

struct att {
	char	*name;
	char	*data;
	size_t	 len;
};

struct in {
	struct ansvar	*av;
	int64_t		 id;
	const char	*raw;
	size_t		 len;
	GMimeMessage	*msg;
	char		*from;		/* the From address */
	char		*subject;	/* one line of valid UTF-8, or "" */
	/* what the MIME walk found */
	char		*cal;		/* first calendar part, decoded */
	const char	*cal_method;	/* its Content-Type method, or NULL */
	char		*text;		/* first text/plain body, UTF-8 */
	struct att	*atts;
	size_t		 natts;
	int		 parts;
	/* the verdict */
	const char	*cls;
	struct buf	 outcome;
	int64_t		 group_id, meeting_id, member_id;
};

static void
verdict(struct in *in, const char *cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
verdict(struct in *in, const char *cls, const char *fmt, ...)
{
	va_list	ap;

	in->cls = cls;
	buf_reset(&in->outcome);
	va_start(ap, fmt);
	buf_vprintf(&in->outcome, fmt, ap);
	va_end(ap);
}

/* A part's content, transfer encoding undone. */
static char *
decoded(GMimePart *part, size_t *len)
{
	GMimeDataWrapper	*dw = g_mime_part_get_content(part);
	GByteArray		*bytes;
	GMimeStream		*mem;

	*len = 0;
	if (dw == NULL)
		return xcalloc(1, 1);
	bytes = g_byte_array_new();
	mem = g_mime_stream_mem_new_with_byte_array(bytes);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_mime_data_wrapper_write_to_stream(dw, mem);
	g_object_unref(mem);
	return bytes_take(bytes, len);
}

/* Text in UTF-8 (GMime converts from the declared charset), or NULL. */
static char *
part_text(GMimePart *part)
{
	char	*t, *r;

	if (!GMIME_IS_TEXT_PART(part))
		return NULL;
	if ((t = g_mime_text_part_get_text(GMIME_TEXT_PART(part))) == NULL)
		return NULL;
	r = utf8_valid(t, strlen(t)) ? xstrdup(t) : NULL;
	g_free(t);
	return r;
}

static void
walk(struct in *in, GMimeObject *obj, int depth)
{
	GMimeContentType	*ct;
	GMimePart		*part;
	const char		*fname;

	if (obj == NULL || depth > MAX_DEPTH || in->parts >= MAX_PARTS)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);

		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			walk(in, g_mime_multipart_get_part(mp, i), depth + 1);
		return;
	}
	/* A forwarded message inside is someone else's mail: not looked at. */
	if (!GMIME_IS_PART(obj))
		return;
	in->parts++;
	part = GMIME_PART(obj);
	ct = g_mime_object_get_content_type(obj);
	fname = g_mime_part_get_filename(part);
	if (ct && (g_mime_content_type_is_type(ct, "text", "calendar") ||
	    g_mime_content_type_is_type(ct, "application", "ics"))) {
		const char	*m = g_mime_content_type_get_parameter(ct,
		    "method");
		size_t		 n;

		/* The first one, or the first that says it is a REPLY. */
		if (in->cal == NULL || (in->cal_method == NULL && m &&
		    !strcasecmp(m, "REPLY"))) {
			free(in->cal);
			in->cal = decoded(part, &n);
			if (strlen(in->cal) != n)	/* NULs: not text */
				in->cal[0] = '\0';
			in->cal_method = m && !strcasecmp(m, "REPLY") ?
			    "REPLY" : NULL;
		}
		return;
	}
	if (fname != NULL || (g_mime_object_get_disposition(obj) &&
	    !strcasecmp(g_mime_object_get_disposition(obj), "attachment"))) {
		in->atts = xrealloc(in->atts, sizeof(*in->atts) *
		    (in->natts + 1));
		in->atts[in->natts].name = xstrdup(fname ? fname : "");
		in->atts[in->natts].data = decoded(part,
		    &in->atts[in->natts].len);
		in->natts++;
		return;
	}
	if (in->text == NULL && ct && g_mime_content_type_is_type(ct, "text",
	    "plain"))
		in->text = part_text(part);
}

static char *
one_line(const char *s)
{
	char	*r;

	if (s == NULL || !utf8_valid(s, strlen(s)))
		return xstrdup("");
	r = xstrdup(s);
	for (char *p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	if (strlen(r) > 200)
		strcpy(r + 197, "...");
	return r;
}

/* The address of the one mailbox in From, or NULL.  Two senders (one
 * From with two mailboxes, or two From headers, which GMime joins) could
 * put a member's address next to a stranger's: no sender then. */
static char *
from_address(GMimeMessage *msg)
{
	InternetAddressList	*l = g_mime_message_get_from(msg);
	InternetAddress		*ia;
	const char		*a;

	if (l == NULL || internet_address_list_length(l) != 1)
		return NULL;
	ia = internet_address_list_get_address(l, 0);
	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	a = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	return a && email_valid(a) ? xstrdup(a) : NULL;
}

static bool
same_address(const char *a, const char *b)
{
	return a && b && !strcasecmp(a, b);
}

/* A current member of the group with this address, or 0. */
static int64_t
member_by_address(struct ansvar *av, int64_t group_id, const char *addr)
{
	return db_int(av->db, 0, "SELECT id FROM members WHERE group_id = ? AND "
	    "lower(email) = lower(?) AND removed_at IS NULL", "ls", group_id,
	    addr);
}

/* Written by a machine: auto-replies, bounces, our own mail. */
static const char *
automatic(struct in *in)
{
	GMimeObject		*obj = GMIME_OBJECT(in->msg);
	GMimeContentType	*ct;
	const char		*h;
	const char		*at = strchr(in->from, '@');

	if ((h = g_mime_object_get_header(obj, "Auto-Submitted")) != NULL &&
	    strncasecmp(h + strspn(h, " \t"), "no", 2))
		return "Auto-Submitted";
	if ((ct = g_mime_object_get_content_type(
	    g_mime_message_get_mime_part(in->msg))) != NULL &&
	    g_mime_content_type_is_type(ct, "multipart", "report"))
		return "a delivery report";
	if (g_mime_object_get_header(obj, "X-Autoreply") ||
	    g_mime_object_get_header(obj, "X-Autorespond"))
		return "an auto-reply";
	if ((h = g_mime_object_get_header(obj, "Precedence")) != NULL &&
	    (strcasestr(h, "auto_reply") || strcasestr(h, "bulk") ||
	    strcasestr(h, "junk")))
		return "Precedence";
	if ((at - in->from == 13 && !strncasecmp(in->from, "mailer-daemon", 13)) ||
	    (at - in->from == 10 && !strncasecmp(in->from, "postmaster", 10)))
		return "a mailer daemon";
	return NULL;
}

/* The outbox row of the first Message-ID ansvar made that the mail
 * answers (In-Reply-To, then References from the newest), or 0. */
static int64_t
answered(struct in *in)
{
	GMimeObject	*obj = GMIME_OBJECT(in->msg);
	const char	*hdr[2] = { "In-Reply-To", "References" };
	int64_t		 row = 0;

	for (int h = 0; h < 2 && row == 0; h++) {
		const char	*v = g_mime_object_get_header(obj, hdr[h]);
		GMimeReferences	*refs;
		int		 n;

		if (v == NULL || (refs = g_mime_references_parse(NULL, v)) ==
		    NULL)
			continue;
		n = g_mime_references_length(refs);
		for (int i = n - 1; i >= 0 && i >= n - MAX_REFS && row == 0; i--) {
			const char *id = g_mime_references_get_message_id(refs, i);

			if (id && !strncmp(id, "ansvar.", 7))
				row = db_int(in->av->db, 0, "SELECT id FROM outbox "
				    "WHERE message_id = ?", "s", id);
		}
		g_mime_references_free(refs);
	}
	return row;
}

/* The meeting an outbox cause names ("...:m=ID..."), or 0. */
static int64_t
cause_meeting(const char *cause)
{
	const char	*p = strstr(cause, "m=");

	while (p && p != cause && p[-1] != ':')
		p = strstr(p + 1, "m=");
	return p ? strtoll(p + 2, NULL, 10) : 0;
}

/*
 * A mail of `kind` to member `to`, with the received mail attached whole.
 * One per received mail.
 */
static void
forward(struct in *in, const char *kind, int64_t to, bool verified,
    const char *why)
{
	struct ansvar	*av = in->av;
	struct agroup	 g;
	struct member	 r, s;
	struct outmail	 om;
	struct tvars	*v;
	char		*cause;

	if (group_by_id(av->db, in->group_id, &g) == -1 || to == 0 ||
	    member_load(av->db, to, &r) == -1) {
		buf_puts(&in->outcome, "; nobody to forward it to");
		return;
	}
	if (r.email == NULL) {
		buf_printf(&in->outcome, "; not forwarded: member #%d has no "
		    "e-mail", r.num);
		member_clear(&r);
		return;
	}
	v = tvars_new();
	tvars_set(v, "sender", in->from);
	if (in->member_id && member_load(av->db, in->member_id, &s) == 0) {
		tvars_setf(v, "sender_member", "#%d %s", s.num, s.name);
		member_clear(&s);
	}
	if (!verified)
		tvars_set(v, "unverified", "yes");
	tvars_set(v, "why", why);
	tvars_set(v, "original_subject", in->subject);
	if (in->meeting_id) {
		struct meeting mt;

		if (meeting_load(av->db, in->meeting_id, &mt) == 0) {
			tvars_setf(v, "meeting", "%s/%d", g.ref, mt.num);
			meeting_clear(&mt);
		}
	}
	cause = xasprintf("%s:in=%lld", kind, (long long)in->id);
	memset(&om, 0, sizeof(om));
	om.verified = verified ? "yes" : "no";
	om.attach_name = "svar.eml";
	om.attach_type = "message/rfc822";
	om.attach = in->raw;
	om.attach_len = in->len;
	if (outbox_to_member(av, &g, &r, kind, cause, v, &om) == 1)
		buf_printf(&in->outcome, "; forwarded to member #%d%s", r.num,
		    verified ? "" : " marked unverified");
	free(cause);
	tvars_free(v);
	member_clear(&r);
}

/* A mail to one member about a meeting, once per cause. */
static void
to_member(struct ansvar *av, const struct agroup *g, const struct meeting *mt,
    int64_t to, const char *kind, const char *cause, struct tvars *v)
{
	struct member	 r;
	struct outmail	 om;
	char		*when;

	if (to == 0 || member_load(av->db, to, &r) == -1)
		return;
	when = meeting_when(mt, r.lang ? r.lang : av->cfg->language);
	tvars_set(v, "when", when);
	tvars_set(v, "place", mt->place);
	tvars_setf(v, "meeting", "%s/%d", g->ref, mt->num);
	free(when);
	memset(&om, 0, sizeof(om));
	om.deadline = mt->start;
	outbox_to_member(av, g, &r, kind, cause, v, &om);
	member_clear(&r);
}

/* M6: what a decline sets off.  The client, a guardian or a verge: the
 * coordinator is to call them; a service: asked for a substitute. */
static void
declined(struct in *in, const struct agroup *g, const struct meeting *mt,
    const struct member *m, const char *comment, bool delegated)
{
	struct ansvar	*av = in->av;
	int64_t		 coord = group_coordinator(av->db, g->id);
	struct tvars	*v;
	char		*cause;

	if (m->id == coord)
		return;
	v = tvars_new();
	absence_vars(av, m, v);
	if (comment && *comment)
		tvars_set(v, "comment", comment);
	if (member_is_family(m->role)) {
		tvars_set(v, "declined", "yes");
		cause = xasprintf("rsvp-followup:m=%lld:to=%lld:s=%d:declined",
		    (long long)mt->id, (long long)m->id, mt->sequence);
		to_member(av, g, mt, coord, "rsvp-followup", cause, v);
		buf_puts(&in->outcome, "; the coordinator is to call them (M6)");
		free(cause);
	} else if (!strcmp(m->role, "service") && !m->guest && !delegated) {
		cause = xasprintf("substitute:m=%lld:to=%lld:s=%d",
		    (long long)mt->id, (long long)m->id, mt->sequence);
		to_member(av, g, mt, m->id, "substitute-request", cause, v);
		free(cause);
		tvars_set(v, "substitute", "yes");
		cause = xasprintf("declined:m=%lld:to=%lld:s=%d",
		    (long long)mt->id, (long long)m->id, mt->sequence);
		to_member(av, g, mt, coord, "member-declined", cause, v);
		free(cause);
		buf_puts(&in->outcome, "; asked for a substitute, coordinator "
		    "told (M6)");
	} else {
		cause = xasprintf("declined:m=%lld:to=%lld:s=%d",
		    (long long)mt->id, (long long)m->id, mt->sequence);
		to_member(av, g, mt, coord, "member-declined", cause, v);
		free(cause);
		buf_puts(&in->outcome, "; coordinator told");
	}
	tvars_free(v);
}

/* M6, R4: an iTIP REPLY. */
static void
handle_reply(struct in *in, const struct ical_reply *r)
{
	struct ansvar	*av = in->av;
	struct meeting	 mt;
	struct agroup	 g;
	struct member	 m;
	sqlite3_stmt	*st;
	int64_t		 mid, member;
	int		 have = 0, old_seq = 0;
	int64_t		 old_stamp = 0;
	char		*comment = NULL;
	const char	*partstat = r->partstat;
	bool		 delegated = false;

	if (r->nevents != 1 || r->uid == NULL) {
		verdict(in, "malformed", "a REPLY with %d events%s", r->nevents,
		    r->uid || r->nevents != 1 ? "" : " and no UID");
		return;
	}
	if ((mid = db_int(av->db, 0, "SELECT id FROM meetings WHERE uid = ?",
	    "s", r->uid)) == 0) {
		verdict(in, "reply-unknown", "a REPLY for no meeting of ours; "
		    "left in the mailbox");
		return;
	}
	if (meeting_and_group(av->db, mid, &mt, &g) == -1) {
		verdict(in, "reply-unknown", "a REPLY for a meeting that cannot "
		    "be read");
		return;
	}
	in->group_id = g.id;
	in->meeting_id = mt.id;
	in->member_id = member_by_address(av, g.id, in->from);
	/* RFC 5546 §3.2.3: a REPLY names the one attendee who answers. */
	if (r->nattendees != 1) {
		verdict(in, "unverified", "a REPLY for %s/%d naming %d ATTENDEEs; "
		    "not recorded", g.ref, mt.num, r->nattendees);
		forward(in, "forward", group_coordinator(av->db, g.id), false,
		    "a reply must name exactly one ATTENDEE, the sender");
		goto out;
	}
	if (r->attendee == NULL || !email_valid(r->attendee)) {
		verdict(in, "malformed", "a REPLY for %s/%d whose ATTENDEE is not "
		    "a mailto: address", g.ref, mt.num);
		goto out;
	}
	if (!strcmp(mt.state, "cancelled") || !strcmp(g.state, "closed")) {
		verdict(in, "reply-cancelled", "a REPLY for %s/%d, which is %s; "
		    "not recorded", g.ref, mt.num, !strcmp(mt.state, "cancelled") ?
		    "cancelled" : "in a closed group");
		goto out;
	}
	member = db_int(av->db, 0, "SELECT m.id FROM invitees i JOIN members m "
	    "ON m.id = i.member_id WHERE i.meeting_id = ? AND lower(m.email) = "
	    "lower(?) AND m.removed_at IS NULL", "ls", mt.id, r->attendee);
	if (member == 0) {
		verdict(in, "unverified", "a REPLY for %s/%d from an ATTENDEE "
		    "who is not invited; not recorded", g.ref, mt.num);
		forward(in, "forward", group_coordinator(av->db, g.id), false,
		    "the ATTENDEE it names is not invited");
		goto out;
	}
	if (!same_address(in->from, r->attendee)) {
		verdict(in, "unverified", "a REPLY for %s/%d whose From is not "
		    "the ATTENDEE it names; not recorded", g.ref, mt.num);
		forward(in, "forward", group_coordinator(av->db, g.id), false,
		    "From is not the ATTENDEE the reply names");
		goto out;
	}
	in->member_id = member;
	/* Delegated to someone else: they are not coming themselves. */
	if (!strcmp(r->partstat, "delegated")) {
		partstat = "declined";
		delegated = true;
	}
	if (strcmp(partstat, "accepted") && strcmp(partstat, "tentative") &&
	    strcmp(partstat, "declined")) {
		verdict(in, "answer", "a REPLY for %s/%d with PARTSTAT %s, which "
		    "ansvar does not record", g.ref, mt.num, *partstat ?
		    partstat : "missing");
		forward(in, "forward", group_coordinator(av->db, g.id), true,
		    "the answer is neither accepted, tentative nor declined");
		goto out;
	}
	st = db_stmt(av->db, "SELECT sequence, dtstamp FROM answers WHERE "
	    "meeting_id = ? AND member_id = ?", "ll", mt.id, member);
	if (sqlite3_step(st) == SQLITE_ROW) {
		have = 1;
		old_seq = sqlite3_column_int(st, 0);
		old_stamp = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (have && (r->sequence < old_seq || (r->sequence == old_seq &&
	    (int64_t)r->dtstamp <= old_stamp))) {
		verdict(in, "reply-stale", "a REPLY (%s) for %s/%d older than the "
		    "answer recorded (SEQUENCE %d, DTSTAMP); not applied",
		    partstat, g.ref, mt.num, r->sequence);
		goto out;
	}
	if (r->comment && utf8_valid(r->comment, strlen(r->comment)))
		comment = one_line(r->comment);
	db_run(av->db, "INSERT INTO answers (meeting_id, member_id, partstat, "
	    "sequence, dtstamp, comment, inbox_id, at) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8) ON CONFLICT (meeting_id, member_id) DO UPDATE SET "
	    "partstat = ?3, sequence = ?4, dtstamp = ?5, comment = ?6, "
	    "inbox_id = ?7, at = ?8", "llsilsll", mt.id, member, partstat,
	    r->sequence, (int64_t)r->dtstamp, comment, in->id,
	    (int64_t)clock_now(&av->clock));
	member_load(av->db, member, &m);
	verdict(in, "reply", "%s/%d: member #%d %s%s", g.ref, mt.num, m.num,
	    partstat, delegated ? " (delegated)" : "");
	if (r->sequence < mt.sequence)
		buf_printf(&in->outcome, " (to SEQUENCE %d; the meeting has "
		    "changed since, so it counts as no answer)", r->sequence);
	else if (!strcmp(partstat, "declined") &&
	    mt.start > clock_now(&av->clock)) {
		declined(in, &g, &mt, &m, comment, delegated);
	}
	member_clear(&m);
	free(comment);
out:
	meeting_clear(&mt);
}

/* The body without the quoted mail below it. */
static char *
own_words(const char *text)
{
	char		*r = xstrdup(text), *cut = NULL, *line = r, *prev = NULL;

	while (line && *line) {
		char	*nl = strchr(line, '\n');

		if (*line == '>' || !strncmp(line, "-----Original", 13) ||
		    !strncmp(line, "-----Opprinnelig", 16) ||
		    !strncmp(line, "________________________________", 32)) {
			cut = line;
			/* "On ... wrote:" / "... skrev:" just above */
			if (prev && *line == '>') {
				size_t	n = (size_t)(line - prev);

				while (n > 0 && isspace((unsigned char)prev[n - 1]))
					n--;
				if ((n >= 6 && !strncmp(prev + n - 6, "wrote:", 6)) ||
				    (n >= 6 && !strncmp(prev + n - 6, "skrev:", 6)))
					cut = prev;
			}
			break;
		}
		if (line[strspn(line, " \t\r")] != '\n')
			prev = line;
		line = nl ? nl + 1 : NULL;
	}
	if (cut)
		*cut = '\0';
	/* trailing blank lines */
	for (size_t n = strlen(r); n > 0 && isspace((unsigned char)r[n - 1]); n--)
		r[n - 1] = '\0';
	return r;
}

/* R3: minutes answering a reminder, from the minute-taker or coordinator. */
static bool
handle_minutes(struct in *in, const struct agroup *g, int64_t meeting_id)
{
	struct ansvar	*av = in->av;
	struct meeting	 mt;
	const char	*mime;
	const void	*data = NULL;
	size_t		 len = 0;
	char		*body = NULL, err[300], *by;
	int		 version, sent;
	bool		 done = false;

	if (meeting_load(av->db, meeting_id, &mt) == -1)
		return false;
	if (in->member_id != minutes_writer(av, g, &mt) &&
	    in->member_id != group_coordinator(av->db, g->id) &&
	    in->member_id != mt.minute_taker)
		goto out;
	/* A PDF or DOCX first; a text attachment only when there is none. */
	for (int pass = 0; pass < 2 && data == NULL; pass++)
		for (size_t i = 0; i < in->natts && data == NULL; i++) {
			const char *t = minutes_type(in->atts[i].data,
			    in->atts[i].len, &mime);

			if (t && (pass == 1 || strcmp(t, "txt"))) {
				data = in->atts[i].data;
				len = in->atts[i].len;
			}
		}
	if (data == NULL && in->text) {
		body = own_words(in->text);
		if (body[strspn(body, " \t\r\n")] != '\0') {
			data = body;
			len = strlen(body);
		}
	}
	if (data == NULL)
		goto out;
	by = xasprintf("mail:%s", in->from);
	version = minutes_record(av, g, &mt, data, len, by, in->id, &sent, err,
	    sizeof(err));
	free(by);
	if (version == -1) {
		log_warnx("inbox: mail #%lld: minutes for %s/%d: %s",
		    (long long)in->id, g->ref, mt.num, err);
		goto out;
	}
	verdict(in, "minutes", "minutes for %s/%d recorded (version %d), sent "
	    "to %d member(s) (R3)", g->ref, mt.num, version, sent);
	done = true;
out:
	free(body);
	meeting_clear(&mt);
	return done;
}

/* R2-R4: an answer to the mail in outbox row `row`. */
static void
handle_answer(struct in *in, int64_t row)
{
	struct ansvar	*av = in->av;
	sqlite3_stmt	*st;
	struct agroup	 g;
	char		*kind = NULL, *rcpt = NULL;
	int64_t		 gid = 0, sent_at = 0, coord, writer = 0;

	st = db_stmt(av->db, "SELECT group_id, kind, rcpt, cause, coalesce("
	    "sent_at, created_at) FROM outbox WHERE id = ?", "l", row);
	if (sqlite3_step(st) == SQLITE_ROW) {
		gid = sqlite3_column_int64(st, 0);
		kind = xstrdup(col_text(st, 1));
		rcpt = xstrdup(col_text(st, 2));
		in->meeting_id = cause_meeting(col_text(st, 3));
		sent_at = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	if (gid == 0 || group_by_id(av->db, gid, &g) == -1) {
		verdict(in, "unknown", "answers a mail ansvar sent about no "
		    "group; left in the mailbox");
		goto out;
	}
	in->group_id = g.id;
	in->member_id = member_by_address(av, g.id, in->from);
	if (in->meeting_id && !db_int(av->db, 0, "SELECT 1 FROM meetings WHERE "
	    "id = ? AND group_id = ?", "ll", in->meeting_id, g.id))
		in->meeting_id = 0;
	coord = group_coordinator(av->db, g.id);
	if (!same_address(in->from, rcpt) || in->member_id == 0) {
		verdict(in, "unverified", "answers the %s mail of %s, but not "
		    "from the address it went to", kind, g.ref);
		forward(in, "forward", coord, false, "it does not come from the "
		    "member the answered mail went to");
		goto out;
	}
	if (in->meeting_id && (!strcmp(kind, "minutes-reminder") ||
	    !strcmp(kind, "minutes-overdue")) &&
	    handle_minutes(in, &g, in->meeting_id))
		goto out;
	/* To the end of the day the minutes mail named (comment_by). */
	if (in->meeting_id && !strcmp(kind, "minutes") &&
	    local_day(clock_now(&av->clock)) <= local_day((time_t)sent_at) +
	    av->cfg->comment_days) {
		struct meeting mt;

		if (meeting_load(av->db, in->meeting_id, &mt) == 0) {
			writer = minutes_writer(av, &g, &mt);
			meeting_clear(&mt);
		}
		if (writer && writer != in->member_id) {
			verdict(in, "comment", "a comment on the minutes of %s",
			    g.ref);
			forward(in, "minutes-comment", writer, true, "a comment "
			    "on the minutes");
			goto out;
		}
	}
	if (in->member_id == coord) {
		verdict(in, "answer", "the coordinator answered the %s mail of "
		    "%s; not forwarded to themselves", kind, g.ref);
		goto out;
	}
	verdict(in, "answer", "answers the %s mail of %s to member #%d", kind,
	    g.ref, (int)db_int(av->db, 0, "SELECT num FROM members WHERE id = ?",
	    "l", in->member_id));
	forward(in, "forward", coord, true, "an answer from a member");
out:
	free(kind);
	free(rcpt);
}

static void
classify(struct in *in)
{
	struct ansvar		*av = in->av;
	GMimeStream		*mem;
	GMimeParser		*parser;
	struct ical_reply	 r;
	char			 err[200];
	const char		*why;
	int64_t			 row;

	if (in->len == 0 || in->raw[strspn(in->raw, " \t\r\n")] == '\0') {
		verdict(in, "malformed", "an empty message");
		return;
	}
	mem = g_mime_stream_mem_new_with_buffer(in->raw, in->len);
	parser = g_mime_parser_new_with_stream(mem);
	in->msg = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(mem);
	if (in->msg == NULL) {
		verdict(in, "malformed", "not a mail message (no headers)");
		return;
	}
	if ((in->from = from_address(in->msg)) == NULL) {
		verdict(in, "malformed", "no single sender address in From");
		return;
	}
	in->subject = one_line(g_mime_message_get_subject(in->msg));
	if (same_address(in->from, av->cfg->from)) {
		verdict(in, "auto", "from ansvar's own address");
		return;
	}
	walk(in, g_mime_message_get_mime_part(in->msg), 0);
	if (in->cal && *in->cal) {
		if (ical_reply_parse(in->cal, &r, err, sizeof(err)) == -1) {
			if (in->cal_method) {
				verdict(in, "malformed", "the calendar part of a "
				    "REPLY is %s", err);
				return;
			}
		} else if (!strcmp(r.method, "REPLY")) {
			handle_reply(in, &r);
			ical_reply_clear(&r);
			return;
		} else
			ical_reply_clear(&r);
	} else if (in->cal_method) {
		verdict(in, "malformed", "the calendar part of a REPLY is empty "
		    "or not text");
		return;
	}
	if ((why = automatic(in)) != NULL) {
		verdict(in, "auto", "written by a machine (%s); nothing done",
		    why);
		return;
	}
	if ((row = answered(in)) != 0) {
		handle_answer(in, row);
		return;
	}
	verdict(in, "unknown", "answers no mail ansvar sent; left in the "
	    "mailbox");
}

static void
in_clear(struct in *in)
{
	if (in->msg)
		g_object_unref(in->msg);
	free(in->from);
	free(in->subject);
	free(in->cal);
	free(in->text);
	for (size_t i = 0; i < in->natts; i++) {
		free(in->atts[i].name);
		free(in->atts[i].data);
	}
	free(in->atts);
	buf_free(&in->outcome);
}

/* Handle inbox row id; its class when done. */
static char *
handle(struct ansvar *av, int64_t id)
{
	struct in	 in;
	sqlite3_stmt	*st;
	int64_t		 attempts, dup, uid;
	char		*raw = NULL, *sum = NULL, *cls, where[40] = "";

	store_begin(av->db);
	db_run(av->db, "UPDATE inbox SET attempts = attempts + 1 WHERE id = ?",
	    "l", id);
	store_commit(av->db);
	memset(&in, 0, sizeof(in));
	in.av = av;
	in.id = id;
	buf_init(&in.outcome);
	st = db_stmt(av->db, "SELECT raw, sha256, attempts, coalesce(uid, 0) "
	    "FROM inbox WHERE id = ?", "l", id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	in.len = (size_t)sqlite3_column_bytes(st, 0);
	raw = xmalloc(in.len + 1);
	if (in.len)
		memcpy(raw, sqlite3_column_blob(st, 0), in.len);
	raw[in.len] = '\0';
	in.raw = raw;
	sum = xstrdup(col_text(st, 1));
	attempts = sqlite3_column_int64(st, 2);
	uid = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);

	store_begin(av->db);
	dup = db_int(av->db, 0, "SELECT id FROM inbox WHERE sha256 = ? AND id < "
	    "? AND class IS NOT NULL AND class NOT IN ('duplicate', 'too-big') "
	    "ORDER BY id LIMIT 1", "sl", sum, id);
	if (attempts > MAX_ATTEMPTS)
		verdict(&in, "malformed", "handling it was interrupted %lld "
		    "times; skipped", (long long)attempts - 1);
	else if (dup) {
		/* Mail left alone the first time is left alone again. */
		char		*was = db_str(av->db, "SELECT class FROM inbox "
		    "WHERE id = ?", "l", dup);
		const char	*left = inbox_left_alone(was);

		verdict(&in, left ? left : "duplicate", "the same mail as "
		    "#%lld; nothing done", (long long)dup);
		free(was);
	}
	else
		classify(&in);
	/* Mail that is not ours is not kept here: it stays in the mailbox
	 * (what an admin imported is kept). */
	db_run(av->db, "UPDATE inbox SET class = ?, outcome = ?, group_id = "
	    "NULLIF(?, 0), meeting_id = NULLIF(?, 0), member_id = NULLIF(?, 0), "
	    "handled_at = ?, raw = CASE WHEN ? OR source = 'import' THEN raw END "
	    "WHERE id = ?", "ssllllil", in.cls, buf_str(&in.outcome),
	    in.group_id, in.meeting_id, in.member_id,
	    (int64_t)clock_now(&av->clock), strcmp(in.cls, "unknown") != 0, id);
	/* T3: what mail changed is in the audit log, as commands are. */
	if (!strcmp(in.cls, "reply") || !strcmp(in.cls, "minutes")) {
		char *what = xasprintf("mail #%lld: %s", (long long)id,
		    buf_str(&in.outcome));
		char *ref = db_str(av->db, "SELECT ref FROM groups WHERE id = ?",
		    "l", in.group_id);

		audit_daemon(av, ref, what);
		free(what);
		free(ref);
	}
	store_commit(av->db);
	if (uid)
		snprintf(where, sizeof(where), " (UID %lld)", (long long)uid);
	if (!strcmp(in.cls, "malformed") || !strcmp(in.cls, "unverified"))
		log_warnx("inbox: mail #%lld%s: %s: %s", (long long)id, where,
		    in.cls, buf_str(&in.outcome));
	else
		log_info("inbox: mail #%lld%s: %s: %s", (long long)id, where,
		    in.cls, buf_str(&in.outcome));
	cls = xstrdup(in.cls);
	in_clear(&in);
	free(raw);
	free(sum);
	return cls;
}

int
inbox_run(struct ansvar *av)
{
	int64_t	*ids;
	size_t	 n = 0;

	ids = db_ids(av->db, &n, "SELECT id FROM inbox WHERE class IS NULL "
	    "ORDER BY id", "");
	for (size_t i = 0; i < n; i++)
		free(handle(av, ids[i]));
	free(ids);
	return (int)n;
}

int64_t
inbox_import(struct ansvar *av, const void *data, size_t len,
    const char *by_user)
{
	gchar	*sum;
	int64_t	 id;

	sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	store_begin(av->db);
	db_run(av->db, "INSERT INTO inbox (source, received_at, size, sha256, "
	    "raw) VALUES ('import', ?, ?, ?, ?)", "lisb",
	    (int64_t)clock_now(&av->clock), (int)len, sum, data, len);
	id = sqlite3_last_insert_rowid(av->db);
	store_commit(av->db);
	g_free(sum);
	log_info("inbox: mail #%lld imported by %s (%zu bytes)", (long long)id,
	    by_user, len);
	free(handle(av, id));
	return id;
}
