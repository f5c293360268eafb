//! FreeBSD system calls.
