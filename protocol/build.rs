//! Generates the message types of `kestrel_protocol::messages` from
//! `message_template.msg`: one struct per message, one per block, the
//! `Message` enum, decode/encode, `MessageType` impls and the `MESSAGES`
//! table. The template is parsed by the library's own parser (included by
//! path), so build time and run time read the grammar identically.

#[allow(dead_code)]
#[path = "src/template/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "src/template/parser.rs"]
mod parser;

use model::{
    BlockDef, Cardinality, Deprecation, Encoding, FieldType, Frequency, LengthPrefix, MessageDef,
    Template, Trust,
};
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

const TEMPLATE: &str = "message_template.msg";

/// Names the hand-written part of `messages` already uses.
const RESERVED_TYPES: &[&str] = &[
    "Message",
    "MessageType",
    "MessageInfo",
    "MessageId",
    "DecodeError",
    "DecodeErrorKind",
    "EncodeError",
    "EncodeErrorKind",
    "VarBytes",
    "Frequency",
    "Deprecation",
    "Reader",
    "Writer",
];
const RESERVED_MODULES: &[&str] = &[
    "decode_error",
    "message_id",
    "var_bytes",
    "wire",
    "fixed_hex",
];

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

fn main() {
    println!("cargo::rerun-if-changed={TEMPLATE}");
    println!("cargo::rerun-if-changed=src/template/model.rs");
    println!("cargo::rerun-if-changed=src/template/parser.rs");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // A broken template becomes a compile_error! naming file, line and
    // column, which reads better than a build-script panic.
    let code = match std::fs::read_to_string(TEMPLATE) {
        Err(e) => compile_error(&format!("cannot read {TEMPLATE}: {e}")),
        Ok(src) => match parser::parse(&src) {
            Err(e) => compile_error(&format!("{TEMPLATE}:{e}")),
            Ok(t) => generate(&t).unwrap_or_else(|e| compile_error(&format!("{TEMPLATE}: {e}"))),
        },
    };
    std::fs::write(out_dir.join("messages.rs"), code).expect("write generated messages.rs");
}

fn compile_error(msg: &str) -> String {
    format!("compile_error!({msg:?});\n")
}

/// `SessionID` → `session_id`, `PCode` → `p_code`, `UUIDNameBlock` →
/// `uuid_name_block`; digits stay with the word before them.
fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

fn ident(name: &str) -> String {
    let s = snake(name);
    match s.as_str() {
        "self" | "super" | "crate" => format!("{s}_"),
        k if KEYWORDS.contains(&k) => format!("r#{s}"),
        _ => s,
    }
}

/// Messages whose struct would take more than this many bytes inline are
/// held in a `Box` inside [`Message`], so the enum stays as small as the
/// largest message the circuit handles every frame. The threshold sits just
/// above `RegionHandshake` (the largest of the messages generated before the
/// full template), so none of those changes shape.
const BOX_ABOVE_BYTES: usize = 360;

/// Rough inline size of a message struct: fields by their Rust size,
/// `Vec`s and [`VarBytes`] as three words. Padding is ignored; the estimate
/// only decides boxing.
fn estimated_size(m: &MessageDef) -> usize {
    let field = |ty: FieldType| match ty {
        FieldType::Variable(_) => 24,
        FieldType::Quaternion => 16,
        FieldType::Vector4 => 16,
        other => other.min_size(),
    };
    m.blocks
        .iter()
        .map(|b| {
            let one: usize = b.fields.iter().map(|f| field(f.ty)).sum();
            match b.cardinality {
                Cardinality::Single => one,
                Cardinality::Multiple(n) => one * usize::from(n),
                Cardinality::Variable => 24,
            }
        })
        .sum()
}

fn boxed(m: &MessageDef) -> bool {
    estimated_size(m) > BOX_ABOVE_BYTES
}

fn has_lifetime_block(b: &BlockDef) -> bool {
    b.has_variable_fields()
}

fn has_lifetime_msg(m: &MessageDef) -> bool {
    m.blocks.iter().any(has_lifetime_block)
}

