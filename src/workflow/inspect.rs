//! `cinch inspect`'s JSON: exactly the bytes of `serde_json::to_writer_pretty(model)`, but
//! with the workloads (nine tenths of the text) formatted in parallel chunks and written in
//! model order. One core formatting 10,000 workloads' 180 MB took a third of a second, a
//! quarter of the command (issue 17). A window of chunks at a time bounds the memory.

use std::io::Write;

use rayon::prelude::*;
use serde::Serialize;

use crate::intent::{Model, Workload};

/// Workloads per chunk formatted by one task (~20 KB each in the realistic benchmark).
const CHUNK: usize = 16;
/// Chunks formatted before they are written: enough to keep both cores busy, few enough
/// that the text waiting to be written stays a few MB.
const WINDOW: usize = 8;

/// The model as pretty JSON, with a final newline. The workloads are lent out while the
/// rest is formatted and are back in `model` when this returns, error or not.
pub fn write_pretty(model: &mut Model, out: &mut impl Write) -> serde_json::Result<()> {
    write_chunked(model, out, CHUNK, WINDOW)
}

fn write_chunked(
    model: &mut Model,
    out: &mut impl Write,
    chunk: usize,
    window: usize,
) -> serde_json::Result<()> {
    let workloads = std::mem::take(&mut model.workloads);
    let result = write_parts(model, &workloads, out, chunk, window);
    model.workloads = workloads;
    result
}

/// The first field of [`Model`] as serde_json's pretty printer writes it: the frame the
/// workloads are put into (for the model without them, and for each chunk of them).
const OPEN: &[u8] = b"{\n  \"workloads\": [";
/// A chunk's closing: the array's and the object's.
const CLOSE: &[u8] = b"\n  ]\n}";
/// How the model without its workloads begins.
const EMPTY: &[u8] = b"{\n  \"workloads\": []";

/// `rest` is the model without its workloads.
fn write_parts(
    rest: &Model,
    workloads: &[Workload],
    out: &mut impl Write,
    chunk: usize,
    window: usize,
) -> serde_json::Result<()> {
    if workloads.is_empty() {
        serde_json::to_writer_pretty(&mut *out, rest)?;
        return put(out, b"\n");
    }
    put(out, OPEN)?;
    // One buffer per chunk of a window, reused window after window: fresh buffers grown
    // by doubling cost more copying and page faults than the formatting saved.
    let mut texts: Vec<Vec<u8>> = vec![Vec::new(); window];
    for (i, batch) in workloads.chunks(chunk * window).enumerate() {
        batch
            .par_chunks(chunk)
            .zip(texts.par_iter_mut())
            .try_for_each(|(workloads, text)| format_chunk(workloads, text))?;
        for (j, text) in texts.iter().take(batch.len().div_ceil(chunk)).enumerate() {
            // Each chunk's text begins with its own first workload's "\n    {".
            if i + j > 0 {
                put(out, b",")?;
            }
            put(out, &text[OPEN.len()..text.len() - CLOSE.len()])?;
        }
    }
    put(out, b"\n  ]")?;
    // The rest (`,\n  "services": …}`), streamed: Services alone are megabytes.
    let mut after = After {
        out: &mut *out,
        skip: EMPTY,
    };
    serde_json::to_writer_pretty(&mut after, rest)?;
    put(out, b"\n")
}

/// Passes what is written on to `out`, less a first `skip`, which it checks.
struct After<'a, W> {
    out: &'a mut W,
    skip: &'static [u8],
}

impl<W: Write> Write for After<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.skip.is_empty() {
            return self.out.write(buf);
        }
        let n = self.skip.len().min(buf.len());
        if buf[..n] != self.skip[..n] {
            return Err(std::io::Error::other(
                "`workloads` is not the model's first field",
            ));
        }
        self.skip = &self.skip[n..];
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

fn put(out: &mut impl Write, bytes: &[u8]) -> serde_json::Result<()> {
    out.write_all(bytes).map_err(serde_json::Error::io)
}

/// A chunk of workloads, framed as the model frames them, so that each workload is indented
/// at the depth it has in the whole model.
fn format_chunk(workloads: &[Workload], text: &mut Vec<u8>) -> serde_json::Result<()> {
    #[derive(Serialize)]
    struct Frame<'a> {
        workloads: &'a [Workload],
    }
    text.clear();
    serde_json::to_writer_pretty(&mut *text, &Frame { workloads })?;
    debug_assert!(text.starts_with(OPEN) && text.ends_with(CLOSE));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(inputs: &[&str]) -> Model {
        let args = crate::cli::InputArgs {
            inputs: inputs.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        };
        let mut diags = crate::diag::Diagnostics::new();
        crate::load_model(
            &args,
            &Default::default(),
            &mut std::io::empty(),
            &mut diags,
        )
    }

    /// Byte for byte serde_json's own pretty text, for every way of cutting the workloads
    /// into chunks and windows, and for a model without workloads.
    #[test]
    fn same_bytes_as_one_pretty_print() {
        let mut m = model(&["testdata/kubernetes", "testdata/compose"]);
        assert!(m.workloads.len() > 20, "{}", m.workloads.len());
        let mut whole = serde_json::to_vec_pretty(&m).unwrap();
        whole.push(b'\n');
        for (chunk, window) in [(1, 1), (2, 3), (7, 2), (16, 8), (1000, 1)] {
            let mut out = Vec::new();
            write_chunked(&mut m, &mut out, chunk, window).unwrap();
            assert!(out == whole, "chunk {chunk}, window {window}");
        }
        m.workloads.truncate(1);
        let mut one = serde_json::to_vec_pretty(&m).unwrap();
        one.push(b'\n');
        let mut out = Vec::new();
        write_pretty(&mut m, &mut out).unwrap();
        assert!(out == one);
        m.workloads.clear();
        let mut none = serde_json::to_vec_pretty(&m).unwrap();
        none.push(b'\n');
        let mut out = Vec::new();
        write_pretty(&mut m, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(none).unwrap()
        );
    }
}
