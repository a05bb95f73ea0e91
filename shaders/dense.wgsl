// Dense layer products with W in PyTorch layout (N, K): forward Y = act(X·Wᵀ + b) and backward dX = dY·W.
// Register-blocked: each invocation owns an RM × 4·CN output block in registers and loads only vec4s, with no
// workgroup memory and no barriers (the fast shape on CPU adapters). RM and CN are module consts.
// Batched models: workgroup_id.z is the model; its X, Y, dY, dX slices start at model · capacity · width and its
// parameters at model · param4 (common.wgsl Step). Every family's entry sets these bases with enterModel.

struct Dense {
  n: u32,        // output features N of the layer (logical)
  k: u32,        // input features K of the layer (logical)
  n4: u32,       // ceil(N/4): vec4 columns of Y; W has 4·n4 rows (pad rows are zero)
  k4: u32,       // ceil(K/4): vec4 columns of X and of W
  w_off: u32,    // W offset in the parameter slab, in vec4s
  b_off: u32,    // bias offset in the parameter slab, in vec4s
  act: u32,      // activation fused into the forward epilogue (ACT_*)
  alpha: f32,    // its LeakyReLU slope
  in_act: u32,   // activation of the op that produced X: backward multiplies by its derivative
  in_alpha: f32, // that activation's slope
  write_pre: u32, // forward: 1 = also store the pre-activation in aux (logits for BCE)
  use_bias: u32,  // forward: 0 = no bias (Jacobian products)
  fixed_rows: u32, // rows M when > 0 (products of weights with weights) ...
  row_mult: u32,  // ... else M = st.rows · row_mult (1 for batches, Z for per-sample Jacobian rows)
  x_off: u32,     // forward: offset of X in lhs, in vec4s (W₀ read from the parameter slab for W₀W₀ᵀ)
  pad1: u32,
}

