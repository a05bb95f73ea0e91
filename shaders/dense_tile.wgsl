// Matrix-tile forms of dense.wgsl's forward X·Wᵀ and input gradient dY·W (variants mt*; compiled together with
// dense.wgsl, whose uniform and bindings they use, and tile.wgsl). Each invocation owns RM (8 or 16) rows × CN (2 or
// 4) column quads as 4×4 matrices updated by mat4x4 products; quads a smaller block does not use are dead code.
// Rows r … r + 3 of lhs (from vec4 offset `off`, row stride `stride` vec4s) at vec4 column kk, one per matrix column.
fn lhsQuad(off: u32, r: u32, kk: u32, stride: u32, rows: u32) -> mat4x4f {
  let last = rows - 1u;
  let at = off + kk;
  return mat4x4f(lhsAt(at + min(r, last) * stride), lhsAt(at + min(r + 1u, last) * stride),
                 lhsAt(at + min(r + 2u, last) * stride), lhsAt(at + min(r + 3u, last) * stride));
}

// Four consecutive rows of W (from vec4 index w, row stride k4).
fn wRows(w0: u32) -> mat4x4f {
  let w = par_base + w0;
  return mat4x4f(paramAt(w), paramAt(w + p.k4), paramAt(w + 2u * p.k4), paramAt(w + 3u * p.k4));
}

// Forward: the quad for output column quad q is Wᵀ restricted to 4 outputs × 4 inputs.
fn wForward(q: u32, kk: u32) -> mat4x4f {
  return transpose(wRows(p.w_off + min(q, p.n4 - 1u) * 4u * p.k4 + kk));
}

fn storeForward(t: Tile, row0: u32, col0: u32, rows: u32) {
  storeForwardQuad(row0, col0, t.a00, rows);
  storeForwardQuad(row0, col0 + 1u, t.a01, rows);
  storeForwardQuad(row0 + 4u, col0, t.a10, rows);
  storeForwardQuad(row0 + 4u, col0 + 1u, t.a11, rows);
}

// a[i]: row row0 + i at output column quad col (static indices: see above).
fn storeForwardQuad(row0: u32, col: u32, a: mat4x4f, rows: u32) {
  storeForwardRow(row0, col, a[0], rows);
  storeForwardRow(row0 + 1u, col, a[1], rows);
  storeForwardRow(row0 + 2u, col, a[2], rows);
  storeForwardRow(row0 + 3u, col, a[3], rows);
}

@compute @workgroup_size(WG)
fn denseForwardTiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                     @builtin(local_invocation_index) lid: u32) {
  enterModel(wid.z, true);
  let t = groupIndex(wid, nwg) * WG + lid;
  let rows = rowCount();
  let col_blocks = (p.n4 + CN - 1u) / CN;
  let row0 = (t / col_blocks) * RM;
  let col0 = (t % col_blocks) * CN;
  if (row0 >= rows) { return; }
  var t00: Tile; // rows 0–7 × quads 0–1; t01: quads 2–3; t10, t11: rows 8–15
  var t01: Tile;
  var t10: Tile;
  var t11: Tile;
  for (var kk = 0u; kk < p.k4; kk++) {
    let x0 = lhsQuad(lhs_base, row0, kk, p.k4, rows);
    let x1 = lhsQuad(lhs_base, row0 + 4u, kk, p.k4, rows);
    let w0 = wForward(col0, kk);
    let w1 = wForward(col0 + 1u, kk);
    mac(&t00, x0, x1, w0, w1);
    var w2: mat4x4f;
    var w3: mat4x4f;
    if (CN == 4u) {
      w2 = wForward(col0 + 2u, kk);
      w3 = wForward(col0 + 3u, kk);
      mac(&t01, x0, x1, w2, w3);
    }
    if (RM == 16u) {
      let x2 = lhsQuad(lhs_base, row0 + 8u, kk, p.k4, rows);
      let x3 = lhsQuad(lhs_base, row0 + 12u, kk, p.k4, rows);
      mac(&t10, x2, x3, w0, w1);
      if (CN == 4u) { mac(&t11, x2, x3, w2, w3); }
    }
  }
  storeForward(t00, row0, col0, rows);
  if (CN == 4u) { storeForward(t01, row0, col0 + 2u, rows); }
  if (RM == 16u) { storeForward(t10, row0 + 8u, col0, rows); }
  if (RM == 16u && CN == 4u) { storeForward(t11, row0 + 8u, col0 + 2u, rows); }
}

fn storeInputGrad(t: Tile, row0: u32, col0: u32, rows: u32) {
  storeInputGradQuad(row0, col0, t.a00, rows);
  storeInputGradQuad(row0, col0 + 1u, t.a01, rows);
  storeInputGradQuad(row0 + 4u, col0, t.a10, rows);
  storeInputGradQuad(row0 + 4u, col0 + 1u, t.a11, rows);
}

fn storeInputGradQuad(row0: u32, col: u32, a: mat4x4f, rows: u32) {
  storeInputGradRow(row0, col, a[0], rows);
  storeInputGradRow(row0 + 1u, col, a[1], rows);
  storeInputGradRow(row0 + 2u, col, a[2], rows);
  storeInputGradRow(row0 + 3u, col, a[3], rows);
}

// Backward input: the quad for input column quad q at dY's vec4 column nn is W rows 4nn … 4nn + 3 there.
fn wInput(q: u32, nn: u32) -> mat4x4f {
  return wRows(p.w_off + nn * 4u * p.k4 + min(q, p.k4 - 1u));
}

@compute @workgroup_size(WG)
fn denseBackwardInputTiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                           @builtin(local_invocation_index) lid: u32) {
  enterModel(wid.z, false);
  let t = groupIndex(wid, nwg) * WG + lid;
  let rows = rowCount();
  let col_blocks = (p.k4 + CN - 1u) / CN;
  let row0 = (t / col_blocks) * RM;
  let col0 = (t % col_blocks) * CN;
  if (row0 >= rows) { return; }
  var t00: Tile;
  var t01: Tile;
  var t10: Tile;
  var t11: Tile;
  for (var nn = 0u; nn < p.n4; nn++) {
    let d0 = lhsQuad(lhs_base, row0, nn, p.n4, rows);
    let d1 = lhsQuad(lhs_base, row0 + 4u, nn, p.n4, rows);
    let w0 = wInput(col0, nn);
    let w1 = wInput(col0 + 1u, nn);
    mac(&t00, d0, d1, w0, w1);
    var w2: mat4x4f;
    var w3: mat4x4f;
    if (CN == 4u) {
      w2 = wInput(col0 + 2u, nn);
      w3 = wInput(col0 + 3u, nn);
      mac(&t01, d0, d1, w2, w3);
    }
    if (RM == 16u) {
      let d2 = lhsQuad(lhs_base, row0 + 8u, nn, p.n4, rows);
      let d3 = lhsQuad(lhs_base, row0 + 12u, nn, p.n4, rows);
      mac(&t10, d2, d3, w0, w1);
      if (CN == 4u) { mac(&t11, d2, d3, w2, w3); }
    }
  }
  storeInputGrad(t00, row0, col0, rows);
  if (CN == 4u) { storeInputGrad(t01, row0, col0 + 2u, rows); }
  if (RM == 16u) { storeInputGrad(t10, row0 + 8u, col0, rows); }
  if (RM == 16u && CN == 4u) { storeInputGrad(t11, row0 + 8u, col0 + 2u, rows); }
}
