//! The realistic shape (issue 17): workloads the size and field mix of real ones, where the
//! small shape (`synth::generate`, ~800 bytes a workload) was a floor-friendly sketch.
//!
//! - Kubernetes (half the workloads): a Deployment with labels and annotations, a service
//!   account, probes, resources, a read-only root with an emptyDir `/tmp`, two ports, three
//!   `*_ADDR`/`*_URL` references to other Services of its namespace, a ConfigMap mounted and
//!   read through `envFrom` and `configMapKeyRef`; a fifth of them with a sidecar. A Service
//!   with two ports. The ConfigMap (with URLs naming other Services) is among the inputs for
//!   every other workload only, so half of them draw the `unresolved` note of issue 17.
//!   About 4 KB a workload, as the measured example; `shapes` prints the median.
//! - Compose (three tenths): projects of 5–30 services with environment, volumes,
//!   healthchecks, `deploy.resources`, labels and logging; a third build a Dockerfile.
//! - Lone multi-stage Dockerfiles (the rest), as in the small shape.
//!
//! Deterministic for a given seed.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use super::{Counts, IMAGES, Rng, dockerfile};

/// Write a realistic monorepo of about `n` workloads under `root`.
pub fn generate(root: &Path, n: usize, seed: u64) -> Counts {
    let mut rng = Rng::new(seed);
    let mut counts = Counts::default();
    let mut write = |rel: String, text: String| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        counts.files += 1;
        counts.bytes += text.len();
        fs::write(path, text).unwrap();
    };
    let k8s = n / 2;
    let compose = n * 3 / 10;
    let lone = n - k8s - compose;
    for i in 0..k8s {
        let ns = format!("team-{}", i / 20);
        write(
            format!("k8s/{ns}/svc-{i}.yaml"),
            deployment(&mut rng, i, k8s),
        );
    }
    let mut done = 0;
    let mut project = 0;
    while done < compose {
        let size = (5 + rng.below(26) as usize).min(compose - done);
        let (text, builds) = project_file(&mut rng, project, size);
        for (s, port) in builds {
            write(
                format!("compose/app-{project}/s{s}/Dockerfile"),
                dockerfile(&mut rng, port),
            );
        }
        write(format!("compose/app-{project}/compose.yaml"), text);
        done += size;
        project += 1;
    }
    for i in 0..lone {
        let text = dockerfile(&mut rng, 9000 + (i % 100) as u16);
        write(format!("images/img-{i}/Dockerfile"), text);
    }
    counts.workloads = n;
    counts
}

