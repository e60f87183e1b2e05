//! Decoding messages without Variable blocks allocates nothing, counted by
//! a global allocator in this test binary (its own process, one test
//! function, so no other thread allocates while counting).

use kestrel_protocol::messages::{
    AgentUpdate, CompletePingCheck, KillObject, Message, StartPingCheck, agent_update,
    complete_ping_check, kill_object, start_ping_check,
};
use kestrel_protocol::packet::{Packet, SequenceNumber, peek_header};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwards the caller's layout unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        // SAFETY: `ptr`/`layout` came from this allocator, which is System's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    f();
    ALLOCATIONS.load(Ordering::SeqCst) - before
}

#[test]
fn fixed_shape_messages_decode_without_allocating() {
    let ping = Message::from(StartPingCheck {
        ping_id: start_ping_check::PingID {
            ping_id: 3,
            oldest_unacked: 99,
        },
    });
    let pong = Message::from(CompletePingCheck {
        ping_id: complete_ping_check::PingID { ping_id: 3 },
    });
    let update = Message::from(AgentUpdate {
        agent_data: agent_update::AgentData {
            far: 128.0,
            control_flags: 0x400,
            camera_center: glam::Vec3::new(128.0, 128.0, 25.0),
            ..Default::default()
        },
    });
    let kill = Message::from(KillObject {
        object_data: vec![kill_object::ObjectData { id: 7 }],
    });

    let mut bodies = Vec::new();
    let mut datagrams = Vec::new();
    for m in [&ping, &pong, &update] {
        let mut b = Vec::new();
        m.encode(&mut b);
        bodies.push(b);
        let mut d = Vec::new();
        Packet::new(SequenceNumber(1), m.clone())
            .reliable()
            .encode(&mut d);
        datagrams.push(d);
    }
    // AgentUpdate is Zerocoded: the packet really exercises zero decoding.
    assert_eq!(datagrams[2][0] & 0x80, 0x80);
    let mut kill_body = Vec::new();
    kill.encode(&mut kill_body);
    let mut scratch = Vec::with_capacity(2048);

    for (body, expected) in bodies.iter().zip([&ping, &pong, &update]) {
        let mut got = None;
        let n = allocations_in(|| got = Some(Message::decode(body).unwrap()));
        assert_eq!(n, 0, "decoding {} allocated", expected.name());
        assert_eq!(got.as_ref(), Some(expected));
    }
    for (d, expected) in datagrams.iter().zip([&ping, &pong, &update]) {
        let n = allocations_in(|| {
            let p = Packet::decode(d, &mut scratch).unwrap();
            assert_eq!(&p.message, expected);
        });
        assert_eq!(n, 0, "packet decode of {} allocated", expected.name());
        let n = allocations_in(|| {
            peek_header(d).unwrap();
        });
        assert_eq!(n, 0, "peek_header allocated");
    }
    // Typed decoding too.
    let n = allocations_in(|| {
        StartPingCheck::decode(&bodies[0]).unwrap();
        AgentUpdate::decode(&bodies[2]).unwrap();
    });
    assert_eq!(n, 0);
    // The counter works: a Variable block list is one allocation.
    let n = allocations_in(|| {
        Message::decode(&kill_body).unwrap();
    });
    assert_eq!(n, 1, "KillObject's block Vec");
}
