/*
 * Meetings and their invitations.  Each invitee gets a personal message
 * whose calendar object lists every attendee; the UID is fixed for the
 * meeting and the SEQUENCE grows with each move or cancel (RFC 5546).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"
#include "log.h"
#include "meeting.h"
#include "outbox.h"
#include "store.h"
#include "template.h"

int
meeting_load(sqlite3 *db, int64_t id, struct meeting *m)
{
	sqlite3_stmt	*st;
	int		 rc = -1;

	memset(m, 0, sizeof(*m));
	st = db_stmt(db, "SELECT group_id, num, uid, sequence, start_at, end_at, "
	    "place, state, first, coalesce(minute_taker, 0), "
	    "coalesce(agenda_sent_at, 0) FROM meetings WHERE id = ?", "l", id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		m->id = id;
		m->group_id = sqlite3_column_int64(st, 0);
		m->num = sqlite3_column_int(st, 1);
		m->uid = xstrdup(col_text(st, 2));
		m->sequence = sqlite3_column_int(st, 3);
		m->start = (time_t)sqlite3_column_int64(st, 4);
		m->end = (time_t)sqlite3_column_int64(st, 5);
		m->place = xstrdup(col_text(st, 6));
		m->state = xstrdup(col_text(st, 7));
		m->first = sqlite3_column_int(st, 8);
		m->minute_taker = sqlite3_column_int64(st, 9);
		m->agenda_sent_at = (time_t)sqlite3_column_int64(st, 10);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

void
meeting_clear(struct meeting *m)
{
	free(m->uid);
	free(m->place);
	free(m->state);
	memset(m, 0, sizeof(*m));
}

int
meeting_and_group(sqlite3 *db, int64_t id, struct meeting *mt,
    struct agroup *g)
{
	if (meeting_load(db, id, mt) == -1)
		return -1;
	if (group_by_id(db, mt->group_id, g) == -1) {
		meeting_clear(mt);
		return -1;
	}
	return 0;
}

int64_t
meeting_find(sqlite3 *db, int64_t group_id, int num)
{
	return db_int(db, -1, "SELECT id FROM meetings WHERE group_id = ? AND "
	    "num = ?", "li", group_id, num);
}

int64_t
minute_taker_pick(sqlite3 *db, const struct config *cfg, int64_t group_id)
{
	if (!strcmp(cfg->minutes_by, "coordinator"))
		return group_coordinator(db, group_id);
	/* Rotation: never took them first, then the longest ago; by number. */
	return db_int(db, 0, "SELECT m.id FROM members m WHERE m.group_id = ? "
	    "AND m.role = 'service' AND m.guest = 0 AND m.removed_at IS NULL "
	    "ORDER BY (SELECT max(start_at) FROM meetings x WHERE "
	    "x.minute_taker = m.id AND x.state = 'scheduled') IS NOT NULL, "
	    "(SELECT max(start_at) FROM meetings x WHERE x.minute_taker = m.id "
	    "AND x.state = 'scheduled'), m.num LIMIT 1", "l", group_id);
}

int
meeting_agenda_day(const struct ansvar *av, const struct meeting *m)
{
	return local_day(m->start) - av->cfg->agenda_lead_days;
}

char *
meeting_when(const struct meeting *m, const char *lang)
{
	static const char *nb[] = { "mandag", "tirsdag", "onsdag", "torsdag",
	    "fredag", "lørdag", "søndag" };
	static const char *en[] = { "Monday", "Tuesday", "Wednesday",
	    "Thursday", "Friday", "Saturday", "Sunday" };
	char		 a[32], b[32];
	int		 wd = day_of_week(local_day(m->start)) - 1;
	bool		 english = lang && !strcmp(lang, "en");
	const char	*name = english ? en[wd] : nb[wd];

	time_format_local(m->start, a, sizeof(a));
	time_format_local(m->end, b, sizeof(b));
	return xasprintf("%s %.10s %s %s-%s", name, a, english ? "at" : "kl.",
	    a + 11, b + 11);
}

struct attendees {
	struct ical_attendee	*a;
	char			**names, **emails;
	int64_t			*ids;
	char			**langs, **tokens;
	size_t			 n;
};

static void
attendees_load(sqlite3 *db, int64_t meeting_id, int64_t coordinator,
    struct attendees *at)
{
	sqlite3_stmt	*st;

	memset(at, 0, sizeof(*at));
	st = db_stmt(db, "SELECT m.id, m.name, m.email, m.lang, m.token FROM "
	    "invitees i JOIN members m ON m.id = i.member_id WHERE "
	    "i.meeting_id = ? AND m.email IS NOT NULL AND m.channel = 'mail' "
	    "AND m.removed_at IS NULL ORDER BY m.id = ? DESC, m.num", "ll",
	    meeting_id, coordinator);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t	k = at->n++;

