//! serde support: Rust types to LLSD and back.

use std::collections::BTreeMap;

use kestrel_protocol::llsd::{self, Date, Llsd, LlsdError, Uri, as_binary, as_uuid};
use kestrel_protocol::types::Uuid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Box,
    Sphere { radius: f32 },
    Torus(f32, f32),
    Path(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Object {
    #[serde(with = "as_uuid")]
    id: Uuid,
    #[serde(with = "as_uuid::option")]
    owner: Option<Uuid>,
    name: String,
    local_id: u32,
    position: [f32; 3],
    tags: Vec<String>,
    shape: Shape,
    extra: Option<i64>,
    homepage: Uri,
    created: Date,
    #[serde(with = "as_binary")]
    texture_entry: Vec<u8>,
    attrs: BTreeMap<String, f64>,
    raw: Llsd,
}

fn sample() -> Object {
    Object {
        id: Uuid::from_u128(0x6bad258e_06f0_4ae2_9a7f_2f0e5d4e4a1c),
        owner: None,
        name: "Box <1>".into(),
        local_id: 3_000_000_000,
        position: [128.0, 64.5, 21.25],
        tags: vec!["a".into(), "b".into()],
        shape: Shape::Sphere { radius: 0.5 },
        extra: Some(-7),
        homepage: Uri("http://example.com/".into()),
        created: Date::parse_iso8601("2024-05-06T07:08:09.5Z").unwrap(),
        texture_entry: vec![0, 1, 2, 255],
        attrs: BTreeMap::from([("mass".into(), 2.5)]),
        raw: Llsd::new_map()
            .with("u", Uuid::from_u128(1))
            .with("d", Date::EPOCH)
            .with("l", Llsd::Uri("x:y".into()))
            .with("b", vec![9u8]),
    }
}

#[test]
fn struct_to_value_uses_llsd_types() {
    let v = llsd::to_value(&sample()).unwrap();
    assert_eq!(v.get("id"), Some(&Llsd::Uuid(sample().id)));
    assert_eq!(v.get("owner"), Some(&Llsd::Undefined));
    assert_eq!(v.get("name"), Some(&Llsd::String("Box <1>".into())));
    // Beyond i32: carried exactly as a real.
    assert_eq!(v.get("local_id"), Some(&Llsd::Real(3e9)));
    assert_eq!(
        v.get("position"),
        Some(&Llsd::Array(vec![
            Llsd::Real(128.0),
            Llsd::Real(64.5),
            Llsd::Real(21.25)
        ]))
    );
    assert_eq!(
        v.get("shape"),
        Some(&Llsd::new_map().with("Sphere", Llsd::new_map().with("radius", Llsd::Real(0.5))))
    );
    assert_eq!(v.get("extra"), Some(&Llsd::Integer(-7)));
    assert_eq!(
        v.get("homepage"),
        Some(&Llsd::Uri("http://example.com/".into()))
    );
    assert!(matches!(v.get("created"), Some(Llsd::Date(_))));
    assert_eq!(
        v.get("texture_entry"),
        Some(&Llsd::Binary(vec![0, 1, 2, 255]))
    );
    assert_eq!(v.get("raw"), Some(&sample().raw));
}

#[test]
fn struct_round_trips_through_every_format() {
    let original = sample();
    let back: Object = llsd::from_value(llsd::to_value(&original).unwrap()).unwrap();
    assert_eq!(back, original);
    let back: Object = llsd::from_xml_str(&llsd::to_xml_string(&original).unwrap()).unwrap();
    assert_eq!(back, original);
    let back: Object = llsd::from_binary_slice(&llsd::to_binary_bytes(&original).unwrap()).unwrap();
    assert_eq!(back, original);
    let back: Object =
        llsd::from_notation_str(&llsd::to_notation_string(&original).unwrap()).unwrap();
    assert_eq!(back, original);
    // Every enum shape.
    for shape in [Shape::Box, Shape::Torus(1.0, 0.25), Shape::Path("p".into())] {
        let v = llsd::to_value(&shape).unwrap();
        assert_eq!(llsd::from_value::<Shape>(v).unwrap(), shape);
    }
}

#[test]
fn lenient_where_lossless() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct T {
        a: u8,
        b: i64,
        c: f32,
        d: String,
        e: bool,
        f: Uuid,
        g: Option<String>,
        #[serde(default)]
        h: Vec<i32>,
    }
    let v = Llsd::new_map()
        .with("a", Llsd::Real(7.0))
        .with("b", Llsd::String("-12".into()))
        .with("c", Llsd::Integer(3))
        .with("d", Llsd::Uri("http://u/".into()))
        .with("e", Llsd::Integer(1))
        .with(
            "f",
            Llsd::String("6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c".into()),
        )
        .with("g", Llsd::Undefined);
    let t: T = llsd::from_value(v).unwrap();
    assert_eq!(
        t,
        T {
            a: 7,
            b: -12,
            c: 3.0,
            d: "http://u/".into(),
            e: true,
            f: Uuid::from_u128(0x6bad258e_06f0_4ae2_9a7f_2f0e5d4e4a1c),
            g: None,
            h: vec![],
        }
    );
}

