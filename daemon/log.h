/*
 * Logging: one line per event, to stderr in the foreground (-d) and to
 * syslog otherwise (journald picks syslog up).  Never log a client's name.
 */
#ifndef ANSVAR_LOG_H
#define ANSVAR_LOG_H

#include <stdarg.h>

void	log_init(int foreground, int verbose);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
