//! The Kubernetes path through stockade, the way the kubelet drives it: a
//! pod sandbox and its containers created over containerd's CRI socket
//! with a `RuntimeClass`-style runtime handler, checked at each step.
//!
//!   stockade-cri-client SOCKET HANDLER IMAGE STOCKADE STOCKADE_ROOT WORKDIR
//!
//! Prints one `ok`/`FAIL` line per check and `cri-e2e: N passed, M failed`;
//! exits non-zero on any failure. Test tooling only (scripts/e2e-cri).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use hyper_util::rt::TokioIo;
use k8s_cri::v1::image_service_client::ImageServiceClient;
use k8s_cri::v1::runtime_service_client::RuntimeServiceClient;
use k8s_cri::v1::*;
use tonic::transport::{Channel, Endpoint, Uri};

struct Args {
    socket: PathBuf,
    handler: String,
    image: String,
    stockade: PathBuf,
    stockade_root: PathBuf,
    workdir: PathBuf,
}

struct Report {
    passed: usize,
    failed: Vec<String>,
}

impl Report {
    fn check(&mut self, name: &str, ok: bool, detail: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
            println!("  ok    {name}");
        } else {
            println!("  FAIL  {name}\n        {}", detail());
            self.failed.push(name.to_string());
        }
    }
}

type Rt = RuntimeServiceClient<Channel>;

const CGROUP_PARENT: &str = "/stockade-cri-e2e";

fn args() -> Args {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 6 {
        eprintln!("usage: stockade-cri-client SOCKET HANDLER IMAGE STOCKADE STOCKADE_ROOT WORKDIR");
        std::process::exit(2);
    }
    Args {
        socket: a[0].clone().into(),
        handler: a[1].clone(),
        image: a[2].clone(),
        stockade: a[3].clone().into(),
        stockade_root: a[4].clone().into(),
        workdir: a[5].clone().into(),
    }
}

async fn connect(socket: &Path) -> Channel {
    let socket = socket.to_path_buf();
    Endpoint::try_from("http://[::]:50051")
        .expect("endpoint")
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let s = socket.clone();
            async move {
                Ok::<_, std::io::Error>(TokioIo::new(tokio::net::UnixStream::connect(s).await?))
            }
        }))
        .await
        .unwrap_or_else(|e| {
            println!("  FAIL  connect to the CRI socket: {e}");
            println!("cri-e2e: 0 passed, 1 failed");
            std::process::exit(1)
        })
}

/// Ids stockade itself lists under the handler's state root.
fn stockade_ids(a: &Args) -> Vec<String> {
    let out = Command::new(&a.stockade)
        .arg("--root")
        .arg(&a.stockade_root)
        .args(["list", "--quiet"])
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}

async fn state_of(rt: &mut Rt, id: &str) -> Option<ContainerStatus> {
    let r = rt
        .container_status(ContainerStatusRequest {
            container_id: id.into(),
            verbose: false,
        })
        .await
        .ok()?;
    r.into_inner().status
}

