// Workgroup-memory tile of dense_grad.wgsl's weight gradient dW = dYᵀ · X and db = Σ_rows dY (variants wt*;
// compiled after dense_grad.wgsl, whose uniform and bindings it uses). 64 invocations as 8 × 8 own 4·TN rows ×
// 4·TQ columns of dW, each 4·RM rows × 4·CN columns of it; MQ batch rows of dY and X pass through workgroup memory
// at a time, and each invocation adds their outer products (no transposes: both operands are row-major in the batch).

const MQ = 16u;     // batch rows per chunk
const TN = 8u * RM; // tile's dW row quads
const TQ = 8u * CN; // tile's column quads

var<workgroup> tileDy: array<vec4f, MQ * TN>; // dY rows × this tile's row quads of dW
var<workgroup> tileX: array<vec4f, MQ * TQ>;  // X rows × this tile's column quads

@compute @workgroup_size(64)
fn denseBackwardWeightShared(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                             @builtin(local_invocation_index) lid: u32) {
  enterModel(wid.z);
  let tile = groupIndex(wid, nwg);
  let col_tiles = (p.k4 + TQ - 1u) / TQ;
  let n0 = (tile / col_tiles) * TN;
  let k0 = (tile % col_tiles) * TQ;
  if (n0 >= p.n4) { return; } // the same for the whole workgroup, so the barriers below stay uniform
  let rows = select(st.rows * p.row_mult, p.fixed_rows, p.fixed_rows > 0u);
  let r0 = (lid / 8u) * RM;
  let q0 = (lid % 8u) * CN;
  var acc: array<array<vec4f, CN>, RM * 4u>; // acc[4r + j][c]: dW row 4(n0 + r0 + r) + j, column quad k0 + q0 + c
  var bias: array<vec4f, RM>;
  for (var m0 = 0u; m0 < rows; m0 += MQ) {
    // Rows past the end load as zero, so they add nothing to dW or db.
    for (var i = lid; i < MQ * TN; i += 64u) {
      let m = m0 + i / TN;
      tileDy[i] = select(vec4f(0.0), dy[dy_base + min(m, rows - 1u) * p.n4 + min(n0 + i % TN, p.n4 - 1u)], m < rows);
    }
    for (var i = lid; i < MQ * TQ; i += 64u) {
      let m = m0 + i / TQ;
      tileX[i] = select(vec4f(0.0), x[x_base + min(m, rows - 1u) * p.k4 + min(k0 + i % TQ, p.k4 - 1u)], m < rows);
    }
    workgroupBarrier();
    for (var m = 0u; m < MQ; m++) {
      var xs: array<vec4f, CN>;
      for (var c = 0u; c < CN; c++) { xs[c] = tileX[m * TQ + q0 + c]; }
      for (var r = 0u; r < RM; r++) {
        let g = tileDy[m * TN + r0 + r];
        bias[r] += g;
        for (var c = 0u; c < CN; c++) {
          acc[4u * r][c] += g.x * xs[c];
          acc[4u * r + 1u][c] += g.y * xs[c];
          acc[4u * r + 2u][c] += g.z * xs[c];
          acc[4u * r + 3u][c] += g.w * xs[c];
        }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < RM; r++) {
    let quad = n0 + r0 + r;
    if (quad >= p.n4) { break; }
    for (var j = 0u; j < 4u; j++) {
      for (var c = 0u; c < CN; c++) {
        let col = k0 + q0 + c;
        if (col < p.k4) { grads[g_base + p.w_off + (quad * 4u + j) * p.k4 + col] = acc[4u * r + j][c]; }
      }
    }
    // Every invocation sums its rows' bias gradient; those of the first column quad store it.
    if (k0 + q0 == 0u && p.write_bias == 1u) { grads[g_base + p.b_off + quad] = bias[r]; }
  }
}
