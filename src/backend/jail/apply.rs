//! FreeBSD apply layer (filled in below).

pub struct JailRuntime;
