/*
 * Time-driven work.  Each rule looks at the store as of `now` and queues
 * its mails through the outbox, whose unique cause keys make a repeated
 * pass (every minute, after a restart, after downtime) harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "agenda.h"
#include "followup.h"
#include "group.h"
#include "letter.h"
#include "meeting.h"
#include "minutes.h"
#include "outbox.h"
#include "holidays.h"
#include "log.h"
#include "notices.h"
#include "schedule.h"
#include "store.h"

/*
 * T1: the instant a mail due on `day` goes out: at send_hour, on the
 * working day before when the day is a weekend or public holiday.
 * Wall-clock time, so DST never moves it.
 */
time_t
send_moment(const struct ansvar *av, int day)
{
	return local_instant(send_day(day, av->cfg->skip_holidays),
	    av->cfg->send_hour / 60, av->cfg->send_hour % 60);
}

/*
 * G8: on the client's 18th birthday the coordinator is told, and
 * "membership review" waits for the next agenda.  Only for clients who
 * were minors when the group became active.
 */
static void
adult_birthdays(struct ansvar *av, time_t now)
{
	sqlite3_stmt	*st;
	struct agroup	*gs = NULL;
	size_t		 n = 0;

	st = db_stmt(av->db, "SELECT g.ref FROM groups g WHERE g.state = "
	    "'active' AND NOT EXISTS (SELECT 1 FROM outbox WHERE cause = "
	    "'adult:g=' || g.id) AND NOT EXISTS (SELECT 1 FROM transitions "
	    "WHERE group_id = g.id AND kind = 'adult' AND note = 'birthday')",
	    "");
	while (sqlite3_step(st) == SQLITE_ROW) {
		gs = xrealloc(gs, sizeof(*gs) * (n + 1));
		if (group_find(av->db, col_text(st, 0), &gs[n]) == 0)
			n++;
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		struct agroup	*g = &gs[i];
		int		 born, adult;
		int64_t		 activated;
		char		 date[16], *item;

		if (date_parse(g->born, &born) == -1)
			continue;
		adult = day_add_months(born, 18 * 12);
		activated = db_int(av->db, 0, "SELECT activated_at FROM groups "
		    "WHERE id = ?", "l", g->id);
		if (adult <= local_day((time_t)activated) ||
		    send_moment(av, adult) > now)
			continue;
		date_format(adult, date, sizeof(date));
		store_begin(av->db);
		db_run(av->db, "INSERT INTO transitions (group_id, kind, date, "
		    "note, created_at) VALUES (?, 'adult', ?, 'birthday', ?)",
		    "lsl", g->id, date, (int64_t)now);
		item = xasprintf("membership review (the client turned 18 on %s)",
		    date);
		pending_item(av, g, item, "G8");
		free(item);
		/* After downtime a month late, the mail is no longer news. */
		if (now - send_moment(av, adult) <= 30 * 24 * 3600)
			notice_client_adult(av, g, adult);
		else
			log_warnx("schedule: %s: client turned 18 on %s; too late "
			    "to mail the coordinator, on the agenda only", g->ref,
			    date);
		audit_daemon(av, g->ref, "client turned 18: coordinator told, "
		    "membership review put on the next agenda (G8)");
		store_commit(av->db);
		log_info("schedule: %s: client turned 18 (G8)", g->ref);
	}
	free(gs);
}

/* T2: each mail that failed for good or came too late is reported once. */
static void
undelivered(struct ansvar *av)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT id FROM outbox WHERE state IN ('failed', "
	    "'dropped') AND reported = 0 AND kind != 'mail-undelivered' AND "
	    "coalesce(last_error, '') NOT IN ('group closed', 'meeting cancelled')",
	    "");
	for (size_t i = 0; i < n; i++) {
		store_begin(av->db);
		notice_undelivered(av, ids[i]);
		db_run(av->db, "UPDATE outbox SET reported = 1 WHERE id = ?", "l",
		    ids[i]);
		store_commit(av->db);
	}
	free(ids);
}

/* Mail to a member about a meeting, due now, useful until `until` (0: for
 * ever). */