		at->a = xrealloc(at->a, sizeof(*at->a) * at->n);
		at->names = xrealloc(at->names, sizeof(char *) * at->n);
		at->emails = xrealloc(at->emails, sizeof(char *) * at->n);
		at->langs = xrealloc(at->langs, sizeof(char *) * at->n);
		at->tokens = xrealloc(at->tokens, sizeof(char *) * at->n);
		at->ids = xrealloc(at->ids, sizeof(int64_t) * at->n);
		at->ids[k] = sqlite3_column_int64(st, 0);
		at->names[k] = xstrdup(col_text(st, 1));
		at->emails[k] = xstrdup(col_text(st, 2));
		at->langs[k] = sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL :
		    xstrdup(col_text(st, 3));
		at->tokens[k] = xstrdup(col_text(st, 4));
		at->a[k].name = at->names[k];
		at->a[k].email = at->emails[k];
		at->a[k].chair = at->ids[k] == coordinator;
	}
	sqlite3_finalize(st);
}

static void
attendees_free(struct attendees *at)
{
	for (size_t i = 0; i < at->n; i++) {
		free(at->names[i]);
		free(at->emails[i]);
		free(at->langs[i]);
		free(at->tokens[i]);
	}
	free(at->a);
	free(at->names);
	free(at->emails);
	free(at->langs);
	free(at->tokens);
	free(at->ids);
}

static char *
summary(const struct agroup *g, const char *lang)
{
	/* Never the client's name: the subject of a calendar entry is seen. */
	return xasprintf(lang && !strcmp(lang, "en") ?
	    "Responsibility group meeting %s" : "Ansvarsgruppemøte %s", g->ref);
}

static void
send_one(struct ansvar *av, const struct agroup *g, const struct meeting *mt,
    const char *method, const struct attendees *at, size_t k)
{
	struct ical_event	 ev;
	struct outmail		 om;
	struct tvars		*v = tvars_new();
	const char		*lang = at->langs[k] ? at->langs[k] :
	    av->cfg->language;
	char			*sum = summary(g, lang), *ics, *cause, *when;
	char			 err[200];
	bool			 cancel = !strcmp(method, "CANCEL");

	memset(&ev, 0, sizeof(ev));
	ev.method = method;
	ev.uid = mt->uid;
	ev.sequence = mt->sequence;
	ev.dtstamp = clock_now(&av->clock);
	ev.start = mt->start;
	ev.end = mt->end;
	ev.tzid = av->cfg->timezone;
	ev.summary = sum;
	ev.location = mt->place;
	ev.organizer_name = av->cfg->from_name;
	ev.organizer_email = av->cfg->from;
	ev.att = at->a;
	ev.natt = at->n;
	if ((ics = ical_build(&ev, err, sizeof(err))) == NULL) {
		log_warnx("meeting %s/%d: %s", g->ref, mt->num, err);
		goto out;
	}
	when = meeting_when(mt, lang);
	tvars_set(v, "name", at->names[k]);
	tvars_set(v, "when", when);
	tvars_set(v, "place", mt->place);
	tvars_setf(v, "meeting", "%s/%d", g->ref, mt->num);
	if (mt->sequence > 0)
		tvars_set(v, "update", "yes");
	if (mt->first)
		tvars_set(v, "first", "yes");
	free(when);
	cause = xasprintf("%s:m=%lld:seq=%d:to=%lld", cancel ? "cancel" :
	    "invite", (long long)mt->id, mt->sequence, (long long)at->ids[k]);
	memset(&om, 0, sizeof(om));
	om.cause = cause;
	om.group_id = g->id;
	om.ref = g->ref;
	om.kind = cancel ? "cancellation" : "invitation";
	om.to = at->emails[k];
	om.to_name = at->names[k];
	om.lang = lang;
	om.token = at->tokens[k];
	om.vars = v;
	om.due = clock_now(&av->clock);
	om.deadline = mt->start;
	om.ics = ics;
	om.method = method;
	outbox_add(av, &om);
	free(cause);
	free(ics);
out:
	free(sum);
	tvars_free(v);
}

void
meeting_send(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, const char *method, int64_t only)
{
	struct attendees	at;

	attendees_load(av->db, mt->id, group_coordinator(av->db, g->id), &at);
	for (size_t k = 0; k < at.n; k++)
		if (only == 0 || at.ids[k] == only)
			send_one(av, g, mt, method, &at, k);
	attendees_free(&at);
}

void
meetings_cancel_future(struct ansvar *av, const struct agroup *g,
    const char *reason)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT id FROM meetings WHERE group_id = ? AND "
	    "state = 'scheduled' AND start_at > ?", "ll", g->id,
	    (int64_t)clock_now(&av->clock));
	for (size_t i = 0; i < n; i++) {
		struct meeting	mt;

		db_run(av->db, "UPDATE meetings SET state = 'cancelled', sequence "
		    "= sequence + 1, cancel_reason = ? WHERE id = ?", "sl", reason,
		    ids[i]);
		if (meeting_load(av->db, ids[i], &mt) == 0) {
			meeting_send(av, g, &mt, "CANCEL", 0);
			log_info("meeting %s/%d cancelled: %s", g->ref, mt.num,
			    reason);
			meeting_clear(&mt);
		}
	}
	free(ids);
}
