/*
 * Mail texts: one template file per kind of mail and language, under
 * templates/LANG/KIND.txt, loaded and checked at start and on SIGHUP.
 */
#ifndef ANSVAR_MAILTEXT_H
#define ANSVAR_MAILTEXT_H

#include "template.h"
#include "util.h"

struct mailtext;

struct mailtext	*mailtext_load(const char *dir, struct buf *err);
void		 mailtext_free(struct mailtext *);
/* Renders subject (one header line) and body; -1 with *err on failure. */
int		 mailtext_render(const struct mailtext *, const char *kind,
		    const char *lang, const struct tvars *, char **subject,
		    char **body, char **err);

#endif
