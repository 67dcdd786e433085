/*
 * Groups and members as the commands and the scheduler see them: lookups
 * by reference and by MEMBER (#3, 3 or an e-mail address).
 */
#ifndef ANSVAR_GROUP_H
#define ANSVAR_GROUP_H

#include <stdint.h>
#include <sqlite3.h>

#include "config.h"

struct agroup {
	int64_t	id;
	char	ref[40];
	char	state[8];	/* draft, active, closed */
	char	born[11];
	int64_t	created_at;
};

struct member {
	int64_t	id;
	int	num;
	char	*name;
	char	*role;
	char	*service;
	char	*email;
	char	*lang;
	char	*token;
	char	*login;
	int	guest;
	int	coordinator;
};

int	group_find(sqlite3 *, const char *ref, struct agroup *);
int	group_by_id(sqlite3 *, int64_t id, struct agroup *);
int	member_load(sqlite3 *, int64_t member_id, struct member *);
void	member_clear(struct member *);
/* The member id for MEMBER, or -1. */
int64_t	member_find(sqlite3 *, int64_t group_id, const char *spec);
int64_t	group_coordinator(sqlite3 *, int64_t group_id);	/* 0: none */
int	group_fixed_count(sqlite3 *, int64_t group_id);
int	group_service_count(sqlite3 *, const struct config *, int64_t group_id);

#endif

struct ansvar;
/* An item waiting for the group's next agenda (G8 membership review, …). */
void	pending_item(struct ansvar *, const struct agroup *, const char *item,
	    const char *source);
/* G9: closing cancels what the group had scheduled beyond its mail. */
void	group_closed_hook(struct ansvar *, const struct agroup *);
