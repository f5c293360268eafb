/* libsystemd, resolved at first use instead of at load time.
 *
 * libcrun needs libsystemd only for the systemd cgroup manager (sd-bus), the
 * notify socket and journald output. Linked normally, the dynamic loader maps
 * libsystemd and its five dependencies (gcrypt, gpg-error, lzma, zstd, lz4)
 * into every stockade process, twice per command because of libcrun's
 * start-up re-exec: about 0.9 ms per exec on a small VM, whether or not the
 * command ever talks to systemd. These definitions satisfy libcrun's
 * references and dlopen() libsystemd.so.0 the first time one is called.
 *
 * The variadic sd_bus_message_append/read are forwarded to their va_list
 * twins; patch 0007 moves libcrun's sd_journal_send() call, which has no
 * such twin, to sd_journal_sendv(). When libsystemd cannot be loaded, the
 * calls that return a status fail with -ELIBACC ("cannot access a needed
 * shared library"), which libcrun reports with the operation that needed it;
 * the unref and free calls have nothing to release and do nothing.
 *
 * The library is opened only from the root the process started in
 * (csrc/lazy_lib.c); stockade makes every sd_* call from the runtime
 * process on the host side and never installs libcrun's journald output.  */

#include "lazy_lib.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

static struct stockade_lazy_lib libsystemd = { "libsystemd.so.0", NULL };
#define STOCKADE_LAZY_LIBRARY libsystemd

/* Every forwarded function that returns a value, as
   X (return type, name, parameters, arguments, result when unavailable).
   sd-journal.h turns libcrun's sd_journal_sendv() into the last one.  */
#define LIBSYSTEMD_FUNCTIONS(X)                                                                       \
  X (int, sd_bus_default_system, (sd_bus **ret), (ret), -ELIBACC)                                     \
  X (int, sd_bus_default_user, (sd_bus **ret), (ret), -ELIBACC)                                       \
  X (sd_bus *, sd_bus_unref, (sd_bus *bus), (bus), NULL)                                              \
  X (int, sd_bus_call,                                                                                \
     (sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply), \
     (bus, m, usec, ret_error, reply), -ELIBACC)                                                      \
  X (int, sd_bus_process, (sd_bus *bus, sd_bus_message **r), (bus, r), -ELIBACC)                      \
  X (int, sd_bus_wait, (sd_bus *bus, uint64_t timeout_usec), (bus, timeout_usec), -ELIBACC)           \
  X (int, sd_bus_match_signal_async,                                                                  \
     (sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,    \
      const char *member, sd_bus_message_handler_t match_callback,                                    \
      sd_bus_message_handler_t add_callback, void *userdata),                                         \
     (bus, ret, sender, path, interface, member, match_callback, add_callback, userdata), -ELIBACC)   \
  X (int, sd_bus_error_get_errno, (const sd_bus_error *e), (e), ELIBACC)                              \
  X (int, sd_bus_message_new_method_call,                                                             \
     (sd_bus *bus, sd_bus_message **m, const char *destination, const char *path,                     \
      const char *interface, const char *member),                                                     \
     (bus, m, destination, path, interface, member), -ELIBACC)                                        \
  X (sd_bus_message *, sd_bus_message_unref, (sd_bus_message *m), (m), NULL)                          \
  X (int, sd_bus_message_append_array, (sd_bus_message *m, char type, const void *ptr, size_t size),  \
     (m, type, ptr, size), -ELIBACC)                                                                  \
  X (int, sd_bus_message_append_basic, (sd_bus_message *m, char type, const void *p), (m, type, p),   \
     -ELIBACC)                                                                                        \
  X (int, sd_bus_message_append_strv, (sd_bus_message *m, char **l), (m, l), -ELIBACC)                \
  X (int, sd_bus_message_open_container, (sd_bus_message *m, char type, const char *contents),        \
     (m, type, contents), -ELIBACC)                                                                   \
  X (int, sd_bus_message_close_container, (sd_bus_message *m), (m), -ELIBACC)                         \
  X (int, sd_bus_message_appendv, (sd_bus_message *m, const char *types, va_list ap),                 \
     (m, types, ap), -ELIBACC)                                                                        \
  X (int, sd_bus_message_readv, (sd_bus_message *m, const char *types, va_list ap), (m, types, ap),   \
     -ELIBACC)                                                                                        \
  X (int, sd_notify, (int unset_environment, const char *state), (unset_environment, state),          \
     -ELIBACC)                                                                                        \
  X (int, sd_notify_barrier, (int unset_environment, uint64_t timeout),                               \
     (unset_environment, timeout), -ELIBACC)                                                          \
  X (int, sd_journal_sendv_with_location,                                                             \
     (const char *file, const char *line, const char *func, const struct iovec *iov, int n),          \
     (file, line, func, iov, n), -ELIBACC)

LIBSYSTEMD_FUNCTIONS (STOCKADE_LAZY_FORWARD)

void
sd_bus_error_free (sd_bus_error *e)
{
  static void *cache;
  void (*real) (sd_bus_error *)
      = (void (*) (sd_bus_error *)) stockade_lazy_resolve (&libsystemd, &cache, "sd_bus_error_free");

  /* Without libsystemd nothing can have filled the error in.  */
  if (real != NULL)
    real (e);
}

/* `features` reports the systemd cgroup managers only when every forwarded
   function resolves (an older libsystemd lacks some).  */
static const char *const forwarded[]
    = { LIBSYSTEMD_FUNCTIONS (STOCKADE_LAZY_NAME_OF) "sd_bus_error_free" };

int
stockade_libsystemd_available (void)
{
  return stockade_lazy_has_all (&libsystemd, forwarded, sizeof (forwarded) / sizeof (forwarded[0]));
}

int
sd_bus_message_append (sd_bus_message *m, const char *types, ...)
{
  va_list ap;
  int ret;

  va_start (ap, types);
  ret = sd_bus_message_appendv (m, types, ap);
  va_end (ap);
  return ret;
}

int
sd_bus_message_read (sd_bus_message *m, const char *types, ...)
{
  va_list ap;
  int ret;

  va_start (ap, types);
  ret = sd_bus_message_readv (m, types, ap);
  va_end (ap);
  return ret;
}
