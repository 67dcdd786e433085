# ansvar — build, run and test.
#
#   make            build daemon/ansvard and cli/ansvarctl
#   make run        install what is missing, build, run ansvard on ./run/
#   make check      install what is missing, build with ASan+UBSan, run every test
#   make install    PREFIX=/usr/local DESTDIR=
#   make deps       install missing Debian packages (apt-get), silent when all are there

PREFIX	?= /usr/local
SBINDIR	?= $(PREFIX)/sbin
BINDIR	?= $(PREFIX)/bin
DATADIR	?= $(PREFIX)/share/ansvar
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= /lib/systemd/system

PKGS	 = inih sqlite3 gmime-3.0 libsystemd libesmtp-1.0 openssl libical \
	   cairo-pdf pangocairo libcurl
CC	?= cc
CFLAGS	?= -O2 -g
WFLAGS	 = -pthread -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	   -Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined

DEFS	 = -DANSVAR_DATADIR='"$(DATADIR)"' -DANSVAR_SYSCONFDIR='"$(SYSCONFDIR)"'

DAEMON_SRC = $(sort $(wildcard daemon/*.c))
DAEMON_LIB = $(filter-out daemon/main.c,$(DAEMON_SRC))
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))

# Debian packages: to build, to run, and to test.
BUILD_DEBS = gcc make pkg-config libc6-dev libinih-dev libsqlite3-dev \
	     libgmime-3.0-dev libsystemd-dev libesmtp-dev libssl-dev libical-dev libcurl4-openssl-dev \
	     libcairo2-dev libpango1.0-dev fonts-dejavu-core tzdata
CHECK_DEBS = $(BUILD_DEBS) check python3 python3-aiosmtpd python3-holidays openssl \
	     python3-icalendar poppler-utils dovecot-imapd dovecot-lmtpd \
	     sqlite3 util-linux procps

all: daemon/ansvard cli/ansvarctl

# --- the release build, in place -----------------------------------------

BUILD	 = build/release
CHECKB	 = build/check

$(BUILD)/%.o: %.c daemon/*.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(WFLAGS) $(DEFS) $$(pkg-config --cflags $(PKGS)) -Idaemon -c $< -o $@

daemon/ansvard: $(DAEMON_SRC:%.c=$(BUILD)/%.o)
	$(CC) $(CFLAGS) -pthread -o $@ $^ $$(pkg-config --libs $(PKGS)) $(LDFLAGS)

cli/ansvarctl: $(BUILD)/cli/ansvarctl.o
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS)

# --- the sanitizer build, for the tests -----------------------------------

$(CHECKB)/%.o: %.c daemon/*.h tests/unit/*.h
	@mkdir -p $(dir $@)
	@echo "  CC      $< (sanitizers)"
	@$(CC) $(SANFLAGS) $(WFLAGS) $(DEFS) $$(pkg-config --cflags $(PKGS) check) -Idaemon -c $< -o $@

$(CHECKB)/ansvard: $(DAEMON_SRC:%.c=$(CHECKB)/%.o)
	$(CC) $(SANFLAGS) -pthread -o $@ $^ $$(pkg-config --libs $(PKGS))

$(CHECKB)/ansvarctl: $(CHECKB)/cli/ansvarctl.o
	$(CC) $(SANFLAGS) -o $@ $^

$(CHECKB)/unit/%: $(CHECKB)/tests/unit/%.o $(DAEMON_LIB:%.c=$(CHECKB)/%.o)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -pthread -o $@ $^ $$(pkg-config --libs $(PKGS) check)

UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(CHECKB)/unit/%)

check-build: $(CHECKB)/ansvard $(CHECKB)/ansvarctl $(UNIT_BIN)

# --- the two commands -----------------------------------------------------

run: deps all
	@mkdir -p run
	@sed -e 's|^state_dir *=.*|state_dir = $(CURDIR)/run|' \
	     -e 's|^socket *=.*|socket = $(CURDIR)/run/ansvar.sock|' \
	     -e "s|^socket_group *=.*|socket_group = $$(id -gn)|" \
	     -e 's|^templates *=.*|templates = $(CURDIR)/templates|' \
	     -e 's|^;* *templates *=.*|templates = $(CURDIR)/templates|' \
	     ansvar.ini > run/ansvar.ini
	@echo "ansvard: state in run/, mail in run/maildir/new/, socket run/ansvar.sock"
	@echo "in another terminal: cli/ansvarctl -s run/ansvar.sock status"
	daemon/ansvard -d -f run/ansvar.ini

check: deps
	@[ -d tests/node_modules/ical.js ] || (cd tests && npm ci --silent \
	    --no-audit --no-fund >/dev/null) || exit 1
	@$(MAKE) --no-print-directory check-build
	@ANSVARD=$(CHECKB)/ansvard ANSVARCTL=$(CHECKB)/ansvarctl \
	 UNIT_DIR=$(CHECKB)/unit tests/run

deps:
	@need=""; debs="$(if $(filter check,$(MAKECMDGOALS)),$(CHECK_DEBS),$(BUILD_DEBS))"; \
	for p in $$debs; do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		    grep -q 'install ok installed' || need="$$need $$p"; \
	done; \
	# node and npm (for ical.js in the tests) may come from elsewhere \
	if [ -n "$(filter check,$(MAKECMDGOALS))" ] && \
	    ! { command -v node && command -v npm; } >/dev/null 2>&1; then \
		need="$$need nodejs npm"; \
	fi; \
	if [ -n "$$need" ]; then \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		echo "make deps: installing$$need"; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
		    --no-install-recommends $$need >/dev/null || exit 1; \
	fi

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates/nb \
	    $(DESTDIR)$(DATADIR)/templates/en $(DESTDIR)$(SYSCONFDIR)/ansvar \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR)
	install -m 755 daemon/ansvard $(DESTDIR)$(SBINDIR)/ansvard
	install -m 755 cli/ansvarctl $(DESTDIR)$(BINDIR)/ansvarctl
	install -m 644 templates/nb/* $(DESTDIR)$(DATADIR)/templates/nb/
	install -m 644 templates/en/* $(DESTDIR)$(DATADIR)/templates/en/
	[ -e $(DESTDIR)$(SYSCONFDIR)/ansvar/ansvar.ini ] || \
	    install -m 640 ansvar.ini $(DESTDIR)$(SYSCONFDIR)/ansvar/ansvar.ini
	install -m 644 daemon/ansvard.8 cli/ansvarctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 daemon/ansvar.ini.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 systemd/ansvard.service systemd/ansvard@.service $(DESTDIR)$(UNITDIR)/
	install -d $(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/usr/lib/tmpfiles.d
	install -m 644 systemd/ansvar.sysusers $(DESTDIR)/usr/lib/sysusers.d/ansvar.conf
	install -m 644 systemd/ansvar.tmpfiles $(DESTDIR)/usr/lib/tmpfiles.d/ansvar.conf

clean:
	rm -rf build daemon/ansvard cli/ansvarctl

.PHONY: all run check check-build deps install clean
.SECONDARY:
