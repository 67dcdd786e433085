/*
 * Command results as a small tree, rendered once as JSON (--json) or as
 * text: "key: value" lines for objects, aligned tables for lists of
 * records.  Text and JSON come from the same records, as in ntpctl.
 */
#ifndef ANSVAR_OUT_H
#define ANSVAR_OUT_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct val;

struct val	*v_obj(void);
struct val	*v_arr(void);
void		 v_free(struct val *);

void		 o_str(struct val *, const char *key, const char *);	/* NULL → null */
void		 o_strf(struct val *, const char *key, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 o_int(struct val *, const char *key, int64_t);
void		 o_bool(struct val *, const char *key, bool);
struct val	*o_arr(struct val *, const char *key);
struct val	*o_obj(struct val *, const char *key);
struct val	*a_obj(struct val *);
void		 a_str(struct val *, const char *);

size_t		 v_len(const struct val *);
const char	*v_str_at(const struct val *, size_t);	/* "" if not a string */
void		 v_json(struct buf *, const struct val *);
void		 v_text(struct buf *, const struct val *);
void		 json_string(struct buf *, const char *);

#endif
