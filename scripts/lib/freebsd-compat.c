/*
 * Linked into every FreeBSD build of stockade by scripts/lib/freebsd-cc.
 *
 * 1. The ELF ABI note (NT_FREEBSD_ABI_TAG) the kernel reads the binary's
 *    osrel from. zig's start files carry one in a COMDAT section group, and
 *    lld's --gc-sections (which rustc passes) drops grouped notes, leaving
 *    p_osrel 0: the kernel would then apply its oldest compatibility
 *    behaviours. This note is not in a group, so it is always kept.
 *
 * 2. For the FreeBSD 13 ABI only: __libc_start1. zig's start file (crt1)
 *    is FreeBSD 14's, which hands control to libc's __libc_start1 (libc
 *    FBSD_1.7 in 14.0). 13.x libc has no such function; there crt1 did the
 *    same few steps itself. For a dynamically linked program those are:
 *    publish environ and __progname, register rtld's cleanup with atexit,
 *    and exit with main's status (rtld has already run the init arrays).
 */

#include <stddef.h>
#include <stdlib.h>

#ifndef STOCKADE_FREEBSD_OSREL
#error "STOCKADE_FREEBSD_OSREL must be defined (e.g. 1400000)"
#endif

struct freebsd_abi_note {
	unsigned int namesz;
	unsigned int descsz;
	unsigned int type; /* NT_FREEBSD_ABI_TAG */
	char name[8];
	unsigned int osrel;
};

__attribute__((section(".note.tag"), aligned(4), used))
static const struct freebsd_abi_note stockade_abi_tag = {
	8, 4, 1, "FreeBSD", STOCKADE_FREEBSD_OSREL
};

#ifdef STOCKADE_FREEBSD13_START
extern char **environ;
extern const char *__progname;

int __libc_start1(int argc, char *argv[], char *env[], void (*cleanup)(void),
    int (*mainfn)(int, char *[], char *[]));

int
__libc_start1(int argc, char *argv[], char *env[], void (*cleanup)(void),
    int (*mainfn)(int, char *[], char *[]))
{
	const char *p;

	if (environ == NULL)
		environ = env;
	if (argc > 0 && argv[0] != NULL) {
		__progname = argv[0];
		for (p = argv[0]; *p != '\0'; p++)
			if (*p == '/')
				__progname = p + 1;
	}
	if (cleanup != NULL)
		atexit(cleanup);
	exit(mainfn(argc, argv, env));
}
#endif
