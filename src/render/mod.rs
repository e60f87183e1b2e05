//! The renderer: one module per pass. Being written.