/// One Kubernetes workload: Deployment, Service and (every other one) its ConfigMap.
fn deployment(rng: &mut Rng, i: usize, k8s: usize) -> String {
    let ns = format!("team-{}", i / 20);
    let name = format!("svc-{i}");
    let port = 8000 + (i % 50) as u16;
    let image = IMAGES[rng.below(IMAGES.len() as u64) as usize];
    let peer = |rng: &mut Rng| {
        let j = ((i / 20) * 20 + rng.below(20) as usize).min(k8s - 1);
        (j, 8000 + (j % 50) as u16)
    };
    let mut env = String::new();
    for r in 0..3 {
        let (j, p) = peer(rng);
        let value = match r {
            0 => format!("svc-{j}:{p}"),
            1 => format!("http://svc-{j}.{ns}.svc.cluster.local:{p}/api"),
            _ => format!("svc-{j}.{ns}:{p}"),
        };
        let var = if r == 1 { "URL" } else { "ADDR" };
        let _ = write!(
            env,
            "            - name: SVC_{j}_{var}\n              value: \"{value}\"\n"
        );
    }
    for (k, v) in [
        ("LOG_LEVEL", "info"),
        ("LOG_FORMAT", "json"),
        ("GOMAXPROCS", "2"),
    ] {
        let _ = write!(
            env,
            "            - name: {k}\n              value: \"{v}\"\n"
        );
    }
    let _ = write!(
        env,
        "            - name: FEATURE_FLAGS\n              valueFrom:\n                configMapKeyRef:\n                  name: {name}-config\n                  key: flags\n            - name: POD_NAME\n              valueFrom:\n                fieldRef:\n                  fieldPath: metadata.name\n"
    );
    let sidecar = if rng.below(5) == 0 {
        "          - name: log-shipper
            image: fluent/fluent-bit:3.1
            args: [\"--config\", \"/fluent-bit/etc/fluent-bit.conf\"]
            resources:
              requests: {cpu: 20m, memory: 32Mi}
              limits: {cpu: 100m, memory: 64Mi}
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              capabilities: {drop: [ALL]}
            volumeMounts:
              - name: tmp
                mountPath: /tmp
"
    } else {
        ""
    };
    let mut text = format!(
        "# {name}: part of the {ns} services; owned by team {ns}.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: {ns}
    app.kubernetes.io/version: \"2.{i}.0\"
    app.kubernetes.io/managed-by: kustomize
  annotations:
    deployment.kubernetes.io/revision: \"3\"
    example.com/owner: {ns}@example.com
spec:
  replicas: 2
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
        app.kubernetes.io/part-of: {ns}
      annotations:
        prometheus.io/scrape: \"true\"
        prometheus.io/port: \"9090\"
    spec:
      serviceAccountName: {name}
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        fsGroup: 1000
        seccompProfile: {{type: RuntimeDefault}}
      containers:
          - name: server
            image: {image}
            imagePullPolicy: IfNotPresent
            args: [\"serve\", \"--port={port}\", \"--metrics-port=9090\"]
            ports:
              - name: http
                containerPort: {port}
                protocol: TCP
              - name: metrics
                containerPort: 9090
                protocol: TCP
            env:
{env}            envFrom:
              - configMapRef:
                  name: {name}-config
            livenessProbe:
              httpGet: {{path: /healthz, port: http}}
              initialDelaySeconds: 10
              periodSeconds: 10
              failureThreshold: 3
            readinessProbe:
              httpGet: {{path: /ready, port: http}}
              periodSeconds: 5
            startupProbe:
              tcpSocket: {{port: http}}
              failureThreshold: 30
              periodSeconds: 2
            resources:
              requests: {{cpu: 100m, memory: 128Mi}}
              limits: {{cpu: \"1\", memory: 512Mi}}
            securityContext:
              allowPrivilegeEscalation: false
              readOnlyRootFilesystem: true
              capabilities: {{drop: [ALL]}}
            volumeMounts:
              - name: tmp
                mountPath: /tmp
              - name: config
                mountPath: /etc/{name}
                readOnly: true
{sidecar}      volumes:
        - name: tmp
          emptyDir: {{sizeLimit: 64Mi}}
        - name: config
          configMap:
            name: {name}-config
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: {port}
      targetPort: http
    - name: metrics
      port: 9090
      targetPort: metrics
"
    );
    if i.is_multiple_of(2) {
        let (j, p) = peer(rng);
        let _ = write!(
            text,
            "---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: {ns}
data:
  flags: \"new-checkout,fast-search\"
  UPSTREAM_URL: \"http://svc-{j}.{ns}.svc.cluster.local:{p}\"
  CACHE_TTL: \"300\"
  config.yaml: |
    server:
      port: {port}
      shutdownTimeout: 20s
    upstream:
      url: http://svc-{j}:{p}/v1
      timeout: 2s
    tracing:
      endpoint: otel-collector.observability:4317
"
        );
    }
    text
}

/// One Compose project of `size` services; the services that build, with their ports.
fn project_file(rng: &mut Rng, project: usize, size: usize) -> (String, Vec<(usize, u16)>) {
    let mut text = format!(
        "name: app-{project}\nx-logging: &logging\n  driver: json-file\n  options: {{max-size: 10m, max-file: \"3\"}}\nservices:\n"
    );
    let mut builds = Vec::new();
    for s in 0..size {
        let image = IMAGES[rng.below(IMAGES.len() as u64) as usize];
        let port = 3000 + s as u16;
        let source = if rng.below(3) == 0 {
            builds.push((s, port));
            format!("    build:\n      context: ./s{s}\n      args:\n        VERSION: \"1.{s}\"\n")
        } else {
            format!("    image: {image}\n")
        };
        let _ = write!(
            text,
            "  s{s}:\n{source}    user: \"1000:1000\"\n    read_only: true\n    tmpfs: [/tmp]\n    cap_drop: [ALL]\n    security_opt: [\"no-new-privileges:true\"]\n    expose: [\"{port}\"]\n    restart: unless-stopped\n    logging: *logging\n    labels:\n      com.example.team: app-{project}\n      com.example.tier: \"{}\"\n    volumes:\n      - data-s{s}:/var/lib/s{s}\n      - ./s{s}/config:/etc/s{s}:ro\n    deploy:\n      resources:\n        limits: {{cpus: \"0.5\", memory: 256M}}\n",
            s % 3
        );
        let _ = write!(
            text,
            "    environment:\n      LOG_LEVEL: info\n      PORT: \"{port}\"\n"
        );
        if s > 0 {
            let dep = rng.below(s as u64);
            let other = rng.below(s as u64);
            let _ = write!(
                text,
                "      UPSTREAM_URL: http://s{dep}:{}/\n      OTHER_ADDR: s{other}:{}\n    depends_on:\n      s{dep}:\n        condition: service_healthy\n",
                3000 + dep,
                3000 + other
            );
        } else {
            let _ = write!(
                text,
                "    ports:\n      - \"{}:{port}\"\n",
                8000 + project % 1000
            );
        }
        let _ = write!(
            text,
            "    healthcheck:\n      test: [\"CMD\", \"/bin/health\", \"{port}\"]\n      interval: 10s\n      timeout: 3s\n      retries: 5\n"
        );
    }
    text.push_str("volumes:\n");
    for s in 0..size {
        let _ = writeln!(text, "  data-s{s}: {{}}");
    }
    (text, builds)
}
