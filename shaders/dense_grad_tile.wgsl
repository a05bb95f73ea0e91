// Matrix-tile form of dense_grad.wgsl's weight gradient (variants mt*; compiled together with dense_grad.wgsl,
// whose uniform and bindings it uses, and tile.wgsl): RM (2 or 4) quads of dW rows × CN (2 or 4) column quads, four
// batch rows per iteration. With g_r = this block's dY quad transposed (4 outputs × 4 rows) and x_c the X quad,
// a_rc += x_c · g_r gives a_rc[j] = dW row 4(row4 + r) + j at column quad col0 + c.
fn dyQuad(m: u32, q: u32, rows: u32) -> mat4x4f {
  let c = min(q, p.n4 - 1u);
  let last = rows - 1u;
  let live = vec4f(vec4<bool>(true, m + 1u < rows, m + 2u < rows, m + 3u < rows)); // rows past the end count zero
  let b = dy_base + c;
  return transpose(mat4x4f(dyAt(b + m * p.n4), dyAt(b + min(m + 1u, last) * p.n4) * live.y,
                           dyAt(b + min(m + 2u, last) * p.n4) * live.z, dyAt(b + min(m + 3u, last) * p.n4) * live.w));
}

fn xQuad(m: u32, q: u32, rows: u32) -> mat4x4f {
  let c = min(q, p.k4 - 1u);
  let last = rows - 1u;
  let b = x_base + c;
  return mat4x4f(xAt(b + m * p.k4), xAt(b + min(m + 1u, last) * p.k4), xAt(b + min(m + 2u, last) * p.k4), xAt(b + min(m + 3u, last) * p.k4));
}

fn storeGradQuad(row4: u32, col: u32, a: mat4x4f) {
  if (row4 >= p.n4 || col >= p.k4) { return; }
  let at = g_base + p.w_off + row4 * 4u * p.k4 + col;
  grads[at] = a[0];
  grads[at + p.k4] = a[1];
  grads[at + 2u * p.k4] = a[2];
  grads[at + 3u * p.k4] = a[3];
}

fn storeGrad(t: Tile, row4: u32, col0: u32) {
  storeGradQuad(row4, col0, t.a00);
  storeGradQuad(row4, col0 + 1u, t.a01);
  storeGradQuad(row4 + 1u, col0, t.a10);
  storeGradQuad(row4 + 1u, col0 + 1u, t.a11);
}

fn storeBias(q: u32, b: vec4f) {
  if (q < p.n4) { grads[g_base + p.b_off + q] = b; }
}

@compute @workgroup_size(WG)
fn denseBackwardWeightTiled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                            @builtin(local_invocation_index) lid: u32) {
  enterModel(wid.z);
  let t = groupIndex(wid, nwg) * WG + lid;
  let col_blocks = (p.k4 + CN - 1u) / CN;
  let row4 = (t / col_blocks) * RM;
  let col0 = (t % col_blocks) * CN;
  if (row4 >= p.n4) { return; }
  let rows = select(st.rows * p.row_mult, p.fixed_rows, p.fixed_rows > 0u);
  var t00: Tile; // dW row quads 0–1 × column quads 0–1; t01: column quads 2–3; t10, t11: row quads 2–3
  var t01: Tile;
  var t10: Tile;
  var t11: Tile;
  var b0: vec4f; // bias gradient of row quads 0 … 3
  var b1: vec4f;
  var b2: vec4f;
  var b3: vec4f;
  for (var m = 0u; m < rows; m += 4u) {
    let g0 = dyQuad(m, row4, rows);
    let g1 = dyQuad(m, row4 + 1u, rows);
    let x0 = xQuad(m, col0, rows);
    let x1 = xQuad(m, col0 + 1u, rows);
    mac(&t00, g0, g1, x0, x1);
    b0 += transpose(g0) * vec4f(1.0);
    b1 += transpose(g1) * vec4f(1.0);
    var x2: mat4x4f;
    var x3: mat4x4f;
    if (CN == 4u) {
      x2 = xQuad(m, col0 + 2u, rows);
      x3 = xQuad(m, col0 + 3u, rows);
      mac(&t01, g0, g1, x2, x3);
    }
    if (RM == 4u) {
      let g2 = dyQuad(m, row4 + 2u, rows);
      let g3 = dyQuad(m, row4 + 3u, rows);
      mac(&t10, g2, g3, x0, x1);
      if (CN == 4u) { mac(&t11, g2, g3, x2, x3); }
      b2 += transpose(g2) * vec4f(1.0);
      b3 += transpose(g3) * vec4f(1.0);
    }
  }
  storeGrad(t00, row4, col0);
  if (CN == 4u) { storeGrad(t01, row4, col0 + 2u); }
  if (RM == 4u) { storeGrad(t10, row4 + 2u, col0); }
  if (RM == 4u && CN == 4u) { storeGrad(t11, row4 + 2u, col0 + 2u); }
  if (col0 == 0u && p.write_bias == 1u) {
    storeBias(row4, b0);
    storeBias(row4 + 1u, b1);
    if (RM == 4u) {
      storeBias(row4 + 2u, b2);
      storeBias(row4 + 3u, b3);
    }
  }
}