static void
to_member_about(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, const struct member *m, const char *kind,
    const char *cause, struct tvars *v, time_t until,
    const struct outmail *extra)
{
	struct outmail	 om;
	char		*when;

	when = meeting_when(mt, m->lang ? m->lang : av->cfg->language);
	tvars_set(v, "when", when);
	tvars_set(v, "place", mt->place);
	tvars_setf(v, "meeting", "%s/%d", g->ref, mt->num);
	free(when);
	if (extra)
		om = *extra;
	else
		memset(&om, 0, sizeof(om));
	om.deadline = until;
	outbox_to_member(av, g, m, kind, cause, v, &om);
}

/* The same to the group's coordinator. */
static void
to_coordinator_about(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, const char *kind, const char *cause,
    struct tvars *v, time_t until, const struct outmail *extra)
{
	struct member	c;

	if (member_load(av->db, group_coordinator(av->db, g->id), &c) == -1)
		return;
	to_member_about(av, g, mt, &c, kind, cause, v, until, extra);
	member_clear(&c);
}

/* M3: the coordinator is reminded to set the agenda with the client. */
static void
agenda_prepare(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, time_t t_agenda)
{
	struct tvars	*v = tvars_new();
	char		*cause = xasprintf("agenda-prepare:m=%lld", (long long)mt->id);
	char		 date[16];

	date_format(local_day(t_agenda), date, sizeof(date));
	tvars_set(v, "agenda_date", date);
	to_coordinator_about(av, g, mt, "agenda-prepare", cause, v, t_agenda, NULL);
	tvars_free(v);
	free(cause);
}

/* M5: a member who gets post: the coordinator gets the letter to post. */
static void
post_letters(struct ansvar *av, const struct agroup *g,
    const struct meeting *mt, time_t t_agenda)
{
	sqlite3_stmt	*st;
	struct member	 c;

	memset(&c, 0, sizeof(c));
	member_load(av->db, group_coordinator(av->db, g->id), &c);
	st = db_stmt(av->db, "SELECT m.id, m.name, coalesce(m.address, ''), "
	    "m.lang FROM invitees i JOIN members m ON m.id = i.member_id WHERE "
	    "i.meeting_id = ? AND m.removed_at IS NULL AND (m.channel = 'post' "
	    "OR m.email IS NULL) AND m.address IS NOT NULL", "l", mt->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t		 mid = sqlite3_column_int64(st, 0);
		const char	*lang = sqlite3_column_type(st, 3) == SQLITE_NULL ?
		    av->cfg->language : col_text(st, 3);
		char		*cause = xasprintf("post:m=%lld:to=%lld",
		    (long long)mt->id, (long long)mid);
		char		*body, *pdf = NULL, *name, err[200], date[16];
		struct letter	 l;
		struct outmail	 om;
		struct tvars	*v;
		size_t		 len;

		if (db_int(av->db, 0, "SELECT 1 FROM outbox WHERE cause = ?", "s",
		    cause)) {
			free(cause);
			continue;
		}
		body = agenda_text(av, g, mt, lang, col_text(st, 1));
		date_format(local_day(clock_now(&av->clock)), date, sizeof(date));
		memset(&l, 0, sizeof(l));
		l.sender = *av->cfg->from_name ? av->cfg->from_name :
		    av->cfg->from;
		l.recipient = col_text(st, 1);
		l.address = col_text(st, 2);
		l.date = date;
		l.title = db_str(av->db, "SELECT 'Saksliste ' || ?", "s", g->ref);
		l.body = body;
		if (letter_pdf(&l, &pdf, &len, err, sizeof(err)) == -1)
			log_warnx("post: %s/%d: %s", g->ref, mt->num, err);
		else {
			v = tvars_new();
			tvars_set(v, "member", col_text(st, 1));
			date_format(send_day(local_day(t_agenda) - 1, true), date,
			    sizeof(date));
			tvars_set(v, "post_by", date);
			name = xasprintf("saksliste-%s-%d-%lld.pdf", g->ref, mt->num,
			    (long long)mid);
			memset(&om, 0, sizeof(om));
			om.attach_name = name;
			om.attach_type = "application/pdf";
			om.attach = pdf;
			om.attach_len = len;
			to_coordinator_about(av, g, mt, "post-reminder", cause, v,
			    mt->start, &om);
			tvars_free(v);
			free(name);
		}
		free((char *)l.title);
		free(pdf);
		free(body);
		free(cause);
	}
	sqlite3_finalize(st);
	member_clear(&c);
}

/* M3: the agenda goes to every invitee with e-mail; pending reviews are
 * taken onto it. */