fn lt(yes: bool) -> &'static str {
    if yes { "<'a>" } else { "" }
}

fn rust_type(ty: FieldType) -> String {
    match ty {
        FieldType::Null => "()".into(),
        FieldType::Fixed(n) => format!("[u8; {n}]"),
        FieldType::Variable(_) => "crate::messages::VarBytes<'a>".into(),
        FieldType::U8 => "u8".into(),
        FieldType::U16 => "u16".into(),
        FieldType::U32 => "u32".into(),
        FieldType::U64 => "u64".into(),
        FieldType::S8 => "i8".into(),
        FieldType::S16 => "i16".into(),
        FieldType::S32 => "i32".into(),
        FieldType::S64 => "i64".into(),
        FieldType::F32 => "f32".into(),
        FieldType::F64 => "f64".into(),
        FieldType::Vector3 => "::glam::Vec3".into(),
        FieldType::Vector3d => "::glam::DVec3".into(),
        FieldType::Vector4 => "::glam::Vec4".into(),
        FieldType::Quaternion => "::glam::Quat".into(),
        FieldType::Uuid => "crate::types::Uuid".into(),
        FieldType::Bool => "bool".into(),
        FieldType::IpAddr => "::std::net::Ipv4Addr".into(),
        FieldType::IpPort => "u16".into(),
    }
}

/// The Reader/Writer method for a type (same name on both).
fn codec_method(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Null => "null",
        FieldType::Fixed(_) => "array",
        FieldType::Variable(LengthPrefix::One) => "var1",
        FieldType::Variable(LengthPrefix::Two) => "var2",
        FieldType::U8 => "u8",
        FieldType::U16 => "u16",
        FieldType::U32 => "u32",
        FieldType::U64 => "u64",
        FieldType::S8 => "i8",
        FieldType::S16 => "i16",
        FieldType::S32 => "i32",
        FieldType::S64 => "i64",
        FieldType::F32 => "f32",
        FieldType::F64 => "f64",
        FieldType::Vector3 => "vec3",
        FieldType::Vector3d => "dvec3",
        FieldType::Vector4 => "vec4",
        FieldType::Quaternion => "quat",
        FieldType::Uuid => "uuid",
        FieldType::Bool => "bool",
        FieldType::IpAddr => "ip_addr",
        FieldType::IpPort => "ip_port",
    }
}

fn default_expr(ty: FieldType) -> String {
    match ty {
        FieldType::Null => "()".into(),
        FieldType::Fixed(n) => format!("[0u8; {n}]"),
        FieldType::Variable(_) => "crate::messages::VarBytes::empty()".into(),
        FieldType::F32 | FieldType::F64 => "0.0".into(),
        FieldType::Vector3 => "::glam::Vec3::ZERO".into(),
        FieldType::Vector3d => "::glam::DVec3::ZERO".into(),
        FieldType::Vector4 => "::glam::Vec4::ZERO".into(),
        FieldType::Quaternion => "::glam::Quat::IDENTITY".into(),
        FieldType::Uuid => "crate::types::Uuid::NIL".into(),
        FieldType::Bool => "false".into(),
        FieldType::IpAddr => "::std::net::Ipv4Addr::UNSPECIFIED".into(),
        _ => "0".into(),
    }
}

fn cardinality_doc(c: Cardinality) -> String {
    match c {
        Cardinality::Single => "Single".into(),
        Cardinality::Multiple(n) => format!("Multiple {n}"),
        Cardinality::Variable => "Variable".into(),
    }
}

fn check_unique<'n>(
    what: &str,
    owner: &str,
    names: impl Iterator<Item = (&'n str, String)>,
) -> Result<(), String> {
    let mut seen = HashSet::new();
    for (orig, id) in names {
        if !seen.insert(id.clone()) {
            return Err(format!(
                "{what} `{orig}` of `{owner}` maps to Rust name `{id}`, which is already taken"
            ));
        }
    }
    Ok(())
}

fn generate(t: &Template) -> Result<String, String> {
    let mut o = String::new();
    let mut modules = HashSet::new();
    for m in &t.messages {
        if RESERVED_TYPES.contains(&m.name.as_str()) {
            return Err(format!(
                "message name `{}` clashes with a runtime type",
                m.name
            ));
        }
        let module = snake(&m.name);
        if RESERVED_MODULES.contains(&module.as_str()) || !modules.insert(module.clone()) {
            return Err(format!(
                "message `{}` maps to a taken module `{module}`",
                m.name
            ));
        }
        check_unique(
            "block",
            &m.name,
            m.blocks.iter().map(|b| (b.name.as_str(), ident(&b.name))),
        )?;
        for b in &m.blocks {
            check_unique(
                "field",
                &format!("{}.{}", m.name, b.name),
                b.fields.iter().map(|f| (f.name.as_str(), ident(&f.name))),
            )?;
        }
        gen_message(&mut o, m).map_err(|e| e.to_string())?;
    }
    gen_enum(&mut o, t).map_err(|e| e.to_string())?;
    Ok(o)
}

fn gen_block(o: &mut String, m: &MessageDef, b: &BlockDef) -> std::fmt::Result {
    let l = has_lifetime_block(b);
    let name = &b.name;
    let fixed: usize = b.fields.iter().map(|f| f.ty.min_size()).sum();
    writeln!(
        o,
        "    /// Block `{name}` of `{}` ({}), at least {fixed} bytes on the wire.",
        m.name,
        cardinality_doc(b.cardinality)
    )?;
    writeln!(
        o,
        "    #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]\n    \
         #[serde(deny_unknown_fields)]\n    pub struct {name}{} {{",
        lt(l)
    )?;
    for f in &b.fields {
        writeln!(o, "        /// `{}` (`{}`).", f.name, f.ty)?;
        if matches!(f.ty, FieldType::Fixed(_)) {
            writeln!(o, "        #[serde(with = \"crate::messages::fixed_hex\")]")?;
        }
        writeln!(o, "        pub {}: {},", ident(&f.name), rust_type(f.ty))?;
    }
    writeln!(o, "    }}\n")?;

    writeln!(o, "    impl{0} Default for {name}{0} {{", lt(l))?;
    writeln!(o, "        fn default() -> Self {{\n            Self {{")?;
    for f in &b.fields {
        writeln!(
            o,
            "                {}: {},",
            ident(&f.name),
            default_expr(f.ty)
        )?;
    }
    writeln!(o, "            }}\n        }}\n    }}\n")?;

    writeln!(o, "    impl{0} {name}{0} {{", lt(l))?;
    writeln!(
        o,
        "        /// The fewest bytes one `{name}` takes (variable fields empty).\n        \
         pub const MIN_SIZE: usize = {fixed};\n"
    )?;
    let rl = if l { "'a" } else { "'_" };
    writeln!(
        o,
        "        pub(crate) fn decode(r: &mut crate::messages::wire::Reader<{rl}>) -> \
         Result<Self, crate::messages::wire::Fail> {{"
    )?;
    if b.fields.is_empty() {
        writeln!(o, "            let _ = r;")?;
    }
    writeln!(o, "            Ok(Self {{")?;
    for f in &b.fields {
        writeln!(
            o,
            "                {}: r.{}({:?})?,",
            ident(&f.name),
            codec_method(f.ty),
            f.name
        )?;
    }
    writeln!(o, "            }})\n        }}\n")?;
    writeln!(
        o,
        "        pub(crate) fn encode(&self, w: &mut crate::messages::wire::Writer<'_>) -> \
         Result<(), crate::messages::EncodeError> {{"
    )?;
    if b.fields.is_empty() {
        writeln!(o, "            let _ = w;")?;
    }
    for f in &b.fields {
        let id = ident(&f.name);
        match f.ty {
            FieldType::Variable(_) => writeln!(
                o,
                "            w.{}({:?}, &self.{id})?;",
                codec_method(f.ty),
                f.name
            )?,
            _ => writeln!(o, "            w.{}(&self.{id});", codec_method(f.ty))?,
        }
    }
    writeln!(o, "            Ok(())\n        }}\n")?;
    writeln!(
        o,
        "        /// Bytes this block takes on the wire (variable fields\n        \
         /// counted as `encode` writes them, truncated to their limit).\n        \
         pub fn encoded_len(&self) -> usize {{\n            Self::MIN_SIZE"
    )?;
    for f in &b.fields {
        if let FieldType::Variable(p) = f.ty {
            writeln!(
                o,
                "                + self.{}.len().min({})",
                ident(&f.name),
                p.max_len()
            )?;
        }
    }
    writeln!(o, "        }}")?;
    if l {
        writeln!(
            o,
            "\n        /// A copy that owns its bytes.\n        \
             pub fn into_owned(self) -> {name}<'static> {{\n            {name} {{"
        )?;
        for f in &b.fields {
            let id = ident(&f.name);
            match f.ty {
                FieldType::Variable(_) => {
                    writeln!(o, "                {id}: self.{id}.into_owned(),")?
                }
                _ => writeln!(o, "                {id}: self.{id},")?,
            }
        }
        writeln!(o, "            }}\n        }}")?;
    }
    writeln!(o, "    }}\n")
}

fn freq_path(f: Frequency) -> String {
    format!("crate::template::Frequency::{}", f.keyword())
}

fn dep_path(d: Deprecation) -> &'static str {
    match d {
        Deprecation::Current => "crate::template::Deprecation::Current",
        Deprecation::Deprecated => "crate::template::Deprecation::Deprecated",
        Deprecation::UdpDeprecated => "crate::template::Deprecation::UdpDeprecated",
        Deprecation::UdpBlackListed => "crate::template::Deprecation::UdpBlackListed",
    }
}

fn id_len(f: Frequency) -> usize {
    match f {
        Frequency::High => 1,
        Frequency::Medium => 2,
        Frequency::Low | Frequency::Fixed => 4,
    }
}

fn number_lit(m: &MessageDef) -> String {
    match m.frequency {
        Frequency::Fixed => format!("0x{:08X}", m.number),
        _ => m.number.to_string(),
    }
}

fn gen_message(o: &mut String, m: &MessageDef) -> std::fmt::Result {
    let name = &m.name;
    let module = snake(name);
    let l = has_lifetime_msg(m);
    let trusted = m.trust == Trust::Trusted;
    let zerocoded = m.encoding == Encoding::Zerocoded;
    let summary = format!(
        "{} {}, {}, {}{}",
        m.frequency,
        number_lit(m),
        if trusted { "Trusted" } else { "NotTrusted" },
        if zerocoded { "Zerocoded" } else { "Unencoded" },
        m.deprecation
            .keyword()
            .map(|k| format!(", {k}"))
            .unwrap_or_default()
    );

    writeln!(
        o,
        "#[doc = \"The blocks of [`{name}`].\"]\npub mod {module} {{"
    )?;
    for b in &m.blocks {
        gen_block(o, m, b)?;
    }
    writeln!(o, "}}\n")?;

    let block_type = |b: &BlockDef| -> String {
        let inner = format!("{module}::{}{}", b.name, lt(has_lifetime_block(b)));
        match b.cardinality {
            Cardinality::Single => inner,
            Cardinality::Multiple(n) => format!("[{inner}; {n}]"),
            Cardinality::Variable => format!("::std::vec::Vec<{inner}>"),
        }
    };

    writeln!(o, "/// Message `{name}` ({summary}).")?;
    writeln!(
        o,
        "#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]\n\
         #[serde(deny_unknown_fields)]\npub struct {name}{} {{",
        lt(l)
    )?;
    for b in &m.blocks {
        writeln!(
            o,
            "    /// Block `{}` ({}).",
            b.name,
            cardinality_doc(b.cardinality)
        )?;
        writeln!(o, "    pub {}: {},", ident(&b.name), block_type(b))?;
    }
    writeln!(o, "}}\n")?;

    writeln!(o, "impl{0} Default for {name}{0} {{", lt(l))?;
    writeln!(o, "    fn default() -> Self {{\n        Self {{")?;
    for b in &m.blocks {
        let e = match b.cardinality {
            Cardinality::Single => "Default::default()",
            Cardinality::Multiple(_) => "::core::array::from_fn(|_| Default::default())",
            Cardinality::Variable => "::std::vec::Vec::new()",
        };
        writeln!(o, "            {}: {e},", ident(&b.name))?;
    }
    writeln!(o, "        }}\n    }}\n}}\n")?;

    let rl = if l { "'a" } else { "'_" };
    writeln!(o, "impl{0} {name}{0} {{", lt(l))?;
    writeln!(
        o,
        "    /// The template name.\n    pub const NAME: &'static str = {name:?};\n    \
         /// Frequency and number.\n    pub const ID: crate::messages::MessageId = \
         crate::messages::MessageId::new({}, {});\n    \
         /// Whether only trusted peers may send it.\n    pub const TRUSTED: bool = {trusted};\n    \
         /// Whether its body is zerocoded on the wire.\n    pub const ZEROCODED: bool = {zerocoded};\n    \
         /// Its template facts.\n    pub const INFO: crate::messages::MessageInfo = \
         crate::messages::MessageInfo {{ name: Self::NAME, id: Self::ID, trusted: {trusted}, \
         zerocoded: {zerocoded}, deprecation: {} }};\n",
        freq_path(m.frequency),
        number_lit(m),
        dep_path(m.deprecation)
    )?;
    let body_lt = if l { "'a " } else { "" };
    writeln!(
        o,
        "    /// Decodes a body (starting at the message number) that holds this message.\n    \
         pub fn decode(body: &{body_lt}[u8]) -> Result<Self, crate::messages::DecodeError> {{\n        \
         crate::messages::decode_with(crate::messages::reader_for(body, Self::ID, Self::NAME)?, Self::decode_fields)\n    }}\n"
    )?;
    // Low and Medium messages out of line: `Message::decode_blocks` then
    // stays a plain dispatch over the template's 483 messages instead of one
    // huge function with every decoder inlined. The High and Fixed ones (the
    // hot ones: updates, pings, acks) may be inlined into it.
    let inline = match m.frequency {
        Frequency::High | Frequency::Fixed => "#[inline]",
        Frequency::Medium | Frequency::Low => "#[inline(never)]",
    };
    let wrap = if boxed(m) {
        format!(
            "|m| crate::messages::Message::{}(::std::boxed::Box::new(m))",
            m.name
        )
    } else {
        format!("crate::messages::Message::{}", m.name)
    };
    let msg_lt = if l { "<'a>" } else { "<'_>" };
    writeln!(
        o,
        "    {inline}\n    \
         pub(crate) fn decode_message(body: &{body_lt}[u8], start: usize) -> Result<crate::messages::Message{msg_lt}, crate::messages::DecodeError> {{\n        \
         crate::messages::decode_with(crate::messages::wire::Reader::new(body, start, Self::NAME), Self::decode_fields).map({wrap})\n    }}\n"
    )?;
    writeln!(
        o,
        "    pub(crate) fn decode_fields(r: &mut crate::messages::wire::Reader<{rl}>) -> \
         Result<Self, crate::messages::wire::Fail> {{"
    )?;
    if m.blocks.is_empty() {
        writeln!(o, "        let _ = r;")?;
    }
    for (i, b) in m.blocks.iter().enumerate() {
        let bt = format!("{module}::{}", b.name);
        writeln!(o, "        r.block = {:?};", b.name)?;
        match b.cardinality {
            Cardinality::Single => writeln!(o, "        let b{i} = {bt}::decode(r)?;")?,
            Cardinality::Multiple(n) => {
                let items: Vec<String> = (0..n).map(|_| format!("{bt}::decode(r)?")).collect();
                writeln!(o, "        let b{i} = [{}];", items.join(", "))?;
            }
            Cardinality::Variable => writeln!(
                o,
                "        let n = r.block_count({bt}::MIN_SIZE)?;\n        \
                 let mut b{i} = ::std::vec::Vec::with_capacity(n);\n        \
                 for _ in 0..n {{\n            b{i}.push({bt}::decode(r)?);\n        }}"
            )?,
        }
    }
    let inits: Vec<String> = m
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| format!("{}: b{i}", ident(&b.name)))
        .collect();
    writeln!(o, "        Ok(Self {{ {} }})\n    }}\n", inits.join(", "))?;

    writeln!(
        o,
        "    fn encode_fields(&self, w: &mut crate::messages::wire::Writer<'_>) -> \
         Result<(), crate::messages::EncodeError> {{"
    )?;
    if m.blocks.is_empty() {
        writeln!(o, "        let _ = w;")?;
    }
    for b in &m.blocks {
        let id = ident(&b.name);
        writeln!(o, "        w.block = {:?};", b.name)?;
        match b.cardinality {
            Cardinality::Single => writeln!(o, "        self.{id}.encode(w)?;")?,
            Cardinality::Multiple(_) => writeln!(
                o,
                "        for b in &self.{id} {{\n            b.encode(w)?;\n        }}"
            )?,
            Cardinality::Variable => writeln!(
                o,
                "        let n = w.block_count(self.{id}.len())?;\n        \
                 for b in self.{id}.iter().take(n) {{\n            b.encode(w)?;\n        }}"
            )?,
        }
    }
    writeln!(o, "        Ok(())\n    }}\n")?;

    writeln!(
        o,
        "    /// Appends the body (message number and blocks). Variable fields and\n    \
         /// block lists over their wire limit are truncated to it; use\n    \
         /// [`Self::try_encode`] to get an error instead.\n    \
         pub fn encode(&self, out: &mut ::std::vec::Vec<u8>) {{\n        \
         let _ = crate::messages::encode_message(out, false, Self::NAME, Self::ID, |w| self.encode_fields(w));\n    }}\n\n    \
         /// Appends the body, or fails (writing nothing) when a variable field\n    \
         /// or block list exceeds its wire limit.\n    \
         pub fn try_encode(&self, out: &mut ::std::vec::Vec<u8>) -> Result<(), crate::messages::EncodeError> {{\n        \
         crate::messages::encode_message(out, true, Self::NAME, Self::ID, |w| self.encode_fields(w))\n    }}\n"
    )?;
    writeln!(
        o,
        "    /// Bytes [`Self::encode`] writes.\n    pub fn encoded_len(&self) -> usize {{\n        {}",
        id_len(m.frequency)
    )?;
    for b in &m.blocks {
        let id = ident(&b.name);
        match b.cardinality {
            Cardinality::Single => writeln!(o, "            + self.{id}.encoded_len()")?,
            Cardinality::Multiple(_) => writeln!(
                o,
                "            + self.{id}.iter().map(|b| b.encoded_len()).sum::<usize>()"
            )?,
            Cardinality::Variable => writeln!(
                o,
                "            + 1 + self.{id}.iter().take(255).map(|b| b.encoded_len()).sum::<usize>()"
            )?,
        }
    }
    writeln!(o, "    }}\n")?;
    if l {
        writeln!(
            o,
            "    /// A copy that owns its bytes, to send to another thread.\n    \
             pub fn into_owned(self) -> {name}<'static> {{\n        {name} {{"
        )?;
        for b in &m.blocks {
            let id = ident(&b.name);
            let e = match (b.cardinality, has_lifetime_block(b)) {
                (_, false) => format!("self.{id}"),
                (Cardinality::Single, true) => format!("self.{id}.into_owned()"),
                (Cardinality::Multiple(_), true) => format!("self.{id}.map(|b| b.into_owned())"),
                (Cardinality::Variable, true) => {
                    format!("self.{id}.into_iter().map(|b| b.into_owned()).collect()")
                }
            };
            writeln!(o, "            {id}: {e},")?;
        }
        writeln!(o, "        }}\n    }}")?;
    } else {
        writeln!(
            o,
            "    /// The same value (it borrows nothing); for symmetry with borrowing types.\n    \
             pub fn into_owned(self) -> Self {{\n        self\n    }}"
        )?;
    }
    writeln!(o, "}}\n")?;

    let is_boxed = boxed(m);
    let (impl_lt, self_ty) = if l {
        ("<'a>".to_string(), format!("{name}<'a>"))
    } else {
        ("<'a>".to_string(), name.clone())
    };
    writeln!(
        o,
        "impl{impl_lt} crate::messages::MessageType<'a> for {self_ty} {{\n    \
         const NAME: &'static str = {name:?};\n    \
         const ID: crate::messages::MessageId = {name}::ID;\n    \
         const FREQUENCY: crate::template::Frequency = {};\n    \
         const NUMBER: u32 = {};\n    \
         const TRUSTED: bool = {trusted};\n    \
         const ZEROCODED: bool = {zerocoded};\n    \
         const DEPRECATION: crate::template::Deprecation = {};\n\n    \
         fn into_message(self) -> Message<'a> {{\n        Message::{name}({wrap})\n    }}\n\n    \
         fn from_message(message: Message<'a>) -> Option<Self> {{\n        \
         match message {{\n            Message::{name}(m) => Some({unwrap}),\n            _ => None,\n        }}\n    }}\n\n    \
         fn from_message_ref<'m>(message: &'m Message<'a>) -> Option<&'m Self> {{\n        \
         match message {{\n            Message::{name}(m) => Some({unwrap_ref}),\n            _ => None,\n        }}\n    }}\n}}\n",
        freq_path(m.frequency),
        number_lit(m),
        dep_path(m.deprecation),
        wrap = if is_boxed {
            "::std::boxed::Box::new(self)"
        } else {
            "self"
        },
        unwrap = if is_boxed { "*m" } else { "m" },
        unwrap_ref = if is_boxed { "&**m" } else { "m" },
    )?;
    writeln!(
        o,
        "impl<'a> From<{self_ty}> for Message<'a> {{\n    fn from(m: {self_ty}) -> Self {{\n        \
         Message::{name}({})\n    }}\n}}\n",
        if is_boxed {
            "::std::boxed::Box::new(m)"
        } else {
            "m"
        }
    )
}

