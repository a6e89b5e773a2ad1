//! A synthetic monorepo for benchmarks: N workloads as a mix modelled on the shapes in
//! `../shared/corpus` — Kubernetes Deployment + Service pairs (one file, `---` separated, env
//! references to other Services as in microservices-demo's `*_ADDR`), Compose projects
//! (depends_on, URLs in environment, ports, healthchecks, some services `build:` a
//! Dockerfile), and lone multi-stage Dockerfiles. Deterministic for a given seed. This is the
//! small shape; `realistic` is the larger one of issue 17.

pub mod floor;
// Used by benches/shapes.rs only; each bench compiles this module on its own.
#[allow(dead_code)]
pub mod realistic;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// xorshift64*: tiny, deterministic, good enough to vary shapes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub const IMAGES: &[&str] = &[
    "nginx:1.27-alpine",
    "redis:7.4",
    "postgres:16",
    "python:3.12-slim",
    "node:22-alpine",
    "eclipse-temurin:21-jre",
    "gcr.io/distroless/static-debian12:nonroot",
    "example/service:2.3.1",
];

/// What was written.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub workloads: usize,
    pub files: usize,
    pub bytes: usize,
}

/// Write a monorepo of about `n` workloads under `root`.
pub fn generate(root: &Path, n: usize, seed: u64) -> Counts {
    let mut rng = Rng::new(seed);
    let mut counts = Counts::default();
    let write = |rel: String, text: String, counts: &mut Counts| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        counts.files += 1;
        counts.bytes += text.len();
        fs::write(path, text).unwrap();
    };
    let k8s = n / 2;
    let compose = n * 3 / 10;
    let lone = n - k8s - compose;

    // Kubernetes: namespaces of 20 services that call each other.
    for i in 0..k8s {
        let ns = format!("team-{}", i / 20);
        let name = format!("svc-{i}");
        let port = 8000 + (i % 50) as u16;
        let image = IMAGES[rng.below(IMAGES.len() as u64) as usize];
        let mut env = String::new();
        for _ in 0..rng.below(4) {
            let j = (i / 20) * 20 + rng.below(20) as usize;
            if j != i && j < k8s {
                let form = rng.below(3);
                let target_port = 8000 + (j % 50) as u16;
                let value = match form {
                    0 => format!("svc-{j}:{target_port}"),
                    1 => format!("http://svc-{j}.{ns}.svc.cluster.local:{target_port}/api"),
                    _ => format!("svc-{j}.{ns}:{target_port}"),
                };
                let _ = write!(
                    env,
                    "        - name: SVC_{j}_ADDR\n          value: \"{value}\"\n"
                );
            }
        }
        let env = if env.is_empty() {
            String::new()
        } else {
            format!("        env:\n{env}")
        };
        let read_only = if rng.below(2) == 0 { "true" } else { "false" };
        let text = format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app: {name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
      containers:
      - name: server
        image: {image}
        ports:
        - name: http
          containerPort: {port}
{env}        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: {read_only}
          capabilities:
            drop: [ALL]
        readinessProbe:
          httpGet:
            path: /healthz
            port: http
        resources:
          requests:
            cpu: 100m
            memory: 64Mi
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    app: {name}
  ports:
  - name: http
    port: {port}
    targetPort: http
"
        );
        write(format!("k8s/{ns}/{name}.yaml"), text, &mut counts);
        counts.workloads += 1;
    }

    // Compose projects of 8 services.
    let mut done = 0;
    let mut project = 0;
    while done < compose {
        let size = (compose - done).min(8);
        let mut text = format!("name: app-{project}\nservices:\n");
        for s in 0..size {
            let image = IMAGES[rng.below(IMAGES.len() as u64) as usize];
            let port = 3000 + s as u16;
            let builds = rng.below(3) == 0;
            let source = if builds {
                let dockerfile = dockerfile(&mut rng, port);
                write(
                    format!("compose/app-{project}/s{s}/Dockerfile"),
                    dockerfile,
                    &mut counts,
                );
                format!(
                    "    build:\n      context: ./s{s}\n      args:\n        VERSION: \"1.{s}\"\n"
                )
            } else {
                format!("    image: {image}\n")
            };
            let _ = write!(
                text,
                "  s{s}:\n{source}    user: \"1000\"\n    read_only: true\n    tmpfs: [/tmp]\n    cap_drop: [ALL]\n    expose: [\"{port}\"]\n"
            );
            if s > 0 {
                let dep = rng.below(s as u64);
                let _ = write!(
                    text,
                    "    depends_on:\n      s{dep}:\n        condition: service_healthy\n    environment:\n      UPSTREAM_URL: http://s{dep}:{}/\n      LOG_LEVEL: info\n",
                    3000 + dep
                );
            } else {
                let _ = write!(text, "    ports:\n      - \"{}:{port}\"\n", 8000 + project);
            }
            let _ = write!(
                text,
                "    healthcheck:\n      test: [\"CMD\", \"/bin/health\", \"{port}\"]\n      interval: 10s\n"
            );
        }
        write(
            format!("compose/app-{project}/compose.yaml"),
            text,
            &mut counts,
        );
        counts.workloads += size;
        done += size;
        project += 1;
    }

    // Lone Dockerfiles.
    for i in 0..lone {
        let text = dockerfile(&mut rng, 9000 + (i % 100) as u16);
        write(format!("images/img-{i}/Dockerfile"), text, &mut counts);
        counts.workloads += 1;
    }
    counts
}

pub fn dockerfile(rng: &mut Rng, port: u16) -> String {
    let base = [
        "golang:1.24-alpine",
        "node:22-alpine",
        "python:3.12-slim",
        "rust:1.85",
    ][rng.below(4) as usize];
    format!(
        "# syntax=docker/dockerfile:1
ARG VERSION=1.0
FROM {base} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache \\
    make build VERSION=${{VERSION}} && \\
    strip /src/out/app
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION
ENV APP_VERSION=${{VERSION}} PORT={port}
COPY --from=build /src/out/app /app
USER 65532:65532
EXPOSE ${{PORT}}
HEALTHCHECK --interval=30s CMD [\"/app\", \"health\"]
ENTRYPOINT [\"/app\"]
CMD [\"serve\", \"--port\", \"{port}\"]
"
    )
}
