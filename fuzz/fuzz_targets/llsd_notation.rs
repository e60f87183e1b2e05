//! Fuzzes the LLSD notation reader: any bytes must parse or give an error
//! that points inside the input; whatever parses must survive a write/read
//! cycle.
#![no_main]

use kestrel_protocol::llsd::Llsd;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Llsd::from_notation(data) {
        Ok(value) => {
            let text = value.to_notation();
            let again =
                Llsd::from_notation(text.as_bytes()).expect("own notation output must parse");
            assert_eq!(again.to_notation(), text);
        }
        Err(e) => assert!(e.offset <= data.len()),
    }
});
