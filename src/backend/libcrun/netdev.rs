//! `linux.netDevices` (runtime-spec 1.3.0): move host interfaces into the
//! container's network namespace at create, before any hook runs.
//!
//! Per device: check the move is possible (the interface exists, the
//! container namespace is not the runtime's, the target name is free unless
//! it is a `%d` template, the ifindex is free or a free one is chosen),
//! remember its permanent global addresses, move and rename it with one
//! RTM_NEWLINK (IFLA_NET_NS_FD + IFLA_IFNAME), re-add those addresses inside
//! the container namespace and set the link up. Nothing is moved back at
//! delete: the kernel returns physical devices and destroys virtual ones.
//!
//! Netlink messages are built and parsed here (pure, unit-tested); the
//! socket and setns calls are in `kernel.rs`.

use std::fs::File;
use std::path::Path;

use crate::bundle::doc::Value;

use super::kernel::{self, Netlink};

const NLMSG_HDR: usize = 16;
const IFINFO: usize = 16;
const IFADDR: usize = 8;

const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_EXCL: u16 = 0x200;
const NLM_F_CREATE: u16 = 0x400;
const NLM_F_DUMP: u16 = 0x300;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;

const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;

const IFLA_IFNAME: u16 = 3;
const IFLA_NET_NS_FD: u16 = 28;
const IFLA_NEW_IFINDEX: u16 = 49;

const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const IFA_FLAGS: u16 = 8;
const IFA_F_PERMANENT: u32 = 0x80;
/// Address flags userspace may set (IFA_F_NODAD, HOMEADDRESS,
/// MANAGETEMPADDR, NOPREFIXROUTE, MCAUTOJOIN); the rest are kernel state.
const IFA_USER_FLAGS: u32 = 0x02 | 0x10 | 0x100 | 0x200 | 0x400;
const RT_SCOPE_UNIVERSE: u8 = 0;
const IFF_UP: u32 = 0x1;

/// One device to move: the host name and the name inside the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub host: String,
    pub target: String,
}

/// The devices listed in `linux.netDevices`.
pub fn requested(config: &Value) -> Vec<Device> {
    let Some(devs) = config
        .pointer("/linux/netDevices")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    devs.iter()
        .map(|(host, d)| Device {
            host: host.clone(),
            target: d
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or(host)
                .to_string(),
        })
        .collect()
}

/// A netlink request under construction.
struct Msg(Vec<u8>);

impl Msg {
    fn new(kind: u16, flags: u16) -> Msg {
        let mut b = vec![0u8; NLMSG_HDR];
        b[4..6].copy_from_slice(&kind.to_ne_bytes());
        b[6..8].copy_from_slice(&(flags | NLM_F_REQUEST).to_ne_bytes());
        b[8..12].copy_from_slice(&1u32.to_ne_bytes());
        Msg(b)
    }

    fn ifinfo(mut self, index: i32, flags: u32, change: u32) -> Msg {
        let mut h = [0u8; IFINFO];
        h[4..8].copy_from_slice(&index.to_ne_bytes());
        h[8..12].copy_from_slice(&flags.to_ne_bytes());
        h[12..16].copy_from_slice(&change.to_ne_bytes());
        self.0.extend_from_slice(&h);
        self
    }

    fn ifaddr(mut self, family: u8, prefix: u8, flags: u8, scope: u8, index: u32) -> Msg {
        self.0.extend_from_slice(&[family, prefix, flags, scope]);
        self.0.extend_from_slice(&index.to_ne_bytes());
        self
    }

    fn attr(mut self, kind: u16, payload: &[u8]) -> Msg {
        let len = 4 + payload.len();
        self.0.extend_from_slice(&(len as u16).to_ne_bytes());
        self.0.extend_from_slice(&kind.to_ne_bytes());
        self.0.extend_from_slice(payload);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
        self
    }

    fn name(self, kind: u16, s: &str) -> Msg {
        let mut v = s.as_bytes().to_vec();
        v.push(0);
        self.attr(kind, &v)
    }

    fn done(mut self) -> Vec<u8> {
        let len = self.0.len() as u32;
        self.0[0..4].copy_from_slice(&len.to_ne_bytes());
        self.0
    }
}

