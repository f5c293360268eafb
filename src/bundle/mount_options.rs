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

/// The words in this order (the features document lists them so). A
/// create with hundreds of mounts looks a word up for each option: see
/// `by_word`.
pub const WORDS: &[(&str, Kind)] = &[
    ("defaults", Kind::Runtime),
    ("ro", Kind::Flag),
    ("rw", Kind::Flag),
    ("nosuid", Kind::Flag),
    ("suid", Kind::Flag),
    ("nodev", Kind::Flag),
    ("dev", Kind::Flag),
    ("noexec", Kind::Flag),
    ("exec", Kind::Flag),
    ("noatime", Kind::Flag),
    ("atime", Kind::Flag),
    ("nodiratime", Kind::Flag),
    ("diratime", Kind::Flag),
    ("relatime", Kind::Flag),
    ("norelatime", Kind::Flag),
    ("strictatime", Kind::Flag),
    ("nostrictatime", Kind::Flag),
    ("nosymfollow", Kind::Flag),
    ("symfollow", Kind::Flag),
    ("sync", Kind::Superblock),
    ("async", Kind::Superblock),
    ("dirsync", Kind::Superblock),
    ("mand", Kind::Superblock),
    ("nomand", Kind::Superblock),
    ("shared", Kind::Propagation),
    ("rshared", Kind::Propagation),
    ("slave", Kind::Propagation),
    ("rslave", Kind::Propagation),
    ("private", Kind::Propagation),
    ("rprivate", Kind::Propagation),
    ("unbindable", Kind::Propagation),
    ("runbindable", Kind::Propagation),
    ("bind", Kind::Bind),
    ("rbind", Kind::Bind),
    ("rro", Kind::Recursive),
    ("rrw", Kind::Recursive),
    ("rnosuid", Kind::Recursive),
    ("rsuid", Kind::Recursive),
    ("rnodev", Kind::Recursive),
    ("rdev", Kind::Recursive),
    ("rnoexec", Kind::Recursive),
    ("rexec", Kind::Recursive),
    ("rnoatime", Kind::Recursive),
    ("ratime", Kind::Recursive),
    ("rnodiratime", Kind::Recursive),
    ("rdiratime", Kind::Recursive),
    ("rrelatime", Kind::Recursive),
    ("rnorelatime", Kind::Recursive),
    ("rstrictatime", Kind::Recursive),
    ("rnostrictatime", Kind::Recursive),
    ("rnosymfollow", Kind::Recursive),
    ("rsymfollow", Kind::Recursive),
    ("tmpcopyup", Kind::Runtime),
    ("copy-symlink", Kind::Runtime),
    ("idmap", Kind::Runtime),
    ("ridmap", Kind::Runtime),
    ("rsync", Kind::Refused(NO_ATTRIBUTE)),
    ("rasync", Kind::Refused(NO_ATTRIBUTE)),
    ("rdirsync", Kind::Refused(NO_ATTRIBUTE)),
    ("rmand", Kind::Refused(NO_ATTRIBUTE)),
    ("rnomand", Kind::Refused(NO_ATTRIBUTE)),
    (
        "remount",
        Kind::Refused(
            "not a container mount option: it would remount a mount that does not exist yet",
        ),
    ),
];

/// The kind of an option word; `None` is file-system data. `idmap` and
/// `ridmap` may carry their mappings (`idmap=uids=0-1-10;gids=...`).
pub fn kind(word: &str) -> Option<Kind> {
    // What `split_once('=')` would keep of those two, without a search of
    // every word for a `=`.
    let base = if word.starts_with("idmap=") {
        "idmap"
    } else if word.starts_with("ridmap=") {
        "ridmap"
    } else {
        word
    };
    by_word(base)
}

/// Slots of the open-addressed table over `WORDS`: a power of two, four
/// times their number, so that a probe rarely goes past its first slot.
const SLOTS: usize = 256;

/// FNV-1a, cut to a slot.
const fn slot(word: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < word.len() {
        h ^= word[i] as u32;
        h = h.wrapping_mul(0x0100_0193);
        i += 1;
    }
    h as usize & (SLOTS - 1)
}

/// `WORDS` index + 1 by slot (0: empty), built by the compiler. A `match`
/// over the 62 words tested them one by one (a create with 200 mounts spent
/// 100K instructions there); this hashes the word and compares one or two.
const INDEX: [u8; SLOTS] = {
    assert!(WORDS.len() < SLOTS / 2 && WORDS.len() < u8::MAX as usize);
    let mut t = [0u8; SLOTS];
    let mut i = 0;
    while i < WORDS.len() {
        let mut s = slot(WORDS[i].0.as_bytes());
        while t[s] != 0 {
            s = (s + 1) & (SLOTS - 1);
        }
        t[s] = (i + 1) as u8;
        i += 1;
    }
    t
};

fn by_word(word: &str) -> Option<Kind> {
    let mut s = slot(word.as_bytes());
    loop {
        let (w, k) = *WORDS.get((INDEX[s] as usize).checked_sub(1)?)?;
        if w == word {
            return Some(k);
        }
        s = (s + 1) & (SLOTS - 1);
    }
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
    fn words_next_to_listed_ones_are_data() {
        for (w, _) in WORDS {
            for near in [
                format!("{w}x"),
                format!("x{w}"),
                w[..w.len() - 1].to_string(),
                w.to_uppercase(),
                format!("{w}="),
            ] {
                let mappings = near.starts_with("idmap=") || near.starts_with("ridmap=");
                if !mappings && !WORDS.iter().any(|(l, _)| *l == near) {
                    assert_eq!(kind(&near), None, "{near}");
                }
            }
        }
        assert_eq!(kind(""), None);
        assert_eq!(kind("idmap"), Some(Kind::Runtime));
        assert_eq!(kind("ridmap="), Some(Kind::Runtime));
        assert_eq!(kind("xidmap=uids=0-1-1"), None);
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
