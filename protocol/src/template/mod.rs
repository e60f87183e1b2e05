//! The message-template grammar and its parser.
//!
//! A template (`message_template.msg`) defines every LLUDP message: its
//! name, frequency and number, trust, zerocoding, deprecation, and its
//! blocks of typed fields. [`parse`] reads one into a [`Template`];
//! malformed input gets a [`TemplateError`] with line, column and what the
//! grammar expected there.
//!
//! The two submodules use only std (plus `thiserror`), because `build.rs`
//! includes them by path to generate the message types.

mod model;
mod parser;

pub use model::{
    BlockDef, Cardinality, Deprecation, Encoding, FieldDef, FieldType, Frequency, FrequencyCounts,
    LengthPrefix, MessageDef, Template, Trust,
};
pub use parser::{TemplateError, TemplateErrorKind, parse};

impl std::str::FromStr for Template {
    type Err = TemplateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// The project's own template, as compiled into the generated messages.
pub const PROJECT_TEMPLATE: &str = include_str!("../../message_template.msg");
