//! The Linux mount option words: what each one does to a container's mount
//! through the backend (libcrun with patch 0009), so that `validate`,
//! `create` and `features` give one answer.
//!
//! Anything not listed is file-system data, passed to mount(2) as is (a
//! tmpfs `size=64m`); a bind mount takes no data, so such words are ignored
//! there, and `validate` says so.

/// How an option word reaches the mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A per-mount flag (mount(2), or the remount of a bind mount).
    Flag,
    /// A file-system (superblock) flag: set by a new mount, kept from the
    /// source by a bind mount.
    Superblock,
    /// Mount propagation.
    Propagation,
    /// `bind`, `rbind`.
    Bind,
    /// A recursive attribute (mount_setattr(2) with AT_RECURSIVE).
    Recursive,
    /// libcrun's own: `tmpcopyup`, `copy-symlink`, `idmap`, `ridmap`, `defaults`.
    Runtime,
    /// Refused: the reason.
    Refused(&'static str),
}

/// Needs MS_NOSYMFOLLOW (Linux 5.10) or MOUNT_ATTR_NOSYMFOLLOW (5.14).
pub const SYMFOLLOW_WORDS: &[(&str, (u32, u32))] = &[
    ("nosymfollow", (5, 10)),
    ("symfollow", (5, 10)),
    ("rnosymfollow", (5, 14)),
    ("rsymfollow", (5, 14)),
];

const NO_ATTRIBUTE: &str = "there is no recursive form: sync, dirsync and mand are file-system flags, and mount_setattr(2) has no attribute for them";

/// The table, written once: `WORDS` in this order (the features document
/// lists them so) and `by_word`, a `match` over the same words (a create
/// with hundreds of mounts looks a word up for each option).
macro_rules! words {
    ($($word:literal => $kind:expr,)*) => {
        pub const WORDS: &[(&str, Kind)] = &[$(($word, $kind)),*];

        fn by_word(word: &str) -> Option<Kind> {
            match word {
                $($word => Some($kind),)*
                _ => None,
            }
        }
    };
}

words! {
    "defaults" => Kind::Runtime,
    "ro" => Kind::Flag,
    "rw" => Kind::Flag,
    "nosuid" => Kind::Flag,
    "suid" => Kind::Flag,
    "nodev" => Kind::Flag,
    "dev" => Kind::Flag,
    "noexec" => Kind::Flag,
    "exec" => Kind::Flag,
    "noatime" => Kind::Flag,
    "atime" => Kind::Flag,
    "nodiratime" => Kind::Flag,
    "diratime" => Kind::Flag,
    "relatime" => Kind::Flag,
    "norelatime" => Kind::Flag,
    "strictatime" => Kind::Flag,
    "nostrictatime" => Kind::Flag,
    "nosymfollow" => Kind::Flag,
    "symfollow" => Kind::Flag,
    "sync" => Kind::Superblock,
    "async" => Kind::Superblock,
    "dirsync" => Kind::Superblock,
    "mand" => Kind::Superblock,
    "nomand" => Kind::Superblock,
    "shared" => Kind::Propagation,
    "rshared" => Kind::Propagation,
    "slave" => Kind::Propagation,
    "rslave" => Kind::Propagation,
    "private" => Kind::Propagation,
    "rprivate" => Kind::Propagation,
    "unbindable" => Kind::Propagation,
    "runbindable" => Kind::Propagation,
    "bind" => Kind::Bind,
    "rbind" => Kind::Bind,
    "rro" => Kind::Recursive,
    "rrw" => Kind::Recursive,
    "rnosuid" => Kind::Recursive,
    "rsuid" => Kind::Recursive,
    "rnodev" => Kind::Recursive,
    "rdev" => Kind::Recursive,
    "rnoexec" => Kind::Recursive,
    "rexec" => Kind::Recursive,
    "rnoatime" => Kind::Recursive,
    "ratime" => Kind::Recursive,
    "rnodiratime" => Kind::Recursive,
    "rdiratime" => Kind::Recursive,
    "rrelatime" => Kind::Recursive,
    "rnorelatime" => Kind::Recursive,
    "rstrictatime" => Kind::Recursive,
    "rnostrictatime" => Kind::Recursive,
    "rnosymfollow" => Kind::Recursive,
    "rsymfollow" => Kind::Recursive,
    "tmpcopyup" => Kind::Runtime,
    "copy-symlink" => Kind::Runtime,
    "idmap" => Kind::Runtime,
    "ridmap" => Kind::Runtime,
    "rsync" => Kind::Refused(NO_ATTRIBUTE),
    "rasync" => Kind::Refused(NO_ATTRIBUTE),
    "rdirsync" => Kind::Refused(NO_ATTRIBUTE),
    "rmand" => Kind::Refused(NO_ATTRIBUTE),
    "rnomand" => Kind::Refused(NO_ATTRIBUTE),
    "remount" => Kind::Refused("not a container mount option: it would remount a mount that does not exist yet"),
}

/// The kind of an option word; `None` is file-system data. `idmap` and
/// `ridmap` may carry their mappings (`idmap=uids=0-1-10;gids=...`).
pub fn kind(word: &str) -> Option<Kind> {
    let base = match word.split_once('=') {
        Some((w @ ("idmap" | "ridmap"), _)) => w,
        _ => word,
    };
    by_word(base)
}

/// Every word a container mount can carry and have applied (the features
/// document's `mountOptions`), for a kernel of version `kernel` if known.
pub fn applied(kernel: Option<(u32, u32)>) -> impl Iterator<Item = &'static str> {
    WORDS
        .iter()
        .filter(|(_, k)| !matches!(k, Kind::Refused(_)))
        .map(|(w, _)| *w)
        .filter(move |w| kernel_has(w, kernel))
}

/// False only when `word` needs a newer kernel than `kernel`.
pub fn kernel_has(word: &str, kernel: Option<(u32, u32)>) -> bool {
    match (SYMFOLLOW_WORDS.iter().find(|(w, _)| *w == word), kernel) {
        (Some((_, need)), Some(have)) => have >= *need,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(kind("rro"), Some(Kind::Recursive));
        assert_eq!(kind("idmap=uids=0-1-10;gids=0-1-10"), Some(Kind::Runtime));
        assert_eq!(kind("size=64m"), None);
        assert_eq!(kind("bind=x"), None);
        assert!(matches!(kind("rsync"), Some(Kind::Refused(_))));
    }

    #[test]
    fn every_listed_word_is_looked_up_as_listed() {
        for (w, k) in WORDS {
            assert_eq!(kind(w), Some(*k), "{w}");
        }
        assert_eq!(WORDS.len(), 62);
        assert_eq!(WORDS[0].0, "defaults");
        assert_eq!(WORDS[WORDS.len() - 1].0, "remount");
    }

    #[test]
    fn applied_words_depend_on_the_kernel() {
        let new: Vec<_> = applied(Some((6, 1))).collect();
        assert!(new.contains(&"rnosymfollow") && new.contains(&"nosymfollow"));
        assert!(!new.contains(&"rsync") && !new.contains(&"remount"));
        let old: Vec<_> = applied(Some((5, 10))).collect();
        assert!(old.contains(&"nosymfollow") && !old.contains(&"rnosymfollow"));
        assert_eq!(applied(None).count(), new.len());
        let mut sorted = WORDS.iter().map(|(w, _)| *w).collect::<Vec<_>>();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), WORDS.len(), "a word is listed twice");
    }
}