fn gen_enum(o: &mut String, t: &Template) -> std::fmt::Result {
    writeln!(
        o,
        "/// Any message of the project template.\n///\n\
         /// Serde form: externally tagged by message name, e.g.\n\
         /// `{{\"CompletePingCheck\": {{\"ping_id\": {{\"ping_id\": 7}}}}}}`.\n\
         #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]\n\
         #[allow(clippy::large_enum_variant)]\npub enum Message<'a> {{"
    )?;
    for m in &t.messages {
        let ty = format!("{}{}", m.name, lt(has_lifetime_msg(m)));
        if boxed(m) {
            writeln!(o, "    /// `{}` (boxed: a large, rare message).", m.name)?;
            writeln!(o, "    {}(::std::boxed::Box<{ty}>),", m.name)?;
        } else {
            writeln!(o, "    /// `{}`.", m.name)?;
            writeln!(o, "    {}({ty}),", m.name)?;
        }
    }
    writeln!(o, "}}\n")?;

    writeln!(o, "impl<'a> Message<'a> {{")?;
    writeln!(
        o,
        "    /// Decodes a body that starts at the frequency-coded message number.\n    \
         pub fn decode(body: &'a [u8]) -> Result<Self, crate::messages::DecodeError> {{\n        \
         let (id, used) = crate::messages::MessageId::decode(body)?;\n        \
         Self::decode_blocks(body, id, used)\n    }}\n\n    \
         /// Decodes the blocks of message `id`, which start at byte `start`\n    \
         /// of `body` (error offsets count from the start of `body`).\n    \
         pub(crate) fn decode_blocks(body: &'a [u8], id: crate::messages::MessageId, start: usize) -> Result<Self, crate::messages::DecodeError> {{\n        \
         match (id.frequency, id.number) {{"
    )?;
    for m in &t.messages {
        writeln!(
            o,
            "            ({}, {}) => {name}::decode_message(body, start),",
            freq_path(m.frequency),
            number_lit(m),
            name = m.name
        )?;
    }
    writeln!(
        o,
        "            _ => Err(crate::messages::unknown_message(id)),\n        }}\n    }}\n"
    )?;
    let arms = |o: &mut String, expr: &str| -> std::fmt::Result {
        for m in &t.messages {
            writeln!(o, "            Message::{}(m) => {expr},", m.name)?;
        }
        Ok(())
    };
    writeln!(
        o,
        "    /// The template facts of this message.\n    \
         pub fn info(&self) -> &'static crate::messages::MessageInfo {{\n        match self {{"
    )?;
    for m in &t.messages {
        writeln!(o, "            Message::{0}(_) => &{0}::INFO,", m.name)?;
    }
    writeln!(o, "        }}\n    }}\n")?;
    writeln!(
        o,
        "    /// The template name.\n    pub fn name(&self) -> &'static str {{\n        self.info().name\n    }}\n\n    \
         /// Frequency and number.\n    pub fn id(&self) -> crate::messages::MessageId {{\n        self.info().id\n    }}\n\n    \
         /// The number within its frequency.\n    pub fn number(&self) -> u32 {{\n        self.info().id.number\n    }}\n\n    \
         /// The frequency class.\n    pub fn frequency(&self) -> crate::template::Frequency {{\n        self.info().id.frequency\n    }}\n\n    \
         /// Whether only trusted peers may send it.\n    pub fn trusted(&self) -> bool {{\n        self.info().trusted\n    }}\n\n    \
         /// Whether its body is zerocoded on the wire.\n    pub fn zerocoded(&self) -> bool {{\n        self.info().zerocoded\n    }}\n\n    \
         /// Its deprecation marker.\n    pub fn deprecation(&self) -> crate::template::Deprecation {{\n        self.info().deprecation\n    }}\n"
    )?;
    writeln!(
        o,
        "    /// Appends the body; over-long variable data is truncated to the wire\n    \
         /// limits (see [`Self::try_encode`]).\n    \
         pub fn encode(&self, out: &mut ::std::vec::Vec<u8>) {{\n        match self {{"
    )?;
    arms(o, "m.encode(out)")?;
    writeln!(o, "        }}\n    }}\n")?;
    writeln!(
        o,
        "    /// Appends the body, or fails without writing when data exceeds a wire limit.\n    \
         pub fn try_encode(&self, out: &mut ::std::vec::Vec<u8>) -> Result<(), crate::messages::EncodeError> {{\n        match self {{"
    )?;
    arms(o, "m.try_encode(out)")?;
    writeln!(o, "        }}\n    }}\n")?;
    writeln!(
        o,
        "    /// Bytes [`Self::encode`] writes.\n    pub fn encoded_len(&self) -> usize {{\n        match self {{"
    )?;
    arms(o, "m.encoded_len()")?;
    writeln!(o, "        }}\n    }}\n")?;
    writeln!(
        o,
        "    /// A copy that owns all its bytes (`'static`), to send to another thread.\n    \
         pub fn into_owned(self) -> Message<'static> {{\n        match self {{"
    )?;
    for m in &t.messages {
        if boxed(m) {
            writeln!(
                o,
                "            Message::{0}(m) => Message::{0}(::std::boxed::Box::new((*m).into_owned())),",
                m.name
            )?;
        } else {
            writeln!(
                o,
                "            Message::{0}(m) => Message::{0}(m.into_owned()),",
                m.name
            )?;
        }
    }
    writeln!(o, "        }}\n    }}\n}}\n")?;

    writeln!(
        o,
        "/// The facts of every message in the project template, in file order.\n\
         pub static MESSAGES: [crate::messages::MessageInfo; {}] = [",
        t.messages.len()
    )?;
    for m in &t.messages {
        writeln!(o, "    {}::INFO,", m.name)?;
    }
    writeln!(o, "];")
}
