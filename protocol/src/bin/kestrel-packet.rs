//! `kestrel-packet`: inspect message templates and LLUDP packets.
//!
//! - `kestrel-packet template FILE` — parse a template, print message counts.
//! - `kestrel-packet decode HEX` — print a datagram as JSON.
//! - `kestrel-packet encode JSON` — print the datagram for a JSON packet as hex.
//!
//! `encode` reads the JSON that `decode` prints; `header` (or just its
//! `flags`) may be left out, and then the packet is zerocoded when its
//! message is, sequence 0, not reliable. `-` reads the argument from stdin.

use clap::{Parser, Subcommand};
use kestrel_protocol::messages::{Message, VarBytes};
use kestrel_protocol::packet::{Packet, PacketFlags, SequenceNumber};
use kestrel_protocol::template;
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kestrel-packet",
    version,
    about = "Inspect LLUDP message templates and packets"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse a message template and print how many messages it defines.
    Template {
        /// The template file (message_template.msg).
        file: std::path::PathBuf,
    },
    /// Decode a datagram given in hex and print it as JSON.
    Decode {
        /// The datagram as hex digits (spaces and colons ignored), or `-` for stdin.
        hex: String,
    },
    /// Encode a packet given as JSON and print the datagram as hex.
    Encode {
        /// The packet as JSON (the form `decode` prints), or `-` for stdin.
        json: String,
    },
}

/// The JSON `encode` accepts: a packet whose header may be partly absent.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PacketInput {
    #[serde(default)]
    header: HeaderInput,
    #[serde(default)]
    extra_header: Option<VarBytes<'static>>,
    message: Message<'static>,
    #[serde(default)]
    acks: Vec<SequenceNumber>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct HeaderInput {
    #[serde(default)]
    flags: Option<PacketFlags>,
    #[serde(default)]
    sequence: SequenceNumber,
}

fn read_arg(arg: &str) -> Result<String, String> {
    if arg != "-" {
        return Ok(arg.to_string());
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    Ok(s)
}

fn run(cli: Cli) -> Result<String, String> {
    match cli.command {
        Command::Template { file } => {
            let src = std::fs::read_to_string(&file)
                .map_err(|e| format!("{}: cannot read: {e}", file.display()))?;
            let t = template::parse(&src).map_err(|e| format!("{}:{e}", file.display()))?;
            let c = t.counts();
            Ok(format!(
                "messages: {} (fixed {}, high {}, medium {}, low {})",
                c.total(),
                c.fixed,
                c.high,
                c.medium,
                c.low
            ))
        }
        Command::Decode { hex } => {
            let text = read_arg(&hex)?;
            let digits: String = text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != ':')
                .collect();
            let bytes = hex::decode(&digits).map_err(|e| format!("not hex: {e}"))?;
            let mut scratch = Vec::new();
            let packet = Packet::decode(&bytes, &mut scratch).map_err(|e| e.to_string())?;
            serde_json::to_string_pretty(&packet).map_err(|e| format!("cannot print JSON: {e}"))
        }
        Command::Encode { json } => {
            let text = read_arg(&json)?;
            let input: PacketInput =
                serde_json::from_str(&text).map_err(|e| format!("bad packet JSON: {e}"))?;
            let mut packet = Packet::new(input.header.sequence, input.message);
            if let Some(flags) = input.header.flags {
                packet.header.flags = flags;
            }
            packet.extra_header = input.extra_header.unwrap_or_default();
            packet.acks = input.acks;
            let mut out = Vec::new();
            packet.try_encode(&mut out).map_err(|e| e.to_string())?;
            Ok(hex::encode(out))
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