/// One message of a reply: its type and payload (after the header).
fn messages(buf: &[u8]) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + NLMSG_HDR <= buf.len() {
        let len = u32::from_ne_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
        if len < NLMSG_HDR || at + len > buf.len() {
            break;
        }
        let kind = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().unwrap());
        out.push((kind, &buf[at + NLMSG_HDR..at + len]));
        at += (len + 3) & !3;
    }
    out
}

/// The attributes after a fixed header of `skip` bytes.
fn attrs(payload: &[u8], skip: usize) -> Vec<(u16, &[u8])> {
    let mut out = Vec::new();
    let mut at = skip;
    while at + 4 <= payload.len() {
        let len = u16::from_ne_bytes(payload[at..at + 2].try_into().unwrap()) as usize;
        let kind = u16::from_ne_bytes(payload[at + 2..at + 4].try_into().unwrap()) & 0x3fff;
        if len < 4 || at + len > payload.len() {
            break;
        }
        out.push((kind, &payload[at + 4..at + len]));
        at += (len + 3) & !3;
    }
    out
}

fn errno_of(payload: &[u8]) -> i32 {
    payload
        .get(0..4)
        .map(|b| -i32::from_ne_bytes(b.try_into().unwrap()))
        .unwrap_or(libc::EIO)
}

/// A link as seen by RTM_GETLINK.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Link {
    index: i32,
    name: String,
}

fn parse_link(payload: &[u8]) -> Option<Link> {
    let index = i32::from_ne_bytes(payload.get(4..8)?.try_into().ok()?);
    let name = attrs(payload, IFINFO)
        .into_iter()
        .find(|(k, _)| *k == IFLA_IFNAME)
        .map(|(_, v)| {
            String::from_utf8_lossy(v.split(|b| *b == 0).next().unwrap_or_default()).into_owned()
        })?;
    Some(Link { index, name })
}

/// An address to carry across: the fixed header fields and the attributes we replay.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Addr {
    family: u8,
    prefix: u8,
    scope: u8,
    flags: u32,
    attrs: Vec<(u16, Vec<u8>)>,
}

/// Permanent, universe-scope addresses of interface `index` from an RTM_GETADDR dump payload.
fn parse_addr(payload: &[u8], index: u32) -> Option<Addr> {
    if payload.len() < IFADDR {
        return None;
    }
    let (family, prefix, flags8, scope) = (payload[0], payload[1], payload[2], payload[3]);
    if u32::from_ne_bytes(payload[4..8].try_into().unwrap()) != index {
        return None;
    }
    let list = attrs(payload, IFADDR);
    let flags = list
        .iter()
        .find(|(k, v)| *k == IFA_FLAGS && v.len() == 4)
        .map(|(_, v)| u32::from_ne_bytes((*v).try_into().unwrap()))
        .unwrap_or(flags8 as u32);
    if flags & IFA_F_PERMANENT == 0 || scope != RT_SCOPE_UNIVERSE {
        return None;
    }
    let keep = list
        .into_iter()
        .filter(|(k, _)| matches!(*k, IFA_ADDRESS | IFA_LOCAL | IFA_BROADCAST))
        .map(|(k, v)| (k, v.to_vec()))
        .collect();
    Some(Addr {
        family,
        prefix,
        scope,
        flags: flags & IFA_USER_FLAGS,
        attrs: keep,
    })
}

/// Send a request and collect the reply payloads of type `want` until the
/// ACK / end of dump; a netlink error becomes `Err(errno)`.
fn transact(sock: &Netlink, msg: Vec<u8>, want: u16) -> Result<Vec<Vec<u8>>, i32> {
    let dump = u16::from_ne_bytes(msg[6..8].try_into().unwrap()) & NLM_F_DUMP == NLM_F_DUMP;
    sock.send(&msg)
        .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
    let mut out = Vec::new();
    let mut buf = Vec::new();
    loop {
        sock.recv(&mut buf)
            .map_err(|e| e.raw_os_error().unwrap_or(libc::EIO))?;
        for (kind, payload) in messages(&buf) {
            match kind {
                NLMSG_ERROR => {
                    let e = errno_of(payload);
                    return if e == 0 { Ok(out) } else { Err(e) };
                }
                NLMSG_DONE => return Ok(out),
                k if k == want => {
                    out.push(payload.to_vec());
                    if !dump {
                        return Ok(out);
                    }
                }
                _ => {}
            }
        }
    }
}

