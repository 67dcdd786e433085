/*
 * Mail in (M6, R2-R4): each received mail, from IMAP or `reply import`,
 * is parsed with GMime, its calendar part with libical, and classified:
 * an iTIP REPLY is recorded, an answer to a mail ansvar sent is forwarded
 * to the coordinator (or taken as minutes, or as a correction), and
 * anything else is left alone and counted.  One transaction per mail.
 */
#ifndef ANSVAR_INBOX_H
#define ANSVAR_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "ansvard.h"

/* Handle every stored mail not handled yet; returns how many. */
int	inbox_run(struct ansvar *);
/* Store one mail from `reply import` and handle it at once; returns its
 * id.  by_user is who imported it. */
int64_t	inbox_import(struct ansvar *, const void *, size_t,
	    const char *by_user);

#endif