#[test]
fn errors_name_the_path() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        x: u8,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }
    let v = Llsd::new_map().with(
        "items",
        Llsd::Array(vec![
            Llsd::new_map().with("x", 1),
            Llsd::new_map().with("x", 300),
        ]),
    );
    let e = llsd::from_value::<Outer>(v).unwrap_err();
    assert_eq!(e.path, "items[1].x");
    assert!(e.to_string().starts_with("at items[1].x: "), "{e}");

    let e = llsd::from_value::<Outer>(Llsd::new_map().with("items", "no")).unwrap_err();
    assert_eq!(e.path, "items");
    assert!(e.message.contains("invalid type"), "{e}");

    let e = llsd::from_value::<Inner>(Llsd::new_map()).unwrap_err();
    assert!(e.message.contains("missing field `x`"), "{e}");

    // Fractional reals are not integers; strings that are not numbers neither.
    assert!(llsd::from_value::<i32>(Llsd::Real(1.5)).is_err());
    assert!(llsd::from_value::<i32>(Llsd::String("one".into())).is_err());
    // A parse error surfaces as such.
    assert!(matches!(
        llsd::from_xml_str::<Inner>("<llsd><map>"),
        Err(LlsdError::Parse(_))
    ));
}

#[test]
fn values_without_llsd_form_are_refused() {
    let e = llsd::to_value(&u64::MAX).unwrap_err();
    assert!(e.message.contains("no exact LLSD form"), "{e}");
    #[derive(Serialize)]
    struct S {
        big: i64,
    }
    let e = llsd::to_value(&S { big: i64::MIN }).unwrap_err();
    assert_eq!(e.path, "big");
    let e = llsd::to_value(&BTreeMap::from([(vec![1u8], 1)])).unwrap_err();
    assert!(e.message.contains("map keys"), "{e}");
    // Integers map to LLSD integers exactly where they fit.
    assert_eq!(llsd::to_value(&-5i64).unwrap(), Llsd::Integer(-5));
    assert_eq!(
        llsd::to_value(&(1u64 << 53)).unwrap(),
        Llsd::Real(9_007_199_254_740_992.0)
    );
    assert_eq!(
        llsd::to_value(&BTreeMap::from([(7u16, true)])).unwrap(),
        Llsd::new_map().with("7", true)
    );
}

#[test]
fn llsd_interoperates_with_other_serde_formats() {
    // Typed scalars appear as plain strings to other serializers…
    let v = sample().raw;
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["u"], "00000000-0000-0000-0000-000000000001");
    assert_eq!(json["d"], "1970-01-01T00:00:00Z");
    assert_eq!(json["l"], "x:y");
    // …and an Llsd reads from them without looping.
    let back: Llsd = serde_json::from_str(r#"{"a":[1,2.5,"s",null,true],"b":{}}"#).unwrap();
    assert_eq!(
        back,
        Llsd::new_map()
            .with(
                "a",
                Llsd::Array(vec![
                    Llsd::Integer(1),
                    Llsd::Real(2.5),
                    Llsd::String("s".into()),
                    Llsd::Undefined,
                    Llsd::Boolean(true)
                ])
            )
            .with("b", Llsd::new_map())
    );
    // An Llsd read back from an Llsd keeps its typed scalars.
    let again: Llsd = llsd::from_value(v.clone()).unwrap();
    assert_eq!(again, v);
}
