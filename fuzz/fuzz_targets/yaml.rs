//! The marked YAML loader and the serde decoder over it: no panic, no hang, bounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Skipping (a one-letter kind, so the fuzzer finds it) must never panic either.
    let _ = cinch::yaml::load_skipping(text, &["K"], cinch::yaml::json::Schema::Yaml11);
    if let Ok(docs) = cinch::yaml::load(text) {
        for doc in &docs {
            let _ = cinch::yaml::from_node::<k8s_like::Pod>(&doc.root, cinch::yaml::json::Schema::Yaml11);
        }
    }
});

/// A typed shape with nested structs, options, lists, numbers and enums-as-strings, so the
/// decoder's paths are exercised without pulling k8s-openapi into the fuzz build.
mod k8s_like {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    pub struct Pod {
        #[serde(rename = "apiVersion")]
        api_version: Option<String>,
        metadata: Option<std::collections::BTreeMap<String, serde_json::Value>>,
        spec: Option<Spec>,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    pub struct Spec {
        containers: Vec<Container>,
        #[serde(rename = "hostNetwork")]
        host_network: Option<bool>,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    pub struct Container {
        name: String,
        ports: Option<Vec<Port>>,
        args: Option<Vec<String>>,
    }
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    pub struct Port {
        #[serde(rename = "containerPort")]
        container_port: i32,
        protocol: Option<String>,
    }
}
