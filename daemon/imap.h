/*
 * A small IMAP client on libcurl for reading replies: one session (one
 * connection, one login, the mailbox SELECTed once), UID-based, and it
 * never deletes or expunges anything.  The traps are in LIBRARIES.md §2.
 */
#ifndef ANSVAR_IMAP_H
#define ANSVAR_IMAP_H

#include <stddef.h>
#include <stdint.h>

struct imap_conf {
	const char *url;		/* imaps://host[:port] (or imap://) */
	const char *tls;		/* "required"; "off" on loopback only */
	const char *user;
	const char *password;		/* already read by the caller */
	const char *ca_file;		/* "" = the system store */
	const char *mailbox;		/* e.g. INBOX (UTF-8) */
	const char *processed_mailbox;	/* "" = none */
	int	    timeout;		/* seconds */
};

/* At most this many UIDs per imap_search_after(): the lowest ones. */
#define IMAP_MAX_UIDS	5000

struct imap;

/* Connects, logs in and SELECTs the mailbox.  NULL on failure, with a
 * reason in err (cannot connect, TLS/certificate, login denied, no such
 * mailbox, or a bad setting). */
struct imap *imap_open(const struct imap_conf *, char *err, size_t errlen);
void	 imap_close(struct imap *);

int	 imap_uidvalidity(struct imap *, uint32_t *uidvalidity, char *err,
	    size_t errlen);
/* The UIDs greater than after_uid, ascending, in *uids (malloc'd; NULL when
 * there are none).  Returns how many, or -1.  When there are more than
 * IMAP_MAX_UIDS, the lowest IMAP_MAX_UIDS come back: poll again. */
int	 imap_search_after(struct imap *, uint32_t after_uid, uint32_t **uids,
	    char *err, size_t errlen);
/* The message's exact bytes in *msg (malloc'd, NUL added after *len bytes).
 * Fails (rc 78 from curl, "UIDVALIDITY has changed") unless the mailbox
 * still has uidvalidity.  A message over max_bytes is not fetched: -1 with
 * *too_big = 1.  Fetching sets \Seen (curl has no BODY.PEEK URL); *was_seen
 * (may be NULL) says whether it was set before. */
int	 imap_fetch(struct imap *, uint32_t uidvalidity, uint32_t uid,
	    size_t max_bytes, char **msg, size_t *len, int *too_big,
	    int *was_seen, char *err, size_t errlen);
/* UID STORE uid +FLAGS.SILENT (flag): \Seen, \Answered, \Flagged, \Draft
 * or a keyword; \Deleted is refused. */
int	 imap_flag(struct imap *, uint32_t uid, const char *flag, char *err,
	    size_t errlen);
/* UID STORE uid -FLAGS.SILENT (flag): e.g. to put \Seen back as it was. */
int	 imap_unflag(struct imap *, uint32_t uid, const char *flag, char *err,
	    size_t errlen);
/* UID COPY uid to mailbox, CREATEd (and subscribed) on first use. */
int	 imap_copy(struct imap *, uint32_t uid, const char *mailbox, char *err,
	    size_t errlen);

#endif
