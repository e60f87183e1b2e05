//! Builds random wire bodies for any template message, field by field from
//! the parsed template, so round-trip tests cover every generated type
//! without hand-written values.

#![allow(dead_code)]

use kestrel_protocol::messages::MessageId;
use kestrel_protocol::template::{Cardinality, FieldType, LengthPrefix, MessageDef, Template};

/// The project template as the crate was generated from.
pub fn project_template() -> Template {
    kestrel_protocol::template::parse(kestrel_protocol::template::PROJECT_TEMPLATE)
        .expect("project template parses")
}

/// A small deterministic PRNG (SplitMix64) driven by a proptest seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    pub fn bytes(&mut self, n: usize, out: &mut Vec<u8>) {
        for _ in 0..n {
            out.push(self.next_u64() as u8);
        }
    }
}

/// How float fields are filled.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Floats {
    /// Any bit pattern (NaN, infinities, subnormals): byte-exact tests.
    AnyBits,
    /// Small multiples of 1/64 (1/256 for quaternions): exact through JSON
    /// and comparable with `==`.
    Exact,
}

fn put_f32(rng: &mut Rng, floats: Floats, scale: f32, out: &mut Vec<u8>) {
    match floats {
        Floats::AnyBits => rng.bytes(4, out),
        Floats::Exact => {
            let v = (rng.next_u64() as i8) as f32 / scale;
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

fn put_f64(rng: &mut Rng, floats: Floats, out: &mut Vec<u8>) {
    match floats {
        Floats::AnyBits => rng.bytes(8, out),
        Floats::Exact => {
            let v = (rng.next_u64() as i16) as f64 / 64.0;
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

fn field(ty: FieldType, rng: &mut Rng, floats: Floats, out: &mut Vec<u8>) {
    match ty {
        FieldType::F32 => put_f32(rng, floats, 64.0, out),
        FieldType::F64 => put_f64(rng, floats, out),
        FieldType::Vector3 => (0..3).for_each(|_| put_f32(rng, floats, 64.0, out)),
        FieldType::Vector4 => (0..4).for_each(|_| put_f32(rng, floats, 64.0, out)),
        FieldType::Vector3d => (0..3).for_each(|_| put_f64(rng, floats, out)),
        // Components below 0.5 each keep x²+y²+z² < 1, so w is real.
        FieldType::Quaternion => (0..3).for_each(|_| put_f32(rng, floats, 256.0, out)),
        FieldType::Bool => out.push(rng.below(2) as u8),
        FieldType::Variable(p) => {
            // Mostly short, sometimes at the prefix's limit.
            let max = p.max_len() as u64;
            let len = match rng.below(8) {
                0 => max.min(300),
                1 => 0,
                _ => rng.below(40),
            } as usize;
            match p {
                LengthPrefix::One => out.push(len as u8),
                LengthPrefix::Two => out.extend_from_slice(&(len as u16).to_le_bytes()),
            }
            if rng.below(2) == 0 && len > 0 {
                // NUL-terminated text, the common case for strings.
                for _ in 0..len - 1 {
                    out.push(b'a' + rng.below(26) as u8);
                }
                out.push(0);
            } else {
                rng.bytes(len, out);
            }
        }
        other => rng.bytes(other.fixed_size().unwrap_or(0), out),
    }
}

/// A random valid body (message number included) for `def`.
pub fn random_body(def: &MessageDef, rng: &mut Rng, floats: Floats) -> Vec<u8> {
    let mut out = Vec::new();
    MessageId::new(def.frequency, def.number).encode(&mut out);
    for block in &def.blocks {
        let count = match block.cardinality {
            Cardinality::Single => 1,
            Cardinality::Multiple(n) => usize::from(n),
            Cardinality::Variable => {
                let n = rng.below(5) as usize;
                out.push(n as u8);
                n
            }
        };
        for _ in 0..count {
            for f in &block.fields {
                field(f.ty, rng, floats, &mut out);
            }
        }
    }
    out
}
