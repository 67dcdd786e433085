/*
 * ansvar.ini: every key, its default and its check live in one table in
 * config.c.  A bad file is refused with FILE:LINE: key: what is wrong.
 */
#ifndef ANSVAR_CONFIG_H
#define ANSVAR_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "util.h"

struct config {
	char	*path;

	/* [ansvar] */
	char	*state_dir;
	char	*socket;
	char	*socket_group;
	char	*admin_group;
	char	*timezone;
	char	*language;
	char	*templates;
	int	 send_hour;		/* minutes after midnight */

	/* [policy] */
	int	 max_fixed_members;
	int	 min_services;
	char	*non_services;
	bool	 invite_gp_first_meeting;
	int	 max_meeting_minutes;
	int	 agenda_lead_days;
	int	 agenda_prepare_days;
	char	**agenda_items;
	int	 n_agenda_items;
	char	*default_channel;
	int	 post_days;
	int	 rsvp_chase_days;
	char	*minutes_by;
	int	 minutes_due_days;
	int	 minutes_remind_days;
	int	 minutes_overdue_repeat_days;
	int	 comment_days;
	bool	 ip_replaces_minutes;
	int	 next_meeting_grace_days;
	int	 max_meeting_gap_days;
	int	 action_remind_days;
	int	 evaluation_months;
	int	 evaluation_warn_days;
	bool	 skip_holidays;

	/* [mail] */
	char	*from;
	char	*from_name;
	char	*reply_to;

	/* [notify] */
	char	*notify_children;
	char	*notify_adults;

	/* [smtp]: present = mail goes by SMTP, absent = Maildir */
	bool	 smtp;
	char	*smtp_host;
	int	 smtp_port;
	char	*smtp_tls;
	char	*smtp_user;
	char	*smtp_password_file;
	char	*smtp_ca_file;
	int	 smtp_timeout;

	/* [imap]: present = replies are read from this mailbox */
	bool	 imap;
	char	*imap_url;
	char	*imap_tls;
	char	*imap_user;
	char	*imap_password_file;
	char	*imap_ca_file;
	char	*imap_mailbox;
	char	*imap_processed_mailbox;
	int	 imap_poll_seconds;
	int	 imap_max_message_mb;
};

/* Returns NULL and fills errs with one "FILE:LINE: ..." line per problem. */
struct config	*config_load(const char *path, struct buf *errs);
void		 config_free(struct config *);
void		 config_print(const struct config *, FILE *);
bool		 config_is_non_service(const struct config *, const char *);

#endif
