fn main() {
    eprintln!("kestrel-packet: not built yet");
    std::process::exit(2);
}
