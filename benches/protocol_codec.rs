//! Message and packet codec throughput: decode and encode of ObjectUpdate,
//! ImprovedTerseObjectUpdate, LayerData and PacketAck, as bytes per second
//! (`Throughput::Bytes`) and packets per second (`Throughput::Elements`).
//!
//! Run: `cargo bench -p kestrel-protocol --bench protocol_codec`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use glam::Vec3;
use kestrel_protocol::messages::{
    ImprovedTerseObjectUpdate, LayerData, Message, ObjectUpdate, PacketAck, VarBytes,
    improved_terse_object_update, layer_data, object_update, packet_ack,
};
use kestrel_protocol::packet::{Packet, SequenceNumber};
use kestrel_protocol::types::Uuid;
use std::hint::black_box;

/// Deterministic filler bytes (no RNG dependency, same data every run).
fn filler(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// An ObjectUpdate as a simulator sends it: several prims per packet, each
/// with a texture entry, extra params, name-values and hover text.
fn object_update() -> Message<'static> {
    let objects = (0..6u32)
        .map(|i| object_update::ObjectData {
            id: 1000 + i,
            full_id: Uuid::from_u128(0xABCD_0000 + u128::from(i)),
            crc: 0x1234_5678 ^ i,
            p_code: 9,
            material: 3,
            scale: Vec3::new(0.5, 1.0, 2.0),
            object_data: VarBytes::owned(filler(60, i)),
            update_flags: 0x0100_0000,
            path_curve: 0x10,
            profile_curve: 1,
            path_scale_x: 100,
            path_scale_y: 100,
            texture_entry: VarBytes::owned(filler(46, i + 10)),
            name_value: VarBytes::from_text(
                "AttachItemID STRING RW SV 00000000-0000-0000-0000-000000000000",
            ),
            text: VarBytes::from_text("Welcome"),
            text_color: [255, 255, 255, 255],
            extra_params: VarBytes::owned(filler(24, i + 20)),
            owner_id: Uuid::from_u128(42),
            ..Default::default()
        })
        .collect();
    ObjectUpdate {
        region_data: object_update::RegionData {
            region_handle: 0x0003_E800_0003_E800,
            time_dilation: 0xFFFF,
        },
        object_data: objects,
    }
    .into()
}

/// Terse updates for moving avatars/prims: 20 per packet, 60-byte blobs.
fn terse_update() -> Message<'static> {
    let objects = (0..20u32)
        .map(|i| improved_terse_object_update::ObjectData {
            data: VarBytes::owned(filler(60, i)),
            texture_entry: VarBytes::empty(),
        })
        .collect();
    ImprovedTerseObjectUpdate {
        region_data: improved_terse_object_update::RegionData {
            region_handle: 0x0003_E800_0003_E800,
            time_dilation: 0xFFFF,
        },
        object_data: objects,
    }
    .into()
}

/// A LayerData packet carrying about 1 KB of compressed terrain patches.
fn layer_data() -> Message<'static> {
    LayerData {
        layer_id: layer_data::LayerID { r#type: b'L' },
        layer_data: layer_data::LayerData {
            data: VarBytes::owned(filler(1100, 7)),
        },
    }
    .into()
}

/// A PacketAck acknowledging 60 packets.
fn packet_ack() -> Message<'static> {
    PacketAck {
        packets: (0..60)
            .map(|i| packet_ack::Packets { id: 5000 + i })
            .collect(),
    }
    .into()
}

fn samples() -> Vec<(&'static str, Message<'static>)> {
    vec![
        ("ObjectUpdate", object_update()),
        ("ImprovedTerseObjectUpdate", terse_update()),
        ("LayerData", layer_data()),
        ("PacketAck", packet_ack()),
    ]
}

/// Message bodies alone: the zero-copy decoder and the encoder.
fn message_bytes(c: &mut Criterion) {
    let mut g = c.benchmark_group("message_bytes");
    for (name, msg) in samples() {
        let mut body = Vec::new();
        msg.encode(&mut body);
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_with_input(BenchmarkId::new("decode", name), &body, |b, body| {
            b.iter(|| black_box(Message::decode(black_box(body)).unwrap()))
        });
        let mut out = Vec::with_capacity(body.len());
        g.bench_with_input(BenchmarkId::new("encode", name), &msg, |b, msg| {
            b.iter(|| {
                out.clear();
                black_box(msg).encode(&mut out);
                black_box(out.len())
            })
        });
    }
    g.finish();
}

/// Whole datagrams (header, zerocoding where the template asks, acks), one
/// packet per iteration, reported as packets per second.
fn packets(c: &mut Criterion) {
    let mut g = c.benchmark_group("packets");
    g.throughput(Throughput::Elements(1));
    for (name, msg) in samples() {
        let packet = Packet::new(SequenceNumber(77), msg)
            .reliable()
            .with_acks([SequenceNumber(1), SequenceNumber(2)]);
        let mut datagram = Vec::new();
        packet.encode(&mut datagram);
        let mut scratch = Vec::with_capacity(8192);
        g.bench_with_input(BenchmarkId::new("decode", name), &datagram, |b, d| {
            b.iter(|| {
                let p = Packet::decode(black_box(d), &mut scratch).unwrap();
                black_box(p.message.number())
            })
        });
        let mut out = Vec::with_capacity(2 * datagram.len());
        g.bench_with_input(BenchmarkId::new("encode", name), &packet, |b, p| {
            b.iter(|| {
                out.clear();
                black_box(p).encode(&mut out);
                black_box(out.len())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, message_bytes, packets);
criterion_main!(benches);
