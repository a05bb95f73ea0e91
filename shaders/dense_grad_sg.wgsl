// Subgroup tiles of dense_grad.wgsl's dW = dYᵀ·X and db = Σ_rows dY (variants sg*; compiled after dense_grad.wgsl
// and with dense_sg.wgsl's helpers; the module starts with `enable subgroups;`). A workgroup owns 8·RM row quads ×
// 8·CN column quads of dW, each invocation 4·RM × 4·CN of it; the dY values of a block row, which all its lanes
// need, are read once per team of T = min(S, 8) lanes (one batch row each) and passed around with subgroupShuffle. Batched models: enterModel(wid.z) (dense_grad.wgsl).

@compute @workgroup_size(64)
fn denseBackwardWeightSubgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                               @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  enterModel(wid.z);
  let slot = blockSlot(lane, size);
  let o = sgTileOrigin(groupIndex(wid, nwg), p.k4);
  let row4 = o.x + (slot / 8u) * RM; // first vec4 group of dW rows
  let col0 = o.y + (slot % 8u) * CN;
  let team = min(size, 8u);
  let rows = select(st.rows * p.row_mult, p.fixed_rows, p.fixed_rows > 0u);
  var acc: array<array<vec4f, CN>, RM * 4u>;
  var bias: array<vec4f, RM>;
  // Every lane runs every iteration (no early exit), so the shuffles see the whole subgroup.
  for (var m0 = 0u; m0 < rows; m0 += team) {
    let mine = m0 + lane % team;
    var held: array<vec4f, RM>; // dY[mine, row4 + r]; zero past the last row
    for (var r = 0u; r < RM; r++) {
      held[r] = select(vec4f(0.0), dy[dy_base + min(mine, rows - 1u) * p.n4 + min(row4 + r, p.n4 - 1u)], mine < rows);
    }
    for (var j = 0u; j < team; j++) {
      let m = min(m0 + j, rows - 1u); // rows past the end meet zero gradients
      var g: array<vec4f, RM>;
      for (var r = 0u; r < RM; r++) { g[r] = subgroupShuffle(held[r], teamLane(lane, size, j)); }
      for (var c = 0u; c < CN; c++) {
        let xs = x[x_base + m * p.k4 + min(col0 + c, p.k4 - 1u)];
        for (var r = 0u; r < RM; r++) {
          acc[4u * r][c] += g[r].x * xs;
          acc[4u * r + 1u][c] += g[r].y * xs;
          acc[4u * r + 2u][c] += g[r].z * xs;
          acc[4u * r + 3u][c] += g[r].w * xs;
        }
      }
      for (var r = 0u; r < RM; r++) { bias[r] += g[r]; }
    }
  }
  for (var r = 0u; r < RM; r++) {
    if (row4 + r >= p.n4) { break; }
    for (var j = 0u; j < 4u; j++) {
      let row = (row4 + r) * 4u + j;
      for (var c = 0u; c < CN; c++) {
        if (col0 + c < p.k4) { grads[g_base + p.w_off + row * p.k4 + col0 + c] = acc[4u * r + j][c]; }
      }
    }
    if (col0 == 0u && p.write_bias == 1u) { grads[g_base + p.b_off + row4 + r] = bias[r]; }
  }
}
