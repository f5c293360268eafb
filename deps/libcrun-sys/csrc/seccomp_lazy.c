/* libseccomp, resolved at first use instead of at load time.
 *
 * libcrun calls libseccomp only to compile a container's seccomp profile
 * (create and run, in the runtime process on the host side, before the
 * container's process is let go) and to report its version. Linked
 * normally, the dynamic loader maps and relocates libseccomp in every
 * stockade process (twice for create, run and exec because of the start-up
 * re-exec), whether or not the command compiles a filter: `state`, `kill`,
 * `delete`, `list` and `ps` never do, and `exec` loads the filter compiled
 * at create time. These definitions satisfy libcrun's references and
 * dlopen() libseccomp.so.2 the first time one is called (csrc/lazy_lib.c:
 * only from the root the process started in).
 *
 * When libseccomp cannot be loaded, seccomp_init() fails, so a profile is
 * never compiled partially (libcrun stops with "error seccomp_init"); the
 * other calls fail the way libseccomp reports errors; seccomp_version()
 * answers 0.0.0, and `features` reports seccomp only when
 * stockade_libseccomp_available() says the library loads.  */

#include "lazy_lib.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <seccomp.h>

static struct stockade_lazy_lib libseccomp = { "libseccomp.so.2", NULL };
#define STOCKADE_LAZY_LIBRARY libseccomp

/* Every forwarded function, as
   X (return type, name, parameters, arguments, result when unavailable).  */
#define LIBSECCOMP_FUNCTIONS(X)                                                                       \
  X (scmp_filter_ctx, seccomp_init, (uint32_t def_action), (def_action), NULL)                        \
  X (uint32_t, seccomp_arch_resolve_name, (const char *arch_name), (arch_name), 0)                    \
  X (int, seccomp_arch_add, (scmp_filter_ctx ctx, uint32_t arch_token), (ctx, arch_token), -ELIBACC)  \
  X (int, seccomp_syscall_resolve_name, (const char *name), (name), __NR_SCMP_ERROR)                  \
  X (int, seccomp_rule_add_array,                                                                     \
     (scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,                        \
      const struct scmp_arg_cmp *arg_array),                                                          \
     (ctx, action, syscall, arg_cnt, arg_array), -ELIBACC)                                            \
  X (int, seccomp_export_bpf, (const scmp_filter_ctx ctx, int fd), (ctx, fd), -ELIBACC)

LIBSECCOMP_FUNCTIONS (STOCKADE_LAZY_FORWARD)

void
seccomp_release (scmp_filter_ctx ctx)
{
  static void *cache;
  void (*real) (scmp_filter_ctx)
      = (void (*) (scmp_filter_ctx)) stockade_lazy_resolve (&libseccomp, &cache, "seccomp_release");

  /* Without libseccomp no context was ever created.  */
  if (real != NULL)
    real (ctx);
}

const struct scmp_version *
seccomp_version (void)
{
  static void *cache;
  static const struct scmp_version none = { 0, 0, 0 };
  const struct scmp_version *(*real) (void)
      = (const struct scmp_version * (*) (void)) stockade_lazy_resolve (&libseccomp, &cache,
                                                                        "seccomp_version");

  return real ? real () : &none;
}

/* The variadic form, as libseccomp defines it: at most six comparisons,
   each passed by value, forwarded to the array form.  */
int
seccomp_rule_add (scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt, ...)
{
  struct scmp_arg_cmp args[6];
  unsigned int i;
  va_list ap;

  if (arg_cnt > sizeof (args) / sizeof (args[0]))
    return -EINVAL;
  va_start (ap, arg_cnt);
  for (i = 0; i < arg_cnt; i++)
    args[i] = va_arg (ap, struct scmp_arg_cmp);
  va_end (ap);
  return seccomp_rule_add_array (ctx, action, syscall, arg_cnt, args);
}

static const char *const forwarded[]
    = { LIBSECCOMP_FUNCTIONS (STOCKADE_LAZY_NAME_OF) "seccomp_release", "seccomp_version" };

int
stockade_libseccomp_available (void)
{
  return stockade_lazy_has_all (&libseccomp, forwarded, sizeof (forwarded) / sizeof (forwarded[0]));
}