static void
agenda_send(struct ansvar *av, const struct agroup *g, const struct meeting *mt)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT m.id FROM invitees i JOIN members m ON "
	    "m.id = i.member_id WHERE i.meeting_id = ? AND m.email IS NOT NULL "
	    "AND m.channel = 'mail' AND m.removed_at IS NULL", "l", mt->id);
	for (size_t i = 0; i < n; i++) {
		struct member	 m;
		struct outmail	 om;
		struct tvars	*v;
		char		*cause;

		if (member_load(av->db, ids[i], &m) == -1)
			continue;
		v = tvars_new();
		agenda_vars(av, g, mt, m.lang ? m.lang : av->cfg->language, v);
		cause = xasprintf("agenda:m=%lld:to=%lld", (long long)mt->id,
		    (long long)m.id);
		memset(&om, 0, sizeof(om));
		om.deadline = mt->start;
		outbox_to_member(av, g, &m, "agenda", cause, v, &om);
		free(cause);
		tvars_free(v);
		member_clear(&m);
	}
	free(ids);
	db_run(av->db, "UPDATE meetings SET agenda_sent_at = ? WHERE id = ?", "ll",
	    (int64_t)clock_now(&av->clock), mt->id);
	db_run(av->db, "UPDATE agenda_pending SET done_at = ?, meeting_id = ? "
	    "WHERE group_id = ? AND done_at IS NULL", "lll",
	    (int64_t)clock_now(&av->clock), mt->id, g->id);
	log_info("schedule: %s/%d: agenda sent to %zu invitee(s) (M3)", g->ref,
	    mt->num, n);
}

/* A2: each open action's owner is reminded before its evaluation date. */
static void
action_reminders(struct ansvar *av, time_t now)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT a.id FROM actions a JOIN groups g ON g.id = "
	    "a.group_id WHERE g.state = 'active' AND a.done_at IS NULL AND NOT "
	    "EXISTS (SELECT 1 FROM outbox WHERE cause = 'action-remind:a=' || "
	    "a.id)", "");
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt	*a;
		struct agroup	 g;
		struct member	 m;
		struct outmail	 om;
		struct tvars	*v;
		int		 eval;
		char		*cause;

		a = db_stmt(av->db, "SELECT group_id, num, goal, owner, evaluate, "
		    "until FROM actions WHERE id = ?", "l", ids[i]);
		if (sqlite3_step(a) != SQLITE_ROW ||
		    date_parse(col_text(a, 4), &eval) == -1 ||
		    now < send_moment(av, eval - av->cfg->action_remind_days) ||
		    now > local_instant(eval + 1, 0, 0) ||
		    group_by_id(av->db, sqlite3_column_int64(a, 0), &g) == -1 ||
		    member_load(av->db, sqlite3_column_int64(a, 3), &m) == -1) {
			sqlite3_finalize(a);
			continue;
		}
		v = tvars_new();
		tvars_set(v, "name", m.name);
		tvars_set(v, "goal", col_text(a, 2));
		tvars_set(v, "evaluate", col_text(a, 4));
		tvars_set(v, "until", col_text(a, 5));
		tvars_setf(v, "action", "%s/a%d", g.ref, sqlite3_column_int(a, 1));
		cause = xasprintf("action-remind:a=%lld", (long long)ids[i]);
		memset(&om, 0, sizeof(om));
		om.deadline = local_instant(eval + 1, 0, 0);
		store_begin(av->db);
		outbox_to_member(av, &g, &m, "action-reminder", cause, v, &om);
		store_commit(av->db);
		free(cause);
		tvars_free(v);
		member_clear(&m);
		sqlite3_finalize(a);
	}
	free(ids);
}

/* E2: the coordinator is told evaluation_warn_days before it is due. */
static void
evaluation_warnings(struct ansvar *av, time_t now)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT id FROM groups WHERE state = 'active'", "");
	for (size_t i = 0; i < n; i++) {
		struct agroup	 g;
		struct tvars	*v;
		int		 due;
		char		 date[16], *cause;

		if (group_by_id(av->db, ids[i], &g) == -1 ||
		    (due = evaluation_due_day(av, &g)) == -1 ||
		    now < send_moment(av, due - av->cfg->evaluation_warn_days))
			continue;
		date_format(due, date, sizeof(date));
		cause = xasprintf("evaluation-due:g=%lld:due=%s", (long long)g.id,
		    date);
		v = tvars_new();
		tvars_set(v, "due", date);
		if (now > local_instant(due + 1, 0, 0))
			tvars_set(v, "overdue", "yes");
		store_begin(av->db);
		notice_to_coordinator(av, &g, "evaluation-due", cause, v);
		store_commit(av->db);
		tvars_free(v);
		free(cause);
	}
	free(ids);
}

