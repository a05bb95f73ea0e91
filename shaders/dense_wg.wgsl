// Workgroup-memory tiles of dense.wgsl's forward X·Wᵀ and input gradient dY·W (variants wt*; compiled after
// dense.wgsl, whose uniform, bindings and epilogues they use). 64 invocations as 8 × 8 own a TM × 4·TQ output tile,
// each an RM × 4·CN block of it; the operands pass through workgroup memory KQ vec4s of the reduction at a time, so
// every value read from storage serves 8 invocations. The shape discrete GPUs want; on CPU adapters the barriers
// make it many times slower than the register blocks, and the tuner's screening drops it after one dispatch.

const KQ = 4u;      // reduction chunk, in vec4s (16 floats)
const TM = 8u * RM; // tile rows
const TQ = 8u * CN; // tile column quads

var<workgroup> tileA: array<vec4f, TM * KQ>;      // lhs rows × chunk: X (forward) or dY (input gradient)
var<workgroup> tileB: array<vec4f, 4u * TQ * KQ>; // W: forward 4·TQ rows × KQ; input gradient 4·KQ rows × TQ

// Tile `tile` of a grid with `quads` column quads: its first row and first column quad.
fn tileOrigin(tile: u32, quads: u32) -> vec2u {
  let col_tiles = (quads + TQ - 1u) / TQ;
  return vec2u((tile / col_tiles) * TM, (tile % col_tiles) * TQ);
}

// tileA ← lhs rows o … o + TM − 1 (clamped: rows past the end are never stored) at vec4 columns k0 … k0 + KQ − 1
// (zero past `width`, so a partial last chunk adds nothing).
fn loadRows(lid: u32, off: u32, o: u32, k0: u32, width: u32, rows: u32) {
  for (var i = lid; i < TM * KQ; i += 64u) {
    let kk = k0 + i % KQ;
    tileA[i] = select(vec4f(0.0), lhs[off + min(o + i / KQ, rows - 1u) * width + min(kk, width - 1u)], kk < width);
  }
}

@compute @workgroup_size(64)
fn denseForwardShared(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                      @builtin(local_invocation_index) lid: u32) {
  enterModel(wid.z, true);
  let rows = rowCount();
  let o = tileOrigin(groupIndex(wid, nwg), p.n4);
  if (o.x >= rows) { return; } // the same for the whole workgroup, so the barriers below stay uniform
  let r0 = (lid / 8u) * RM;
  let q0 = (lid % 8u) * CN;
  var acc: array<array<vec4f, CN>, RM>;
  for (var k0 = 0u; k0 < p.k4; k0 += KQ) {
    loadRows(lid, lhs_base, o.x, k0, p.k4, rows);
    for (var i = lid; i < 4u * TQ * KQ; i += 64u) {
      let kk = k0 + i % KQ;
      let w = p.w_off + min(o.y * 4u + i / KQ, 4u * p.n4 - 1u) * p.k4 + min(kk, p.k4 - 1u);
      tileB[i] = select(vec4f(0.0), params[par_base + w], kk < p.k4);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < KQ; kk++) {
      var x: array<vec4f, RM>;
      for (var i = 0u; i < RM; i++) { x[i] = tileA[(r0 + i) * KQ + kk]; }
      for (var c = 0u; c < CN; c++) {
        let w = 4u * (q0 + c) * KQ + kk;
        let w0 = tileB[w];
        let w1 = tileB[w + KQ];
        let w2 = tileB[w + 2u * KQ];
        let w3 = tileB[w + 3u * KQ];
        for (var i = 0u; i < RM; i++) {
          acc[i][c] += vec4f(dot(x[i], w0), dot(x[i], w1), dot(x[i], w2), dot(x[i], w3));
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < RM; i++) {
    for (var c = 0u; c < CN; c++) { storeForwardRow(o.x + r0 + i, o.y + q0 + c, acc[i][c], rows); }
  }
}

@compute @workgroup_size(64)
fn denseBackwardInputShared(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                            @builtin(local_invocation_index) lid: u32) {
  enterModel(wid.z, false);
  let rows = rowCount();
  let o = tileOrigin(groupIndex(wid, nwg), p.k4);
  if (o.x >= rows) { return; }
  let r0 = (lid / 8u) * RM;
  let q0 = (lid % 8u) * CN;
  var acc: array<array<vec4f, CN>, RM>;
  for (var n0 = 0u; n0 < p.n4; n0 += KQ) {
    loadRows(lid, lhs_base, o.x, n0, p.n4, rows);
    for (var i = lid; i < 4u * TQ * KQ; i += 64u) {
      let n = n0 * 4u + i / TQ; // W row; rows past 4·n4 count zero
      let w = p.w_off + min(n, 4u * p.n4 - 1u) * p.k4 + min(o.y + i % TQ, p.k4 - 1u);
      tileB[i] = select(vec4f(0.0), params[par_base + w], n < 4u * p.n4);
    }
    workgroupBarrier();
    for (var nn = 0u; nn < KQ; nn++) {
      var dy: array<vec4f, RM>;
      for (var i = 0u; i < RM; i++) { dy[i] = tileA[(r0 + i) * KQ + nn]; }
      for (var c = 0u; c < CN; c++) {
        let w = 4u * nn * TQ + q0 + c;
        let w0 = tileB[w];
        let w1 = tileB[w + TQ];
        let w2 = tileB[w + 2u * TQ];
        let w3 = tileB[w + 3u * TQ];
        for (var i = 0u; i < RM; i++) {
          acc[i][c] += dy[i].x * w0 + dy[i].y * w1 + dy[i].z * w2 + dy[i].w * w3;
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < RM; i++) {
    for (var c = 0u; c < CN; c++) { storeInputGradRow(o.x + r0 + i, o.y + q0 + c, acc[i][c], rows); }
  }
}
