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
 * The variadic entry points are forwarded to their va_list twins; patch 0007
 * moves libcrun's one sd_journal_send() call to sd_journal_sendv(), which has
 * fixed arguments. When libsystemd cannot be loaded, every call fails with
 * -ELIBACC ("cannot access a needed shared library"), which libcrun reports
 * with the operation that needed it.
 *
 * libcrun calls these only from its single-threaded runtime process, so the
 * unsynchronised one-time resolution below needs no lock.  */

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

static void *
libsystemd_symbol (const char *name)
{
  static void *handle;

  if (handle == NULL)
    handle = dlopen ("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  return handle ? dlsym (handle, name) : NULL;
}

/* Whether libsystemd can be loaded at all: `features` reports the systemd
   cgroup managers only then.  */
int
stockade_libsystemd_available (void)
{
  return libsystemd_symbol ("sd_bus_default_system") != NULL;
}

/* Defines NAME with PARAMS, calling the real NAME with ARGS, or returning
   UNAVAILABLE when it cannot be resolved.  */
#define FORWARD(ret_type, name, params, args, unavailable)                      \
  ret_type name params                                                          \
  {                                                                             \
    static ret_type (*real) params;                                             \
    if (real == NULL)                                                           \
      real = (ret_type (*) params) libsystemd_symbol (#name);                   \
    if (real == NULL)                                                           \
      return unavailable;                                                       \
    return real args;                                                           \
  }

FORWARD (int, sd_bus_default_system, (sd_bus **ret), (ret), -ELIBACC)
FORWARD (int, sd_bus_default_user, (sd_bus **ret), (ret), -ELIBACC)
FORWARD (sd_bus *, sd_bus_unref, (sd_bus *bus), (bus), NULL)
FORWARD (int, sd_bus_call,
         (sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error, sd_bus_message **reply),
         (bus, m, usec, ret_error, reply), -ELIBACC)
FORWARD (int, sd_bus_process, (sd_bus *bus, sd_bus_message **r), (bus, r), -ELIBACC)
FORWARD (int, sd_bus_wait, (sd_bus *bus, uint64_t timeout_usec), (bus, timeout_usec), -ELIBACC)
FORWARD (int, sd_bus_match_signal_async,
         (sd_bus *bus, sd_bus_slot **ret, const char *sender, const char *path, const char *interface,
          const char *member, sd_bus_message_handler_t match_callback, sd_bus_message_handler_t add_callback,
          void *userdata),
         (bus, ret, sender, path, interface, member, match_callback, add_callback, userdata), -ELIBACC)
FORWARD (int, sd_bus_error_get_errno, (const sd_bus_error *e), (e), ELIBACC)
FORWARD (int, sd_bus_message_new_method_call,
         (sd_bus *bus, sd_bus_message **m, const char *destination, const char *path, const char *interface,
          const char *member),
         (bus, m, destination, path, interface, member), -ELIBACC)
FORWARD (sd_bus_message *, sd_bus_message_unref, (sd_bus_message *m), (m), NULL)
FORWARD (int, sd_bus_message_append_array, (sd_bus_message *m, char type, const void *ptr, size_t size),
         (m, type, ptr, size), -ELIBACC)
FORWARD (int, sd_bus_message_append_basic, (sd_bus_message *m, char type, const void *p), (m, type, p),
         -ELIBACC)
FORWARD (int, sd_bus_message_append_strv, (sd_bus_message *m, char **l), (m, l), -ELIBACC)
FORWARD (int, sd_bus_message_open_container, (sd_bus_message *m, char type, const char *contents),
         (m, type, contents), -ELIBACC)
FORWARD (int, sd_bus_message_close_container, (sd_bus_message *m), (m), -ELIBACC)
FORWARD (int, sd_bus_message_appendv, (sd_bus_message *m, const char *types, va_list ap), (m, types, ap),
         -ELIBACC)
FORWARD (int, sd_bus_message_readv, (sd_bus_message *m, const char *types, va_list ap), (m, types, ap),
         -ELIBACC)
FORWARD (int, sd_notify, (int unset_environment, const char *state), (unset_environment, state), -ELIBACC)
FORWARD (int, sd_notify_barrier, (int unset_environment, uint64_t timeout), (unset_environment, timeout),
         -ELIBACC)
/* sd-journal.h turns libcrun's sd_journal_sendv() into this call.  */
FORWARD (int, sd_journal_sendv_with_location,
         (const char *file, const char *line, const char *func, const struct iovec *iov, int n),
         (file, line, func, iov, n), -ELIBACC)

void
sd_bus_error_free (sd_bus_error *e)
{
  static void (*real) (sd_bus_error *);

  if (real == NULL)
    real = (void (*) (sd_bus_error *)) libsystemd_symbol ("sd_bus_error_free");
  /* Without libsystemd nothing can have filled the error in.  */
  if (real != NULL)
    real (e);
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
