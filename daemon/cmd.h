/*
 * Commands: one table of entries (name, usage, options, exec), as tmux's
 * cmd_table.  Parsing, validation and output for every ansvarctl command
 * happen here in the daemon, once.
 */
#ifndef ANSVAR_CMD_H
#define ANSVAR_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ansvard.h"
#include "out.h"
#include "util.h"

struct request {
	uid_t		 uid;
	gid_t		 gid;
	pid_t		 pid;
	int		 ngroups;	/* SO_PEERGROUPS */
	const gid_t	*groups;
	bool		 json;
	int		 argc;
	char		**argv;
	bool		 has_file;
	const char	*file;
	size_t		 file_len;
};

#define CMD_MAX_OPTS	32

struct args {
	int		 npos;
	char		*pos[16];
	int		 nopt;
	const char	*optname[CMD_MAX_OPTS];
	char		*optval[CMD_MAX_OPTS];	/* NULL for a flag */
};

struct cmd_ctx {
	struct ansvar		*av;
	const struct request	*req;
	const struct cmd_entry	*entry;
	char			*user;		/* from the peer uid */
	bool			 admin;
	struct val		*result;	/* printed as text or JSON */
	struct buf		 out;		/* extra text for stdout */
	struct buf		 err;		/* refusals and warnings */
	/* for the audit row */
	char			*denied;	/* access refused: why */
	char			*denied_ref;
	char			*audit_ref;
	struct buf		 audit;
};

/* Command flags. */
#define CMD_WRITE	0x1	/* changes the store: transaction + audit */
#define CMD_ADMIN	0x2	/* root or admin_group only */
#define CMD_READER	0x4	/* a write that any member of the group may do */

struct cmd_entry {
	const char	*name;		/* "group create" */
	const char	*usage;		/* what follows the name */
	const char	*opts;		/* "client=,born=,guest,guest=*" */
	int		 minpos, maxpos;
	int		 flags;
	int		(*exec)(struct cmd_ctx *, struct args *);
};

extern const struct cmd_entry cmd_group_entries[];
extern const struct cmd_entry cmd_member_entries[];
extern const struct cmd_entry cmd_ops_entries[];
extern const struct cmd_entry cmd_meeting_entries[];
extern const struct cmd_entry cmd_followup_entries[];
extern const struct cmd_entry cmd_mail_entries[];

void	 cmd_execute(struct ansvar *, const struct request *, struct buf *reply);
void	 reply_frame(struct buf *, uint32_t type, const void *, size_t);

/* For exec functions. */
const char	*arg_opt(const struct args *, const char *name);
bool		 arg_flag(const struct args *, const char *name);
int		 refuse(struct cmd_ctx *, int status, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 warn_user(struct cmd_ctx *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 audit_note(struct cmd_ctx *, const char *ref, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
void		 say(struct cmd_ctx *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

#endif

/* Validators: 0 when fine, else the refusal (EX_DATAERR) already said. */
int	check_text(struct cmd_ctx *, const char *what, const char *);
int	check_email(struct cmd_ctx *, const char *what, const char *);
int	check_choice(struct cmd_ctx *, const char *what, const char *,
	    const char *choices);
int	check_date(struct cmd_ctx *, const char *what, const char *, int *day);
/* Finds REF and checks the caller may read it (or change it, for a
 * CMD_WRITE command); else refuses: 65 bad/unknown, 77 not allowed. */
struct agroup;
int	find_group(struct cmd_ctx *, const char *ref, struct agroup *);
int	group_access(struct cmd_ctx *, const struct agroup *, bool write);
/* A time column of a row as local "YYYY-MM-DD HH:MM", or null. */
void	fmt_time(struct val *, const char *key, sqlite3_stmt *, int col);
struct meeting;
/* REF/N: the group (with access checked) and its meeting N. */
int	find_meeting(struct cmd_ctx *, const char *spec, struct agroup *,
	    struct meeting *);
/* Refuse with 77 and have the refusal audited. */
int	deny(struct cmd_ctx *, const char *ref, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

struct newmember {
	const char	*name, *role, *service, *email, *phone, *channel;
	const char	*address, *lang, *login;
	bool		 guest, coordinator;
};
/* Validates and inserts; returns 0 and the new member's id, or a refusal. */
int	member_insert(struct cmd_ctx *, const struct agroup *,
	    const struct newmember *, int64_t *id);
void	member_row(struct val *, sqlite3_stmt *);	/* for lists */
void	group_flags(struct cmd_ctx *, const struct agroup *, struct val *);
#define MEMBER_COLUMNS "num, name, role, service, email, phone, channel, " \
	"guest, coordinator, login"
