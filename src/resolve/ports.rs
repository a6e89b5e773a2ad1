//! Default ports of well-known images. A workload that declares no port (`image: redis`,
//! no `expose:`) but that another workload reaches without naming a port (`depends_on:
//! [cache]`, `REDIS_HOST: cache`) listens where its image listens by default; without this,
//! the NetworkPolicy could allow nothing for that connection.
//!
//! Only official images whose port is a documented constant are listed (Docker Hub pages of
//! each image: "This image exposes port …"); anything else stays unknown and is reported.

use crate::intent::{Listen, ListenOrigin, Model, PeerTarget, Protocol, Provenance};

const DEFAULT_PORTS: &[(&str, u16)] = &[
    ("nginx", 80),
    ("nginx-unprivileged", 8080),
    ("httpd", 80),
    ("caddy", 80),
    ("traefik", 80),
    ("haproxy", 80),
    ("redis", 6379),
    ("valkey", 6379),
    ("postgres", 5432),
    ("postgis", 5432),
    ("mysql", 3306),
    ("mariadb", 3306),
    ("mongo", 27017),
    ("rabbitmq", 5672),
    ("memcached", 11211),
    ("elasticsearch", 9200),
    ("opensearch", 9200),
    ("zookeeper", 2181),
    ("influxdb", 8086),
    ("couchdb", 5984),
    ("cassandra", 9042),
    ("nats", 4222),
    ("consul", 8500),
    ("vault", 8200),
    ("grafana", 3000),
    ("prometheus", 9090),
    ("minio", 9000),
];

pub fn default_port(image_short_name: &str) -> Option<u16> {
    DEFAULT_PORTS
        .iter()
        .find(|(n, _)| *n == image_short_name)
        .map(|(_, p)| *p)
}

/// Give reached-but-portless workloads their image's default port (see module doc).
pub fn infer(model: &mut Model) {
    let reached: std::collections::BTreeSet<String> = model
        .workloads
        .iter()
        .flat_map(|w| w.network.peers.iter())
        .filter(|p| p.port.is_none())
        .filter_map(|p| match &p.target {
            PeerTarget::Workload { id } => Some(id.clone()),
            PeerTarget::External { .. } => None,
        })
        .collect();
    for w in model
        .workloads
        .iter_mut()
        .filter(|w| reached.contains(&w.id))
    {
        if w.containers.iter().any(|c| !c.listens.is_empty()) {
            continue;
        }
        let Some(c) = w.containers.first_mut() else {
            continue;
        };
        let Some(image) = &c.image else { continue };
        let name = image.value.short_name().to_owned();
        let Some(port) = default_port(&name) else {
            continue;
        };
        let at = match image.at.location() {
            Some(at) => {
                let mut at = at.clone();
                at.field = format!("{} ({name} listens on {port} by default)", at.field).into();
                Provenance::cited(at, image.at.vias().to_vec())
            }
            None => image.at.clone(),
        };
        c.listens.push(Listen {
            port,
            protocol: Protocol::Tcp,
            name: None,
            origin: ListenOrigin::Inferred,
            published: Vec::new(),
            at,
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_images_only() {
        assert_eq!(super::default_port("redis"), Some(6379));
        assert_eq!(super::default_port("my-redis-fork"), None);
    }
}
