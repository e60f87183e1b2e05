fn main() {
    println!("kestrel: the viewer is not built yet; see README.md for what works today");
}
