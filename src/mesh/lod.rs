//! Level-of-detail selection for prim volumes.

/// How finely a prim volume is tessellated. The detail factors are Second
/// Life's (`LLVolumeLODGroup`): circle profiles get `floor(6 × detail)`
/// segments and circular paths `floor(6 × detail)` steps per revolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lod {
    /// Detail 1.0: 6-segment circles.
    Lowest,
    /// Detail 1.5: 9-segment circles.
    Low,
    /// Detail 2.5: 15-segment circles.
    Medium,
    /// Detail 4.0: 24-segment circles.
    High,
}

impl Lod {
    /// Every level, coarsest first (the order of [`crate::mesh::prim_lods`]).
    pub const ALL: [Lod; 4] = [Lod::Lowest, Lod::Low, Lod::Medium, Lod::High];

    /// The detail factor this level scales subdivision counts by.
    pub fn detail(self) -> f32 {
        match self {
            Lod::Lowest => 1.0,
            Lod::Low => 1.5,
            Lod::Medium => 2.5,
            Lod::High => 4.0,
        }
    }

    /// Position in [`Lod::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}
