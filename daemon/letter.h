/*
 * Printable letters for members who get their papers by post (SPEC M5):
 * an A4 PDF, made in memory, with the address where a window envelope
 * shows it.
 */
#ifndef ANSVAR_LETTER_H
#define ANSVAR_LETTER_H

#include <stddef.h>

struct letter {
	const char	*sender;	/* the service: name, one or more lines */
	const char	*recipient;	/* name */
	const char	*address;	/* postal address, lines separated by '\n' */
	const char	*date;		/* e.g. "Oslo, 2027-03-01" or just a date */
	const char	*title;		/* e.g. "Innkalling til møte i ansvarsgruppe BUF-2027-014" */
	const char	*body;		/* UTF-8 text, paragraphs separated by blank lines; may be long */
};

/*
 * A4 PDF in memory; returns 0 and a malloc'd buffer, or -1 with err set.
 * sender, recipient and address are required; date, title and body may
 * be NULL or empty.  All text must be valid UTF-8.  err may be NULL.
 */
int	letter_pdf(const struct letter *, char **pdf, size_t *len, char *err,
	    size_t errlen);

#endif
