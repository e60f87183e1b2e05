//! `kestrel-actors`: instrumented mailboxes, supervision, fault injection,
//! the snapshot bus and Kestrel's actors.
