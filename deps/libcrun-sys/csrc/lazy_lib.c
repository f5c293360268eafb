/* Opening a shared library the first time one of its functions is called
   (csrc/systemd_lazy.c, csrc/seccomp_lazy.c), instead of having the dynamic
   loader map and relocate it in every stockade process.

   A library is opened only from the root the process started in: a call
   made after the process has moved into a container's root must not load
   a library the container provides. stockade makes every such call from the
   runtime process on the host side.

   Opening is idempotent (dlopen is reference-counted and dlsym returns the
   same address), so racing first calls are harmless; the atomics only keep
   the stores well-defined when `features` runs inside a threaded test.  */

#include "lazy_lib.h"

#include <dlfcn.h>
#include <sys/stat.h>

static dev_t start_root_dev;
static ino_t start_root_ino;
static int start_root_known;

__attribute__ ((constructor)) static void
remember_start_root (void)
{
  struct stat st;

  if (stat ("/", &st) == 0)
    {
      start_root_dev = st.st_dev;
      start_root_ino = st.st_ino;
      start_root_known = 1;
    }
}

static int
still_in_start_root (void)
{
  struct stat st;

  return start_root_known && stat ("/", &st) == 0 && st.st_dev == start_root_dev
         && st.st_ino == start_root_ino;
}

void *
stockade_lazy_symbol (struct stockade_lazy_lib *lib, const char *name)
{
  void *h = __atomic_load_n (&lib->handle, __ATOMIC_ACQUIRE);

  if (h == NULL)
    {
      if (! still_in_start_root ())
        return NULL;
      h = dlopen (lib->soname, RTLD_NOW | RTLD_LOCAL);
      if (h == NULL)
        return NULL;
      __atomic_store_n (&lib->handle, h, __ATOMIC_RELEASE);
    }
  return dlsym (h, name);
}

void *
stockade_lazy_resolve (struct stockade_lazy_lib *lib, void **cache, const char *name)
{
  void *f = __atomic_load_n (cache, __ATOMIC_ACQUIRE);

  if (f == NULL)
    {
      f = stockade_lazy_symbol (lib, name);
      if (f != NULL)
        __atomic_store_n (cache, f, __ATOMIC_RELEASE);
    }
  return f;
}

int
stockade_lazy_has_all (struct stockade_lazy_lib *lib, const char *const *names, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (stockade_lazy_symbol (lib, names[i]) == NULL)
      return 0;
  return 1;
}