async fn wait_state(rt: &mut Rt, id: &str, want: ContainerState) -> Option<ContainerStatus> {
    let t = Instant::now();
    loop {
        let s = state_of(rt, id).await;
        if s.as_ref().is_some_and(|s| s.state == want as i32)
            || t.elapsed() > Duration::from_secs(20)
        {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The pids left in a container's cgroup, in any hierarchy.
fn cgroup_pids(container_id: &str) -> Vec<String> {
    let mut pids = Vec::new();
    if let Ok(dirs) = std::fs::read_dir("/sys/fs/cgroup") {
        let roots: Vec<PathBuf> = dirs
            .flatten()
            .map(|d| d.path())
            .chain([PathBuf::from("/sys/fs/cgroup")])
            .collect();
        for r in roots {
            let procs = r
                .join(CGROUP_PARENT.trim_start_matches('/'))
                .join(container_id)
                .join("cgroup.procs");
            if let Ok(t) = std::fs::read_to_string(procs) {
                pids.extend(t.lines().map(String::from));
            }
        }
    }
    pids.sort();
    pids.dedup();
    pids
}

fn container_config(name: &str, image: &str, command: &[&str]) -> ContainerConfig {
    ContainerConfig {
        metadata: Some(ContainerMetadata {
            name: name.into(),
            attempt: 0,
        }),
        image: Some(ImageSpec {
            image: image.into(),
            ..Default::default()
        }),
        command: command.iter().map(|s| s.to_string()).collect(),
        log_path: format!("{name}.log"),
        linux: Some(LinuxContainerConfig::default()),
        ..Default::default()
    }
}

async fn create_start(
    rt: &mut Rt,
    r: &mut Report,
    pod: &str,
    sandbox: &PodSandboxConfig,
    cfg: ContainerConfig,
) -> Option<String> {
    let name = cfg
        .metadata
        .as_ref()
        .map(|m| m.name.clone())
        .unwrap_or_default();
    let created = rt
        .create_container(CreateContainerRequest {
            pod_sandbox_id: pod.into(),
            config: Some(cfg),
            sandbox_config: Some(sandbox.clone()),
        })
        .await;
    let id = match created {
        Ok(c) => c.into_inner().container_id,
        Err(e) => {
            r.check(&format!("CreateContainer {name}"), false, || {
                e.message().to_string()
            });
            return None;
        }
    };
    r.check(&format!("CreateContainer {name}"), true, String::new);
    let started = rt
        .start_container(StartContainerRequest {
            container_id: id.clone(),
        })
        .await
        .map_err(|e| e.message().to_string());
    let ok = started.is_ok();
    r.check(&format!("StartContainer {name}"), ok, || {
        format!("{started:?}")
    });
    ok.then_some(id)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = args();
    let channel = connect(&a.socket).await;
    let mut rt = RuntimeServiceClient::new(channel.clone());
    let mut img = ImageServiceClient::new(channel);
    let mut r = Report {
        passed: 0,
        failed: Vec::new(),
    };

    let v = rt
        .version(VersionRequest {
            version: "v1".into(),
        })
        .await;
    r.check("Version answers over CRI v1", v.is_ok(), || {
        format!("{v:?}")
    });
    let st = img
        .image_status(ImageStatusRequest {
            image: Some(ImageSpec {
                image: a.image.clone(),
                ..Default::default()
            }),
            verbose: false,
        })
        .await
        .map(|s| s.into_inner().image.is_some());
    r.check(
        "ImageStatus: the locally imported image is known",
        matches!(st, Ok(true)),
        || format!("{st:?}"),
    );

    let log_dir = a.workdir.join("pod-logs");
    let _ = std::fs::create_dir_all(&log_dir);
    let sandbox = PodSandboxConfig {
        metadata: Some(PodSandboxMetadata {
            name: "e2e-pod".into(),
            uid: "e2e-pod-uid".into(),
            namespace: "default".into(),
            attempt: 0,
        }),
        // The kubelet sends no hostname for a host-network pod.
        log_directory: log_dir.to_string_lossy().into_owned(),
        linux: Some(LinuxPodSandboxConfig {
            cgroup_parent: CGROUP_PARENT.into(),
            security_context: Some(LinuxSandboxSecurityContext {
                // Host network (no CNI here); one PID namespace for the pod,
                // as with shareProcessNamespace: true.
                namespace_options: Some(NamespaceOption {
                    network: NamespaceMode::Node as i32,
                    pid: NamespaceMode::Pod as i32,
                    ipc: NamespaceMode::Pod as i32,
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let pod = rt
        .run_pod_sandbox(RunPodSandboxRequest {
            config: Some(sandbox.clone()),
            runtime_handler: a.handler.clone(),
        })
        .await;
    let pod = match pod {
        Ok(p) => p.into_inner().pod_sandbox_id,
        Err(e) => {
            r.check(
                &format!("RunPodSandbox with runtime handler `{}`", a.handler),
                false,
                || e.message().to_string(),
            );
            finish(&r)
        }
    };
    r.check(
        &format!("RunPodSandbox with runtime handler `{}`", a.handler),
        true,
        String::new,
    );
    let ids = stockade_ids(&a);
    r.check(
        "the sandbox runs through stockade (stockade list)",
        ids.contains(&pod),
        || format!("{ids:?}"),
    );

    // --- a container: create, start, exec, logs, stop, remove --------------------
    let app = create_start(
        &mut rt,
        &mut r,
        &pod,
        &sandbox,
        container_config(
            "app",
            &a.image,
            &[
                "sh",
                "-c",
                "echo hello-from-cri; trap 'exit 0' TERM; while :; do sleep 0.1; done",
            ],
        ),
    )
    .await;
    if let Some(app) = &app {
        let s = wait_state(&mut rt, app, ContainerState::ContainerRunning).await;
        r.check(
            "ContainerStatus: RUNNING",
            s.as_ref()
                .is_some_and(|s| s.state == ContainerState::ContainerRunning as i32),
            || format!("{s:?}"),
        );
        let ids = stockade_ids(&a);
        r.check(
            "the container runs through stockade (stockade list)",
            ids.contains(app),
            || format!("{ids:?}"),
        );
        let ex = rt
            .exec_sync(ExecSyncRequest {
                container_id: app.clone(),
                cmd: vec!["sh".into(), "-c".into(), "echo inside; exit 3".into()],
                timeout: 10,
            })
            .await
            .map(|x| x.into_inner());
        r.check(
            "ExecSync: output and exit code (3)",
            ex.as_ref()
                .is_ok_and(|x| x.stdout == b"inside\n" && x.exit_code == 3),
            || format!("{ex:?}"),
        );
        let log = log_dir.join("app.log");
        let t = Instant::now();
        let mut text = String::new();
        while t.elapsed() < Duration::from_secs(10) {
            text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains("stdout F hello-from-cri") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        r.check(
            "container log in the CRI format (stdout F hello-from-cri)",
            text.contains("stdout F hello-from-cri"),
            || text.clone(),
        );
        let stop = rt
            .stop_container(StopContainerRequest {
                container_id: app.clone(),
                timeout: 10,
            })
            .await;
        r.check("StopContainer", stop.is_ok(), || format!("{stop:?}"));
        let s = wait_state(&mut rt, app, ContainerState::ContainerExited).await;
        r.check(
            "ContainerStatus: EXITED with the TERM trap's status 0",
            s.as_ref().is_some_and(|s| {
                s.state == ContainerState::ContainerExited as i32 && s.exit_code == 0
            }),
            || format!("{s:?}"),
        );
        let rm = rt
            .remove_container(RemoveContainerRequest {
                container_id: app.clone(),
            })
            .await;
        r.check("RemoveContainer", rm.is_ok(), || format!("{rm:?}"));
        let ids = stockade_ids(&a);
        r.check(
            "stockade no longer lists the container",
            !ids.contains(app),
            || format!("{ids:?}"),
        );
    }

    // --- shared PID namespace: what an exited init left behind is killed --------------
    let joiner = create_start(
        &mut rt,
        &mut r,
        &pod,
        &sandbox,
        container_config("joiner", &a.image, &["sh", "-c", "sleep 1000 & exit 0"]),
    )
    .await;
    if let Some(j) = &joiner {
        let s = wait_state(&mut rt, j, ContainerState::ContainerExited).await;
        r.check(
            "pod-shared PID namespace: the init exits (EXITED)",
            s.as_ref()
                .is_some_and(|s| s.state == ContainerState::ContainerExited as i32),
            || format!("{s:?}"),
        );
        let t = Instant::now();
        let mut left = cgroup_pids(j);
        while !left.is_empty() && t.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(100)).await;
            left = cgroup_pids(j);
        }
        r.check(
            "its background child is killed (kill --all from the shim), nothing left in its cgroup",
            left.is_empty(),
            || format!("pids {left:?}"),
        );
        let rm = rt
            .remove_container(RemoveContainerRequest {
                container_id: j.clone(),
            })
            .await;
        r.check("RemoveContainer (joiner)", rm.is_ok(), || format!("{rm:?}"));
    }

    let stop = rt
        .stop_pod_sandbox(StopPodSandboxRequest {
            pod_sandbox_id: pod.clone(),
        })
        .await;
    r.check("StopPodSandbox", stop.is_ok(), || format!("{stop:?}"));
    let rm = rt
        .remove_pod_sandbox(RemovePodSandboxRequest {
            pod_sandbox_id: pod.clone(),
        })
        .await;
    r.check("RemovePodSandbox", rm.is_ok(), || format!("{rm:?}"));
    let ids = stockade_ids(&a);
    r.check(
        "nothing left in stockade's state root",
        ids.is_empty(),
        || format!("{ids:?}"),
    );
    finish(&r)
}

fn finish(r: &Report) -> ! {
    if !r.failed.is_empty() {
        println!("cri-e2e failures: {}", r.failed.join(", "));
    }
    println!("cri-e2e: {} passed, {} failed", r.passed, r.failed.len());
    std::process::exit(if r.failed.is_empty() { 0 } else { 1 })
}