fn get_link_by_name(sock: &Netlink, name: &str) -> Result<Option<Link>, i32> {
    let msg = Msg::new(RTM_GETLINK, 0)
        .ifinfo(0, 0, 0)
        .name(IFLA_IFNAME, name)
        .done();
    match transact(sock, msg, RTM_NEWLINK) {
        Ok(v) => Ok(v.first().and_then(|p| parse_link(p))),
        Err(e) if e == libc::ENODEV => Ok(None),
        Err(e) => Err(e),
    }
}

fn get_link_by_index(sock: &Netlink, index: i32) -> Result<Option<Link>, i32> {
    let msg = Msg::new(RTM_GETLINK, 0).ifinfo(index, 0, 0).done();
    match transact(sock, msg, RTM_NEWLINK) {
        Ok(v) => Ok(v.first().and_then(|p| parse_link(p))),
        Err(e) if e == libc::ENODEV => Ok(None),
        Err(e) => Err(e),
    }
}

fn all_links(sock: &Netlink) -> Result<Vec<Link>, i32> {
    let msg = Msg::new(RTM_GETLINK, NLM_F_DUMP).ifinfo(0, 0, 0).done();
    Ok(transact(sock, msg, RTM_NEWLINK)?
        .iter()
        .filter_map(|p| parse_link(p))
        .collect())
}

fn addresses(sock: &Netlink, index: i32) -> Result<Vec<Addr>, i32> {
    let msg = Msg::new(RTM_GETADDR, NLM_F_DUMP)
        .ifaddr(libc::AF_UNSPEC as u8, 0, 0, 0, 0)
        .done();
    Ok(transact(sock, msg, RTM_NEWADDR)?
        .iter()
        .filter_map(|p| parse_addr(p, index as u32))
        .collect())
}

fn add_addr_msg(a: &Addr, index: i32) -> Vec<u8> {
    let mut m = Msg::new(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL).ifaddr(
        a.family,
        a.prefix,
        (a.flags & 0xff) as u8,
        a.scope,
        index as u32,
    );
    for (k, v) in &a.attrs {
        m = m.attr(*k, v);
    }
    if a.flags > 0xff {
        m = m.attr(IFA_FLAGS, &a.flags.to_ne_bytes());
    }
    m.done()
}

fn move_msg(index: i32, ns_fd: i32, target: &str, new_index: Option<i32>) -> Vec<u8> {
    let mut m = Msg::new(RTM_NEWLINK, NLM_F_ACK)
        .ifinfo(index, 0, 0)
        .attr(IFLA_NET_NS_FD, &(ns_fd as u32).to_ne_bytes())
        .name(IFLA_IFNAME, target);
    if let Some(i) = new_index {
        m = m.attr(IFLA_NEW_IFINDEX, &i.to_ne_bytes());
    }
    m.done()
}

fn up_msg(index: i32) -> Vec<u8> {
    Msg::new(RTM_NEWLINK, NLM_F_ACK)
        .ifinfo(index, IFF_UP, IFF_UP)
        .done()
}

fn strerror(e: i32) -> String {
    let s = std::io::Error::from_raw_os_error(e).to_string();
    s.rfind(" (os error ")
        .map_or(s.clone(), |i| s[..i].to_string())
}

fn field(host: &str) -> String {
    crate::bundle::path::key("linux.netDevices", host)
}

