/*
 * Time-driven work.  Each rule looks at the store as of `now` and queues
 * its mails through the outbox, whose unique cause keys make a repeated
 * pass (every minute, after a restart, after downtime) harmless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "group.h"
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
	sqlite3_stmt	*st;
	int64_t		*ids = NULL;
	size_t		 n = 0;

	st = db_stmt(av->db, "SELECT id FROM outbox WHERE state IN ('failed', "
	    "'dropped') AND reported = 0 AND kind != 'mail-undelivered' AND "
	    "coalesce(last_error, '') != 'group closed'", "");
	while (sqlite3_step(st) == SQLITE_ROW) {
		ids = xrealloc(ids, sizeof(*ids) * (n + 1));
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++) {
		store_begin(av->db);
		notice_undelivered(av, ids[i]);
		db_run(av->db, "UPDATE outbox SET reported = 1 WHERE id = ?", "l",
		    ids[i]);
		store_commit(av->db);
	}
	free(ids);
}

void
schedule_run(struct ansvar *av, time_t now)
{
	adult_birthdays(av, now);
	undelivered(av);
}