/* M10: a held meeting with no later one after the grace days. */
static void
next_meeting(struct ansvar *av, time_t now)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT m.id FROM meetings m JOIN groups g ON "
	    "g.id = m.group_id WHERE g.state = 'active' AND m.state = "
	    "'scheduled' AND m.start_at <= ? AND NOT EXISTS (SELECT 1 FROM "
	    "meetings x WHERE x.group_id = m.group_id AND x.state = 'scheduled' "
	    "AND x.start_at > m.start_at) AND NOT EXISTS (SELECT 1 FROM outbox "
	    "WHERE cause = 'next-meeting:m=' || m.id)", "l", (int64_t)now);
	for (size_t i = 0; i < n; i++) {
		struct meeting	 mt;
		struct agroup	 g;
		struct tvars	*v;
		char		*cause, date[16];

		if (meeting_and_group(av->db, ids[i], &mt, &g) == -1)
			continue;
		if (now >= send_moment(av, local_day(mt.start) +
		    av->cfg->next_meeting_grace_days)) {
			v = tvars_new();
			tvars_setf(v, "meeting", "%s/%d", g.ref, mt.num);
			date_format(local_day(mt.start), date, sizeof(date));
			tvars_set(v, "held", date);
			cause = xasprintf("next-meeting:m=%lld", (long long)mt.id);
			store_begin(av->db);
			notice_to_coordinator(av, &g, "next-meeting", cause, v);
			store_commit(av->db);
			free(cause);
			tvars_free(v);
		}
		meeting_clear(&mt);
	}
	free(ids);
}

/* Has the member answered the meeting as it is now (its SEQUENCE)? */
static bool
answered_now(struct ansvar *av, const struct meeting *mt, int64_t member)
{
	return db_int(av->db, 0, "SELECT 1 FROM answers WHERE meeting_id = ? AND "
	    "member_id = ? AND sequence >= ?", "lli", mt->id, member,
	    mt->sequence) != 0;
}

/*
 * M6: rsvp_chase_days before the meeting, each invitee who has not
 * answered gets one reminder, and for the client or a guardian the
 * coordinator gets a task.  Not for a meeting set up after that day.
 */
static void
rsvp_chase(struct ansvar *av, const struct agroup *g, const struct meeting *mt)
{
	int64_t		*ids;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT m.id FROM invitees i JOIN members m ON "
	    "m.id = i.member_id WHERE i.meeting_id = ? AND m.removed_at IS NULL "
	    "ORDER BY m.num", "l", mt->id);
	for (size_t i = 0; i < n; i++) {
		struct member	 m;
		struct tvars	*v;
		char		*cause;

		if (answered_now(av, mt, ids[i]) ||
		    member_load(av->db, ids[i], &m) == -1)
			continue;
		if (db_int(av->db, 0, "SELECT channel = 'mail' FROM members WHERE "
		    "id = ?", "l", m.id)) {
			v = tvars_new();
			tvars_set(v, "name", m.name);
			cause = xasprintf("rsvp-remind:m=%lld:to=%lld",
			    (long long)mt->id, (long long)m.id);
			to_member_about(av, g, mt, &m, "rsvp-reminder", cause, v,
			    mt->start, NULL);
			free(cause);
			tvars_free(v);
		}
		if (member_is_family(m.role)) {
			v = tvars_new();
			absence_vars(av, &m, v);
			cause = xasprintf("rsvp-followup:m=%lld:to=%lld:s=%d:"
			    "noanswer", (long long)mt->id, (long long)m.id,
			    mt->sequence);
			to_coordinator_about(av, g, mt, "rsvp-followup", cause, v,
			    mt->start, NULL);
			free(cause);
			tvars_free(v);
		}
		member_clear(&m);
	}
	free(ids);
}