/// Move every requested device into the network namespace of `pid`.
/// Errors are one line naming the field; the errno (0 if none) goes with it.
pub fn move_all(devices: &[Device], pid: i32) -> Result<(), (i32, String)> {
    if devices.is_empty() {
        return Ok(());
    }
    let at = "linux.netDevices";
    if kernel::euid() != 0 {
        return Err((
            libc::EPERM,
            format!(
                "{at}: moving network devices needs root (not available to rootless containers)"
            ),
        ));
    }
    let ns_path = format!("/proc/{pid}/ns/net");
    let same = kernel::ns_identity(Path::new(&ns_path))
        .and_then(|t| Ok(t == kernel::ns_identity(Path::new("/proc/self/ns/net"))?))
        .map_err(|e| {
            (
                e.raw_os_error().unwrap_or(0),
                format!("{at}: {ns_path}: {e}"),
            )
        })?;
    if same {
        return Err((
            0,
            format!("{at}: the container has no network namespace of its own (add a `network` entry to linux.namespaces)"),
        ));
    }
    let ns = File::open(&ns_path).map_err(|e| {
        (
            e.raw_os_error().unwrap_or(0),
            format!("{at}: open {ns_path}: {e}"),
        )
    })?;
    let sys_err = |what: &str, e: std::io::Error| {
        (e.raw_os_error().unwrap_or(0), format!("{at}: {what}: {e}"))
    };
    let host = Netlink::open().map_err(|e| sys_err("netlink socket", e))?;
    let inner = Netlink::open_in(&ns)
        .map_err(|e| sys_err("netlink socket in the container namespace", e))?;
    for d in devices {
        move_one(d, &host, &inner, &ns)?;
    }
    Ok(())
}

