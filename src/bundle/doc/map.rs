//! An object's members, in the order they were given.

use super::Value;

/// Members in order; a key appears once.
#[derive(Clone, Debug, Default)]
pub struct Map {
    members: Vec<(String, Value)>,
}

impl Map {
    pub fn new() -> Map {
        Map::default()
    }

    pub fn with_capacity(n: usize) -> Map {
        Map {
            members: Vec::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.members.len()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.members.iter().position(|(k, _)| k == key)
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.members
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.members
            .iter_mut()
            .find_map(|(k, v)| (k == key).then_some(v))
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Replaces the value of an existing key in its place (returning the
    /// old one), else appends.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.members[i].1, value)),
            None => {
                self.members.push((key, value));
                None
            }
        }
    }

    /// Removes a member; the others keep their order.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        Some(self.members.remove(i).1)
    }

    pub fn entry(&mut self, key: impl Into<String>) -> Entry<'_> {
        Entry {
            map: self,
            key: key.into(),
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        self.members.iter().map(|(k, v)| (k, v))
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.members.iter_mut().map(|(k, v)| (&*k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.members.iter().map(|(k, _)| k)
    }
}

type Pair<'a> = &'a (String, Value);
type PairMut<'a> = &'a mut (String, Value);
pub type Iter<'a> =
    std::iter::Map<std::slice::Iter<'a, (String, Value)>, fn(Pair<'a>) -> (&'a String, &'a Value)>;
pub type IterMut<'a> = std::iter::Map<
    std::slice::IterMut<'a, (String, Value)>,
    fn(PairMut<'a>) -> (&'a String, &'a mut Value),
>;

/// A member that may or may not be there yet.
pub struct Entry<'a> {
    map: &'a mut Map,
    key: String,
}

impl<'a> Entry<'a> {
    pub fn or_insert(self, value: Value) -> &'a mut Value {
        self.or_insert_with(|| value)
    }

    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        let i = match self.map.position(&self.key) {
            Some(i) => i,
            None => {
                self.map.members.push((self.key, make()));
                self.map.members.len() - 1
            }
        };
        &mut self.map.members[i].1
    }
}

/// Equal when they hold the same members, in any order (as serde_json's
/// maps compare).
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let in_order = self
            .members
            .iter()
            .zip(&other.members)
            .all(|((a, _), (b, _))| a == b);
        if in_order {
            return self
                .members
                .iter()
                .zip(&other.members)
                .all(|((_, a), (_, b))| a == b);
        }
        self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        self.get(key)
            .unwrap_or_else(|| panic!("no member `{key}` in the object"))
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// A key given twice keeps its first place and its last value.
impl FromIterator<(String, Value)> for Map {
    fn from_iter<T: IntoIterator<Item = (String, Value)>>(iter: T) -> Map {
        Map::merged(iter.into_iter().collect()).0
    }
}

impl Map {
    /// An object from its members as given: a repeated key keeps its first
    /// place and its last value (as serde_json does). Says whether a key
    /// was repeated.
    pub fn merged(members: Vec<(String, Value)>) -> (Map, bool) {
        if distinct(&members) {
            return (Map { members }, false);
        }
        let mut out: Vec<(String, Value)> = Vec::with_capacity(members.len());
        let mut at = std::collections::HashMap::with_capacity(members.len());
        for (k, v) in members {
            match at.get(&k) {
                Some(&i) => out[i] = (k, v),
                None => {
                    at.insert(k.clone(), out.len());
                    out.push((k, v));
                }
            }
        }
        (Map { members: out }, true)
    }
}

/// No key appears twice. Small objects (nearly all of a config) compare
/// every pair; large ones sort their keys, so a hostile object of many
/// thousand members is not quadratic.
fn distinct(members: &[(String, Value)]) -> bool {
    if members.len() <= 16 {
        return members
            .iter()
            .enumerate()
            .all(|(i, (k, _))| members[..i].iter().all(|(p, _)| p != k));
    }
    let mut keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    keys.sort_unstable();
    keys.windows(2).all(|w| w[0] != w[1])
}