fn rowCount() -> u32 {
  return select(st.rows * p.row_mult, p.fixed_rows, p.fixed_rows > 0u);
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Dense;
// Bindings 2 and 3 — lhs (forward: X (M, k4); backward: dY (M, n4)) and the parameter slab (W, b) — are declared by
// dense_io.wgsl (storage buffers) or dense_io_tex.wgsl (their texture mirrors), read through lhsAt and paramAt.
@group(0) @binding(4) var<storage, read_write> out: array<vec4f>;   // forward: Y (M, n4); backward: dX (M, k4)
@group(0) @binding(5) var<storage, read_write> aux: array<vec4f>;  // forward: pre-activation (M, n4) if write_pre;
                                                                    // backward: X (M, k4), the producer's output (read)

// This invocation's model's slices: where lhs (X, or dY), out and aux (Y and the pre-activation, or dX and X) and
// the parameters start, in vec4s.
var<private> lhs_base: u32;
var<private> out_base: u32;
var<private> par_base: u32;

fn enterModel(model: u32, forward: bool) {
  let x = model * st.capacity * p.k4;
  let y = model * st.capacity * p.n4;
  lhs_base = select(y, p.x_off + x, forward);
  out_base = select(x, y, forward);
  par_base = model * st.param4;
}

// Epilogues shared by the tiled families (dense_tile.wgsl, dense_wg.wgsl): one vec4 of an output row each.
// Forward: bias, activation, pad columns exactly zero, optional pre-activation.
fn storeForwardRow(row: u32, col: u32, v: vec4f, rows: u32) {
  if (row >= rows || col >= p.n4) { return; }
  let bias = select(vec4f(0.0), paramAt(par_base + p.b_off + col), p.use_bias == 1u);
  let live = (vec4u(col * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.n);
  let pre = select(vec4f(0.0), v + bias, live);
  out[out_base + row * p.n4 + col] = select(vec4f(0.0), activate(p.act, p.alpha, pre), live);
  if (p.write_pre == 1u) { aux[out_base + row * p.n4 + col] = pre; }
}

// Input gradient: times the derivative of the producer's activation.
fn storeInputGradRow(row: u32, col: u32, v: vec4f, rows: u32) {
  if (row >= rows || col >= p.k4) { return; }
  var g = v;
  // X has one row per sample: Jacobian row r belongs to sample r / row_mult.
  if (p.in_act != ACT_IDENTITY) { g *= activateGrad(p.in_act, p.in_alpha, aux[out_base + (row / p.row_mult) * p.k4 + col]); }
  out[out_base + row * p.k4 + col] = g;
}

@compute @workgroup_size(WG)
fn denseForward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let t = groupIndex(wid, nwg) * WG + lid;
  let rows = rowCount();
  let col_blocks = (p.n4 + CN - 1u) / CN;
  let row0 = (t / col_blocks) * RM;
  let col0 = (t % col_blocks) * CN;
  if (row0 >= rows) { return; }
  enterModel(wid.z, true);
  let xb = lhs_base;
  let pb = par_base;
  let ob = out_base;
  var acc: array<array<vec4f, CN>, RM>;
  for (var kk = 0u; kk < p.k4; kk++) {
    var x: array<vec4f, RM>;
    for (var i = 0u; i < RM; i++) { x[i] = lhsAt(xb + min(row0 + i, rows - 1u) * p.k4 + kk); }
    for (var c = 0u; c < CN; c++) {
      let w = pb + p.w_off + min(col0 + c, p.n4 - 1u) * 4u * p.k4 + kk;
      let w0 = paramAt(w);
      let w1 = paramAt(w + p.k4);
      let w2 = paramAt(w + 2u * p.k4);
      let w3 = paramAt(w + 3u * p.k4);
      for (var i = 0u; i < RM; i++) {
        acc[i][c] += vec4f(dot(x[i], w0), dot(x[i], w1), dot(x[i], w2), dot(x[i], w3));
      }
    }
  }
  for (var c = 0u; c < CN; c++) {
    let col = col0 + c;
    if (col >= p.n4) { break; }
    let bias = select(vec4f(0.0), paramAt(pb + p.b_off + col), p.use_bias == 1u);
    let live = (vec4u(col * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.n); // pad columns stay exactly zero
    for (var i = 0u; i < RM; i++) {
      let row = row0 + i;
      if (row < rows) {
        let pre = select(vec4f(0.0), acc[i][c] + bias, live);
        out[ob + row * p.n4 + col] = select(vec4f(0.0), activate(p.act, p.alpha, pre), live);
        if (p.write_pre == 1u) { aux[ob + row * p.n4 + col] = pre; }
      }
    }
  }
}

// dX = dY · W, times the derivative of the producer's activation: the gradient at the producer's pre-activation.
@compute @workgroup_size(WG)
fn denseBackwardInput(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                      @builtin(local_invocation_index) lid: u32) {
  let t = groupIndex(wid, nwg) * WG + lid;
  let rows = rowCount();
  let col_blocks = (p.k4 + CN - 1u) / CN;
  let row0 = (t / col_blocks) * RM;
  let col0 = (t % col_blocks) * CN;
  if (row0 >= rows) { return; }
  enterModel(wid.z, false);
  let yb = lhs_base;
  let pb = par_base;
  let xb = out_base;
  var acc: array<array<vec4f, CN>, RM>;
  for (var nn = 0u; nn < p.n4; nn++) {
    var dy: array<vec4f, RM>;
    for (var i = 0u; i < RM; i++) { dy[i] = lhsAt(yb + min(row0 + i, rows - 1u) * p.n4 + nn); }
    for (var c = 0u; c < CN; c++) {
      let w = pb + p.w_off + nn * 4u * p.k4 + min(col0 + c, p.k4 - 1u);
      let w0 = paramAt(w);
      let w1 = paramAt(w + p.k4);
      let w2 = paramAt(w + 2u * p.k4);
      let w3 = paramAt(w + 3u * p.k4);
      for (var i = 0u; i < RM; i++) {
        acc[i][c] += dy[i].x * w0 + dy[i].y * w1 + dy[i].z * w2 + dy[i].w * w3;
      }
    }
  }
  for (var c = 0u; c < CN; c++) {
    let col = col0 + c;
    if (col >= p.k4) { break; }
    for (var i = 0u; i < RM; i++) {
      let row = row0 + i;
      if (row < rows) {
        var g = acc[i][c];
        // X has one row per sample: Jacobian row r belongs to sample r / row_mult.
        if (p.in_act != ACT_IDENTITY) { g *= activateGrad(p.in_act, p.in_alpha, aux[xb + (row / p.row_mult) * p.k4 + col]); }
        out[xb + row * p.k4 + col] = g;
      }
    }
  }
}
