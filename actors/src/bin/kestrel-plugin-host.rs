//! `kestrel-plugin-host NAME [ARGS…]`: runs one of Kestrel's example plugins
//! as an isolated plugin, speaking the framed plugin protocol on
//! stdin/stdout. Loaded by the viewer as
//! `--plugin PATH/kestrel-plugin-host:NAME[,ARGS…]`, e.g.
//! `--plugin target/debug/kestrel-plugin-host:faulty,abort-after=3`.

use std::process::ExitCode;

use kestrel_actors::plugin::{PluginRegistry, serve_stdio};

fn main() -> ExitCode {
    let registry = PluginRegistry::isolated_examples();
    let mut args = std::env::args().skip(1);
    let Some(name) = args.next() else {
        eprintln!(
            "usage: kestrel-plugin-host NAME [ARGS...]   (NAME: {})",
            registry.names().join(", ")
        );
        eprintln!("runs an example plugin on stdin/stdout for the Kestrel plugin supervisor");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    match registry.create(&name, &rest) {
        Ok(plugin) => serve_stdio(plugin),
        Err(e) => {
            eprintln!("kestrel-plugin-host: {e}");
            ExitCode::from(2)
        }
    }
}
