//! Fuzzes the LLSD XML reader: any bytes must parse or give an error that
//! points inside the input; whatever parses must survive a write/read cycle.
#![no_main]

use kestrel_protocol::llsd::Llsd;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Llsd::from_xml_bytes(data) {
        Ok(value) => {
            let again = Llsd::from_xml(&value.to_xml()).expect("own XML output must parse");
            assert_eq!(again.to_xml(), value.to_xml());
        }
        Err(e) => assert!(e.offset <= data.len()),
    }
});
