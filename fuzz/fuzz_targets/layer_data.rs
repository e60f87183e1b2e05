//! Fuzzes the payload decoders with untrusted bytes. The first byte picks
//! the decoder so one target covers them all; LayerData gets half the
//! selector space because its bit-level format is the most intricate.
//! Anything that decodes must re-encode, and the re-encoding must decode.
#![no_main]

use kestrel_protocol::layer_data::{decode_land_patches, decode_layer, encode_layer};
use kestrel_protocol::object_data::{
    CompressedObject, ObjectUpdateMotion, QuantRanges, TerseUpdate,
};
use kestrel_protocol::texture_entry::TextureEntry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    match selector % 8 {
        0..=3 => {
            let _ = decode_land_patches(rest);
            if let Ok(layer) = decode_layer(rest) {
                for p in &layer.patches {
                    assert!(
                        p.heights.iter().all(|h| h.is_finite()),
                        "decoded a non-finite height"
                    );
                }
                if let Ok(blob) = encode_layer(layer.layer, &layer.patches) {
                    let again = decode_layer(&blob).expect("re-encoded layer decodes");
                    assert_eq!(again.patches.len(), layer.patches.len());
                }
            }
        }
        4 | 5 => {
            if let Ok(te) = TextureEntry::decode(rest) {
                let again = TextureEntry::decode(&te.encode()).expect("re-encoded entry decodes");
                assert_eq!(again, te);
            }
        }
        6 => {
            if let Ok(obj) = CompressedObject::decode(rest) {
                let bytes = obj.encode().expect("decoded object re-encodes");
                CompressedObject::decode(&bytes).expect("re-encoded object decodes");
            }
        }
        _ => {
            let _ = TerseUpdate::decode(rest);
            let _ = ObjectUpdateMotion::decode(rest, &QuantRanges::default());
        }
    }
});
