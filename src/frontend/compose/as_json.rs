//! A Compose file as compose-go validates it against the compose-spec JSON schema
//! (`loader/loader.go` `loadYamlFile`: decode, interpolate with the type casts, then
//! `schema.Validate`): each Compose document interpolated (`interpolate.rs`), cast
//! (`coerce.rs`), and typed as go-yaml v3 types plain scalars (`yaml::json`). The schema
//! test checks that every file cinch accepts is valid in this form.

use crate::diag::Diagnostics;
use crate::frontend::{DocKind, Options, sniff};
use crate::input::SourceFile;
use crate::yaml::{self, json};

use super::{Ctx, environment};

/// The Compose documents of `src`, as JSON, after interpolation and compose-go's casts.
/// Problems reading it go to `diags`.
pub fn interpolated_documents(
    src: &SourceFile,
    opts: &Options,
    diags: &mut Diagnostics,
) -> Vec<serde_json::Value> {
    let docs = match yaml::load(&src.text) {
        Ok(d) => d,
        Err(e) => {
            diags.push(e.to_diagnostic(&src.display));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for doc in docs {
        if sniff(&doc.root) != DocKind::Compose {
            continue;
        }
        let mut vars = environment(src, opts, diags);
        let mut ctx = Ctx::new(diags);
        let index = ctx.add_file(
            &mut vars,
            doc.root,
            &src.display,
            &src.dir,
            &src.dir_display,
        );
        let root = &ctx.files[index as usize].root;
        out.push(json::to_json(root, json::Schema::Yaml12).value);
    }
    out
}
