//! jail_set(2) payloads: each parameter as a (name, value) pair of byte
//! buffers, ready to be pointed at by iovecs. Pure, so the exact bytes are
//! unit-tested on any OS; `sys` only builds the iovec array from them.
//!
//! Names and strings are NUL-terminated; ints and jailsys modes are 4-byte
//! native ints (disable 0, new 1, inherit 2); a flag has no value (NULL,
//! length 0); address lists are packed network-order `in_addr`/`in6_addr`.

use super::params::{JailParam, ParamValue};
use crate::bundle::freebsd::SharingMode;

/// One encoded pair; `value` is `None` for a flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub name: Vec<u8>,
    pub value: Option<Vec<u8>>,
}

pub fn cstr(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

pub fn jailsys(m: SharingMode) -> i32 {
    match m {
        SharingMode::Disable => 0,
        SharingMode::New => 1,
        SharingMode::Inherit => 2,
    }
}

pub fn encode(p: &JailParam) -> Result<Encoded, String> {
    if p.name.contains('\0') {
        return Err(format!(
            "parameter name `{}` contains NUL",
            p.name.escape_default()
        ));
    }
    let value = match &p.value {
        ParamValue::String(s) if s.contains('\0') => {
            return Err(format!("value of `{}` contains NUL", p.name));
        }
        ParamValue::String(s) => Some(cstr(s)),
        ParamValue::Int(n) => Some(n.to_ne_bytes().to_vec()),
        ParamValue::Flag => None,
        ParamValue::Jailsys(m) => Some(jailsys(*m).to_ne_bytes().to_vec()),
        ParamValue::Ip4(a) => Some(a.iter().flat_map(|x| x.octets()).collect()),
        ParamValue::Ip6(a) => Some(a.iter().flat_map(|x| x.octets()).collect()),
    };
    Ok(Encoded {
        name: cstr(&p.name),
        value,
    })
}

/// Encode a whole parameter list, stopping at the first bad one.
pub fn encode_all(params: &[JailParam]) -> Result<Vec<Encoded>, String> {
    params.iter().map(encode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn jp(name: &str, value: ParamValue) -> JailParam {
        JailParam {
            name: name.into(),
            value,
            implicit: false,
        }
    }

    #[test]
    fn exact_bytes() {
        let e = encode(&jp("host.hostname", ParamValue::String("web".into()))).unwrap();
        assert_eq!(e.name, b"host.hostname\0");
        assert_eq!(e.value.unwrap(), b"web\0");
        let e = encode(&jp("enforce_statfs", ParamValue::Int(1))).unwrap();
        assert_eq!(e.value.unwrap(), 1i32.to_ne_bytes());
        let e = encode(&jp("sysvshm", ParamValue::Jailsys(SharingMode::Inherit))).unwrap();
        assert_eq!(e.value.unwrap(), 2i32.to_ne_bytes());
        assert_eq!(
            encode(&jp("allow.nomlock", ParamValue::Flag))
                .unwrap()
                .value,
            None
        );
    }

    #[test]
    fn addresses_are_packed_in_network_order() {
        let e = encode(&jp(
            "ip4.addr",
            ParamValue::Ip4(vec![
                Ipv4Addr::new(10, 0, 0, 1),
                Ipv4Addr::new(192, 168, 1, 2),
            ]),
        ))
        .unwrap();
        assert_eq!(e.value.unwrap(), [10, 0, 0, 1, 192, 168, 1, 2]);
        let e = encode(&jp(
            "ip6.addr",
            ParamValue::Ip6(vec!["fd00::1".parse::<Ipv6Addr>().unwrap()]),
        ))
        .unwrap();
        let v = e.value.unwrap();
        assert_eq!(v.len(), 16);
        assert_eq!((v[0], v[1], v[15]), (0xfd, 0, 1));
    }

    #[test]
    fn interior_nul_is_refused() {
        assert!(encode(&jp("host.hostname", ParamValue::String("a\0b".into()))).is_err());
        assert!(
            encode_all(&[jp("persist", ParamValue::Flag), jp("x\0", ParamValue::Flag)]).is_err()
        );
    }
}
