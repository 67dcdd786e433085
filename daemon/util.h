/*
 * Small helpers every module uses: a growable byte buffer, allocation that
 * never returns NULL, and validators for the values users type.
 */
#ifndef ANSVAR_UTIL_H
#define ANSVAR_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char	*data;		/* always NUL-terminated when len > 0 */
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
void	 buf_add(struct buf *, const void *, size_t);
void	 buf_puts(struct buf *, const char *);
void	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_vprintf(struct buf *, const char *, va_list);
char	*buf_steal(struct buf *);	/* malloc'd string; buf is reset */
const char *buf_str(struct buf *);	/* "" when empty */

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

bool	 email_valid(const char *);
bool	 ref_valid(const char *);		/* [A-Za-z0-9-]{1,32} */
bool	 utf8_valid(const char *, size_t);
/* One code point: the bytes it takes (1-4), or -1 if not valid UTF-8. */
int	 utf8_decode(const char *, size_t, uint32_t *);
bool	 has_ctl(const char *);			/* any C0 control or DEL */
bool	 parse_int(const char *, long min, long max, long *);
size_t	 utf8_width(const char *);		/* code points, for columns */
void	 random_hex(char *, size_t nbytes);	/* 2*nbytes+1 chars */

/* A password_file's first line (malloc'd); the file is refused unless its
 * mode is 0600 or 0640 (T3).  -1 with err. */
int	 password_read(const char *path, char **pw, char *err, size_t errlen);

#endif
