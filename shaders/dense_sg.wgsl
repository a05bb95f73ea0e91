// Subgroup tiles of dense.wgsl's forward X·Wᵀ and input gradient dY·W (variants sg*; compiled after dense.wgsl,
// whose uniform, bindings and epilogues they use; the module starts with `enable subgroups;`). A workgroup owns the
// same 8·RM-row × 8·CN-quad tile as the wt family, each invocation an RM × 4·CN block of it, but the row operand
// (X or dY), which every invocation of a block row needs, is loaded once per team of lanes and passed around with
// subgroupShuffle instead of through workgroup memory: no barriers, one storage read serves T = min(S, 8) lanes.
// Needs one subgroup size S dividing 64 (Gpu.subgroupSize); on adapters without subgroups the family is not offered.
// Helpers: subgroup.wgsl. Batched models: workgroup_id.z is the model (enterModel in dense.wgsl sets the bases).

@compute @workgroup_size(64)
fn denseForwardSubgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                        @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  enterModel(wid.z, true);
  let rows = rowCount();
  let slot = blockSlot(lane, size);
  let o = sgTileOrigin(groupIndex(wid, nwg), p.n4);
  let row0 = o.x + (slot / 8u) * RM;
  let col0 = o.y + (slot % 8u) * CN;
  let team = min(size, 8u);
  var acc: array<array<vec4f, CN>, RM>;
  // Every lane runs every iteration (no early exit), so the shuffles see the whole subgroup; rows and columns past
  // the end read clamped or zero operands and are never stored.
  for (var k0 = 0u; k0 < p.k4; k0 += team) {
    let mine = k0 + lane % team;
    var held: array<vec4f, RM>; // X[row0 + i, mine]
    for (var i = 0u; i < RM; i++) {
      held[i] = select(vec4f(0.0), lhs[lhs_base + min(row0 + i, rows - 1u) * p.k4 + min(mine, p.k4 - 1u)], mine < p.k4);
    }
    for (var j = 0u; j < team; j++) {
      let kk = min(k0 + j, p.k4 - 1u);
      var x: array<vec4f, RM>;
      for (var i = 0u; i < RM; i++) { x[i] = subgroupShuffle(held[i], teamLane(lane, size, j)); }
      for (var c = 0u; c < CN; c++) {
        let w = par_base + p.w_off + min(col0 + c, p.n4 - 1u) * 4u * p.k4 + kk;
        let w0 = params[w];
        let w1 = params[w + p.k4];
        let w2 = params[w + 2u * p.k4];
        let w3 = params[w + 3u * p.k4];
        for (var i = 0u; i < RM; i++) {
          acc[i][c] += vec4f(dot(x[i], w0), dot(x[i], w1), dot(x[i], w2), dot(x[i], w3));
        }
      }
    }
  }
  for (var i = 0u; i < RM; i++) {
    for (var c = 0u; c < CN; c++) { storeForwardRow(row0 + i, col0 + c, acc[i][c], rows); }
  }
}

@compute @workgroup_size(64)
fn denseBackwardInputSubgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                              @builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  enterModel(wid.z, false);
  let rows = rowCount();
  let slot = blockSlot(lane, size);
  let o = sgTileOrigin(groupIndex(wid, nwg), p.k4);
  let row0 = o.x + (slot / 8u) * RM;
  let col0 = o.y + (slot % 8u) * CN;
  let team = min(size, 8u);
  var acc: array<array<vec4f, CN>, RM>;
  for (var n0 = 0u; n0 < p.n4; n0 += team) {
    let mine = n0 + lane % team;
    var held: array<vec4f, RM>; // dY[row0 + i, mine]
    for (var i = 0u; i < RM; i++) {
      held[i] = select(vec4f(0.0), lhs[lhs_base + min(row0 + i, rows - 1u) * p.n4 + min(mine, p.n4 - 1u)], mine < p.n4);
    }
    for (var j = 0u; j < team; j++) {
      let nn = min(n0 + j, p.n4 - 1u);
      var dy: array<vec4f, RM>;
      for (var i = 0u; i < RM; i++) { dy[i] = subgroupShuffle(held[i], teamLane(lane, size, j)); }
      for (var c = 0u; c < CN; c++) {
        let w = par_base + p.w_off + nn * 4u * p.k4 + min(col0 + c, p.k4 - 1u);
        let w0 = params[w];
        let w1 = params[w + p.k4];
        let w2 = params[w + 2u * p.k4];
        let w3 = params[w + 3u * p.k4];
        for (var i = 0u; i < RM; i++) {
          acc[i][c] += dy[i].x * w0 + dy[i].y * w1 + dy[i].z * w2 + dy[i].w * w3;
        }
      }
    }
  }
  for (var i = 0u; i < RM; i++) {
    for (var c = 0u; c < CN; c++) { storeInputGradRow(row0 + i, col0 + c, acc[i][c], rows); }
  }
}
