// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/mm/zsmalloc/free_mode input handling: every malformed write is
 * refused with EINVAL and leaves the mode as it was; every compiled-in mode
 * name is accepted with or without a trailing newline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zsd.h"

#define FREE_MODE "/sys/kernel/mm/zsmalloc/free_mode"

static const char *const all_modes[] = { "sync", "llist", "pcpu", "hbuf", "hbuf-cb" };

struct bad { const char *what; const char *buf; size_t len; };

/* The bracketed current mode, or "" when unreadable. */
static void current_mode(char *out, size_t len)
{
	char buf[256], *l, *r;

	out[0] = '\0';
	if (zsd_read_file(FREE_MODE, buf, sizeof(buf)) < 0)
		return;
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r && (size_t)(r - l) < len) {
		memcpy(out, l + 1, r - l - 1);
		out[r - l - 1] = '\0';
	}
}

/* One write() of exactly len bytes; returns 0 or -errno. */
static int raw_write(const char *buf, size_t len)
{
	int fd = open(FREE_MODE, O_WRONLY), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int compiled_in(const char *listing, const char *mode)
{
	char tok[64];
	const char *p = listing;
	int n;

	while (sscanf(p, " %63s%n", tok, &n) == 1) {
		char *t = tok;

		if (*t == '[')
			t++;
		t[strcspn(t, "]")] = '\0';
		if (!strcmp(t, mode))
			return 1;
		p += n;
	}
	return 0;
}

int main(void)
{
	static char overlong[5000];
	char listing[256], before[64], after[64], nl[80];
	const char *absent = NULL;
	size_t i;
	int err;

	if (zsd_read_file(FREE_MODE, listing, sizeof(listing)) < 0)
		zsd_die("cannot read %s: %s", FREE_MODE, strerror(errno));
	listing[strcspn(listing, "\n")] = '\0';
	zsd_ok(strchr(listing, '[') && strchr(listing, ']'),
	       "free_mode lists the modes with the current one bracketed: '%s'", listing);
	for (i = 0; i < sizeof(all_modes) / sizeof(all_modes[0]); i++)
		if (!compiled_in(listing, all_modes[i]))
			absent = all_modes[i];
	memset(overlong, 'a', sizeof(overlong));
	memcpy(overlong, "sync", 4);

	struct bad bad[] = {
		{ "just a newline", "\n", 1 },
		{ "spaces only", "   ", 3 },
		{ "unknown name", "nosuchmode", 10 },
		{ "prefix of a name", "syn", 3 },
		{ "name with a suffix", "llistx", 6 },
		{ "upper case", "SYNC", 4 },
		{ "leading space", " sync", 5 },
		{ "trailing tab", "sync\t", 5 },
		{ "two newlines", "sync\n\n", 6 },
		{ "two names", "sync llist", 10 },
		{ "bracketed name", "[sync]", 6 },
		{ "embedded NUL after a name", "sync\0pcpu", 9 },
		{ "binary bytes", "\xff\xfe\x01\x80", 4 },
		{ "overlong (5000 bytes)", overlong, sizeof(overlong) },
	};
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		current_mode(before, sizeof(before));
		err = raw_write(bad[i].buf, bad[i].len);
		current_mode(after, sizeof(after));
		zsd_ok(err == -EINVAL && !strcmp(before, after) && before[0],
		       "refused %s: %s, mode %s -> %s", bad[i].what,
		       err ? strerror(-err) : "accepted", before, after);
	}
	if (absent) {
		current_mode(before, sizeof(before));
		err = raw_write(absent, strlen(absent));
		current_mode(after, sizeof(after));
		zsd_ok(err == -EINVAL && !strcmp(before, after),
		       "refused compiled-out mode %s: %s", absent,
		       err ? strerror(-err) : "accepted");
	} else {
		printf("ok - refused compiled-out mode # SKIP every mode is compiled in\n");
	}
	for (i = 0; i < sizeof(all_modes) / sizeof(all_modes[0]); i++) {
		if (!compiled_in(listing, all_modes[i]))
			continue;
		snprintf(nl, sizeof(nl), "%s\n", all_modes[i]);
		err = raw_write(nl, strlen(nl));
		current_mode(after, sizeof(after));
		zsd_ok(!err && !strcmp(after, all_modes[i]), "accepted '%s\\n': now %s",
		       all_modes[i], after);
		err = raw_write(all_modes[i], strlen(all_modes[i]));
		current_mode(after, sizeof(after));
		zsd_ok(!err && !strcmp(after, all_modes[i]), "accepted '%s': now %s",
		       all_modes[i], after);
	}
	return zsd_tap_done() ? 1 : 0;
}
