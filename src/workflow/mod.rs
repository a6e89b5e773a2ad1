//! Workflows built on the model and the backends: comparing, explaining, linting.
//! A workflow never re-implements a backend.

pub mod audit;
pub mod check;
pub mod diff;
pub mod explain;
pub mod facts;
pub mod git;
pub mod inspect;
pub mod lint;
