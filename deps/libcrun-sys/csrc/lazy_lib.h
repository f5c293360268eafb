/* Shared libraries opened at first use (lazy_lib.c).  */
#ifndef STOCKADE_LAZY_LIB_H
#define STOCKADE_LAZY_LIB_H

/* NAME from the library SONAME, opened once into *HANDLE; NULL when the
   library cannot be loaded (or not from here, see lazy_lib.c) or lacks
   NAME.  */
void *stockade_lazy_symbol (void **handle, const char *soname, const char *name);

/* stockade_lazy_symbol, with the address kept in *CACHE after the first
   successful lookup.  */
void *stockade_lazy_resolve (void **handle, const char *soname, void **cache, const char *name);

#endif