fn move_one(d: &Device, host: &Netlink, inner: &Netlink, ns: &File) -> Result<(), (i32, String)> {
    use std::os::fd::AsRawFd;
    let at = field(&d.host);
    let fail = |what: &str, e: i32| (e, format!("{at}: {what}: {}", strerror(e)));
    let link = get_link_by_name(host, &d.host)
        .map_err(|e| fail("looking up the host interface", e))?
        .ok_or_else(|| {
            (
                libc::ENODEV,
                format!("{at}: no interface `{}` on the host", d.host),
            )
        })?;
    if !d.target.contains("%d")
        && get_link_by_name(inner, &d.target)
            .map_err(|e| fail("looking up the target name", e))?
            .is_some()
    {
        return Err((
            libc::EEXIST,
            format!(
                "{at}: an interface named `{}` already exists in the container's network namespace",
                d.target
            ),
        ));
    }
    // Keep the ifindex when it is free in the container namespace, else pick one.
    let new_index = if get_link_by_index(inner, link.index)
        .map_err(|e| fail("looking up the interface index", e))?
        .is_some()
    {
        let used = all_links(inner).map_err(|e| fail("listing the container's interfaces", e))?;
        Some(used.iter().map(|l| l.index).max().unwrap_or(1) + 1)
    } else {
        None
    };
    let addrs = addresses(host, link.index).map_err(|e| fail("listing addresses", e))?;
    transact(
        host,
        move_msg(link.index, ns.as_raw_fd(), &d.target, new_index),
        0,
    )
    .map_err(|e| fail("moving it into the container's network namespace", e))?;
    let index = new_index.unwrap_or(link.index);
    for a in &addrs {
        match transact(inner, add_addr_msg(a, index), 0) {
            Ok(_) | Err(libc::EEXIST) => {}
            Err(e) => return Err(fail("re-adding an address in the container", e)),
        }
    }
    transact(inner, up_msg(index), 0).map_err(|e| fail("setting the link up", e))?;
    let name = get_link_by_index(inner, index)
        .ok()
        .flatten()
        .map_or_else(|| d.target.clone(), |l| l.name);
    tracing::debug!(
        "{at}: moved into the container as `{name}` (index {index}, {} address(es))",
        addrs.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::doc::json;

    #[test]
    fn requested_devices_default_to_the_host_name() {
        let c = json!({"linux": {"netDevices": {"veth1": {"name": "ctr%d"}, "tap0": {}}}});
        let mut got = requested(&c);
        got.sort_by(|a, b| a.host.cmp(&b.host));
        assert_eq!(
            got,
            [
                Device {
                    host: "tap0".into(),
                    target: "tap0".into()
                },
                Device {
                    host: "veth1".into(),
                    target: "ctr%d".into()
                },
            ]
        );
        assert!(requested(&json!({"linux": {}})).is_empty());
    }

    #[test]
    fn move_message_layout() {
        let m = move_msg(7, 5, "eth9", None);
        assert_eq!(m.len() % 4, 0);
        assert_eq!(
            u32::from_ne_bytes(m[0..4].try_into().unwrap()) as usize,
            m.len()
        );
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), RTM_NEWLINK);
        let payload = &m[NLMSG_HDR..];
        assert_eq!(i32::from_ne_bytes(payload[4..8].try_into().unwrap()), 7);
        let a = attrs(payload, IFINFO);
        assert_eq!(a[0], (IFLA_NET_NS_FD, &5u32.to_ne_bytes()[..]));
        assert_eq!(a[1], (IFLA_IFNAME, &b"eth9\0"[..]));
        assert_eq!(a.len(), 2);
        assert_eq!(
            attrs(&move_msg(7, 5, "x", Some(42))[NLMSG_HDR..], IFINFO)[2].0,
            IFLA_NEW_IFINDEX
        );
    }

    fn addr_payload(family: u8, scope: u8, index: u32, flags: u32, addr: &[u8]) -> Vec<u8> {
        let m = Msg(Vec::new())
            .ifaddr(family, 24, (flags & 0xff) as u8, scope, index)
            .attr(IFA_ADDRESS, addr)
            .attr(IFA_LOCAL, addr)
            .attr(3, b"veth1\0")
            .attr(IFA_FLAGS, &flags.to_ne_bytes());
        m.0
    }

    #[test]
    fn only_permanent_universe_addresses_of_the_device_are_kept() {
        let ip = [10, 1, 2, 3];
        let p = addr_payload(2, 0, 9, IFA_F_PERMANENT, &ip);
        let a = parse_addr(&p, 9).unwrap();
        assert_eq!((a.family, a.prefix, a.scope, a.flags), (2, 24, 0, 0));
        assert_eq!(
            a.attrs,
            [(IFA_ADDRESS, ip.to_vec()), (IFA_LOCAL, ip.to_vec())]
        );
        assert!(parse_addr(&p, 8).is_none(), "other interface");
        assert!(
            parse_addr(&addr_payload(2, 253, 9, IFA_F_PERMANENT, &ip), 9).is_none(),
            "link scope"
        );
        assert!(
            parse_addr(&addr_payload(2, 0, 9, 0, &ip), 9).is_none(),
            "not permanent"
        );
        // Kernel-state flags are dropped, user flags (NODAD) kept and sent in IFA_FLAGS when > 8 bits.
        let a = parse_addr(
            &addr_payload(10, 0, 9, IFA_F_PERMANENT | 0x02 | 0x200, &[0; 16]),
            9,
        )
        .unwrap();
        assert_eq!(a.flags, 0x202);
        let m = add_addr_msg(&a, 4);
        let at = attrs(&m[NLMSG_HDR..], IFADDR);
        assert_eq!(
            at.last().unwrap(),
            &(IFA_FLAGS, &0x202u32.to_ne_bytes()[..])
        );
        assert_eq!(
            u32::from_ne_bytes(m[NLMSG_HDR + 4..NLMSG_HDR + 8].try_into().unwrap()),
            4
        );
    }

    #[test]
    fn replies_are_split_and_errors_decoded() {
        let mut buf = Msg::new(RTM_NEWLINK, 0)
            .ifinfo(3, 0, 0)
            .name(IFLA_IFNAME, "lo")
            .done();
        let mut err = Msg::new(NLMSG_ERROR, 0).done();
        err.extend_from_slice(&(-libc::EEXIST).to_ne_bytes());
        let len = err.len() as u32;
        err[0..4].copy_from_slice(&len.to_ne_bytes());
        buf.extend_from_slice(&err);
        let m = messages(&buf);
        assert_eq!(m.len(), 2);
        assert_eq!(
            parse_link(m[0].1),
            Some(Link {
                index: 3,
                name: "lo".into()
            })
        );
        assert_eq!((m[1].0, errno_of(m[1].1)), (NLMSG_ERROR, libc::EEXIST));
    }
}
