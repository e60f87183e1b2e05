//! Fuzzes the binary LLSD reader: any bytes must parse or give an error that
//! points inside the input; whatever parses must re-encode to a value that
//! reads back identically (bit-exact reals included).
#![no_main]

use kestrel_protocol::llsd::Llsd;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Llsd::from_binary(data) {
        Ok(value) => {
            let bytes = value.to_binary();
            let again = Llsd::from_binary(&bytes).expect("own binary output must parse");
            assert_eq!(again.to_binary(), bytes);
        }
        Err(e) => assert!(e.offset <= data.len()),
    }
});
