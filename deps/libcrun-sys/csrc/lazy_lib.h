/* Shared libraries opened at first use (lazy_lib.c).  */
#ifndef STOCKADE_LAZY_LIB_H
#define STOCKADE_LAZY_LIB_H

#include <stddef.h>

/* One library: its SONAME, and its dlopen handle once opened.  */
struct stockade_lazy_lib
{
  const char *soname;
  void *handle;
};

/* NAME from LIB, opened on first use; NULL when the library cannot be
   loaded (or not from here, see lazy_lib.c) or lacks NAME.  */
void *stockade_lazy_symbol (struct stockade_lazy_lib *lib, const char *name);

/* stockade_lazy_symbol, with the address kept in *CACHE after the first
   successful lookup.  */
void *stockade_lazy_resolve (struct stockade_lazy_lib *lib, void **cache, const char *name);

/* 1 when LIB loads and has each of the N functions NAMES, else 0.  */
int stockade_lazy_has_all (struct stockade_lazy_lib *lib, const char *const *names, size_t n);

/* For a list of forwarded functions written as
     X (return type, name, parameters, arguments, result when unavailable),
   STOCKADE_LAZY_FORWARD defines each one, forwarding to the library the
   including file names as STOCKADE_LAZY_LIBRARY (a struct stockade_lazy_lib),
   and STOCKADE_LAZY_NAME_OF lists their names.  */
#define STOCKADE_LAZY_FORWARD(ret_type, name, params, args, unavailable)                              \
  ret_type name params                                                                                \
  {                                                                                                   \
    static void *cache;                                                                               \
    ret_type (*real) params                                                                           \
        = (ret_type (*) params) stockade_lazy_resolve (&STOCKADE_LAZY_LIBRARY, &cache, #name);        \
    return real ? real args : unavailable;                                                            \
  }

#define STOCKADE_LAZY_NAME_OF(ret_type, name, params, args, unavailable) #name,

#endif