/* M3, M5, M6: the coming meetings' reminders, letters and agendas. */
static void
meetings(struct ansvar *av, time_t now)
{
	int64_t		*ids = NULL;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT m.id FROM meetings m JOIN groups g ON "
	    "g.id = m.group_id WHERE m.state = 'scheduled' AND g.state = "
	    "'active' AND m.start_at > ? ORDER BY m.start_at", "l", (int64_t)now);
	for (size_t i = 0; i < n; i++) {
		struct meeting	mt;
		struct agroup	g;
		int		day, chase;
		time_t		t_agenda;

		if (meeting_and_group(av->db, ids[i], &mt, &g) == -1)
			continue;
		day = meeting_agenda_day(av, &mt);
		t_agenda = send_moment(av, day);
		chase = local_day(mt.start) - av->cfg->rsvp_chase_days;
		store_begin(av->db);
		if (!mt.agenda_sent_at && now < t_agenda && now >= send_moment(av,
		    send_day(day, av->cfg->skip_holidays) -
		    av->cfg->agenda_prepare_days))
			agenda_prepare(av, &g, &mt, t_agenda);
		if (now >= send_moment(av, day - av->cfg->post_days))
			post_letters(av, &g, &mt, t_agenda);
		if (!mt.agenda_sent_at && now >= t_agenda)
			agenda_send(av, &g, &mt);
		if (now >= send_moment(av, chase) && local_day((time_t)db_int(
		    av->db, 0, "SELECT created_at FROM meetings WHERE id = ?", "l",
		    mt.id)) < chase)
			rsvp_chase(av, &g, &mt);
		store_commit(av->db);
		meeting_clear(&mt);
	}
	free(ids);
}

/*
 * M9: the minute-taker is reminded minutes_remind_days after the meeting;
 * from minutes_due_days on, the coordinator is told every
 * minutes_overdue_repeat_days, until minutes (or, with
 * ip_replaces_minutes, the plan) are recorded.  After downtime only the
 * latest of the missed overdue notices goes.
 */
static void
minutes_chase(struct ansvar *av, time_t now)
{
	int64_t		*ids;
	size_t		 n = 0;

	ids = db_ids(av->db, &n, "SELECT m.id FROM meetings m JOIN groups g ON "
	    "g.id = m.group_id WHERE g.state = 'active' AND m.state = "
	    "'scheduled' AND m.end_at <= ? AND NOT EXISTS (SELECT 1 FROM minutes "
	    "x WHERE x.meeting_id = m.id)", "l", (int64_t)now);
	for (size_t i = 0; i < n; i++) {
		struct meeting	 mt;
		struct agroup	 g;
		struct member	 w;
		struct tvars	*v;
		char		*cause, date[16];
		int		 day, due, k;

		if (meeting_and_group(av->db, ids[i], &mt, &g) == -1)
			continue;
		day = local_day(mt.start);
		due = day + av->cfg->minutes_due_days;
		store_begin(av->db);
		if (now >= send_moment(av, day + av->cfg->minutes_remind_days) &&
		    member_load(av->db, minutes_writer(av, &g, &mt), &w) == 0) {
			v = tvars_new();
			date_format(due, date, sizeof(date));
			tvars_set(v, "due", date);
			tvars_set(v, "name", w.name);
			cause = xasprintf("minutes-remind:m=%lld", (long long)mt.id);
			to_member_about(av, &g, &mt, &w, "minutes-reminder", cause,
			    v, 0, NULL);
			free(cause);
			tvars_free(v);
			member_clear(&w);
		}
		for (k = 0; now >= send_moment(av, due + (k + 1) *
		    av->cfg->minutes_overdue_repeat_days); k++)
			;
		if (now >= send_moment(av, due)) {
			v = tvars_new();
			date_format(due, date, sizeof(date));
			tvars_set(v, "due", date);
			tvars_setf(v, "days_late", "%d", local_day(now) - due);
			if (member_load(av->db, minutes_writer(av, &g, &mt), &w) ==
			    0) {
				tvars_set(v, "writer", w.name);
				tvars_setf(v, "writer_num", "#%d", w.num);
				member_clear(&w);
			}
			cause = xasprintf("minutes-overdue:m=%lld:n=%d",
			    (long long)mt.id, k);
			to_coordinator_about(av, &g, &mt, "minutes-overdue", cause,
			    v, 0, NULL);
			free(cause);
			tvars_free(v);
		}
		store_commit(av->db);
		meeting_clear(&mt);
	}
	free(ids);
}

void
schedule_run(struct ansvar *av, time_t now)
{
	adult_birthdays(av, now);
	meetings(av, now);
	action_reminders(av, now);
	evaluation_warnings(av, now);
	next_meeting(av, now);
	minutes_chase(av, now);
	undelivered(av);
}
