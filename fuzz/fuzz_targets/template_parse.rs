//! Fuzz target: the message-template parser on arbitrary text.
//!
//! Beyond "no panic": errors carry a position inside the input, and a
//! template that parses has consistent counts and valid message numbers.
#![no_main]

use kestrel_protocol::template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match template::parse(src) {
        Ok(t) => {
            assert_eq!(t.counts().total(), t.messages.len());
            for m in &t.messages {
                let (lo, hi) = m.frequency.number_range();
                assert!((lo..=hi).contains(&m.number));
            }
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1);
            assert!(e.line <= src.lines().count() + 1);
        }
    }
});
