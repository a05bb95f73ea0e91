// Helpers of the sg matmul family (dense_sg.wgsl, dense_grad_sg.wgsl): which block of the workgroup's 8 × 8 grid an
// invocation owns, and which lane of its team holds a shared operand. Needs `enable subgroups;`.

var<workgroup> subgroupCount: atomic<u32>;

// This invocation's place 0…63 in the tile's 8 × 8 grid of blocks: its subgroup's ordinal (claimed with one atomic,
// so no mapping of local_invocation_index onto subgroups is assumed) times S plus its lane. Lanes 8j … 8j + 7 of a
// subgroup of S ≥ 8 (all S lanes when S < 8) then share a block row: that is the team.
// Every lane calls the atomic (lane 0 adds 1, the others 0) and a barrier comes first: SwiftShader handed every
// subgroup ordinal 0 when the add sat in a branch or ran before any barrier (the counter's zero-initialisation is
// only ordered before the other subgroups' adds by a barrier there).
fn blockSlot(lane: u32, size: u32) -> u32 {
  workgroupBarrier();
  let claimed = atomicAdd(&subgroupCount, select(0u, 1u, lane == 0u));
  return subgroupBroadcast(claimed, 0u) * size + lane;
}

// The subgroup lane that holds operand column `j` of this lane's team.
fn teamLane(lane: u32, size: u32, j: u32) -> u32 {
  let team = min(size, 8u);
  return lane - lane % team + j;
}

// The tile of workgroup `tile` in a grid with `quads` column quads: its first row and first column quad.
fn sgTileOrigin(tile: u32, quads: u32) -> vec2u {
  let col_tiles = (quads + 8u * CN - 1u) / (8u * CN);
  return vec2u((tile / col_tiles) * 8u * RM, (tile % col_tiles) * 8u * CN);
}
