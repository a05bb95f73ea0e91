// Weight and bias gradients of a dense layer: dW = dYᵀ · X and db = Σ_rows dY, one pass over the batch.
// Each invocation owns 4·RM rows × 4·CN columns of dW as outer-product updates of vec4 loads (no barriers);
// invocations in the first column block also accumulate the bias gradient of their rows.
// Batched models: workgroup_id.z is the model; dY and X slices at model · capacity · width, dW at model · param4:
// every family's entry sets these bases with enterModel.

struct DenseGrad {
  n4: u32,         // ceil(N/4): vec4 columns of dY, rows/4 of dW
  k4: u32,         // ceil(K/4): vec4 columns of X and dW
  w_off: u32,      // dW offset in the output buffer, in vec4s
  b_off: u32,      // db offset, in vec4s
  fixed_rows: u32, // reduction length when > 0 ...
  row_mult: u32,   // ... else st.rows · row_mult
  write_bias: u32, // 1: also write db
  pad0: u32,
}

override WG: u32 = 64u;

// This invocation's model's slices of dY, X and the gradient slab, in vec4s.
var<private> dy_base: u32;
var<private> x_base: u32;
var<private> g_base: u32;

fn enterModel(model: u32) {
  dy_base = model * st.capacity * p.n4;
  x_base = model * st.capacity * p.k4;
  g_base = model * st.param4;
}

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: DenseGrad;
// Bindings 2 and 3 — dY (M, n4), the gradient at the pre-activation, and X (M, k4), the layer's input — are declared
// by dense_grad_io.wgsl (storage buffers) or dense_grad_io_tex.wgsl (their texture mirrors), read through dyAt and xAt.
@group(0) @binding(4) var<storage, read_write> grads: array<vec4f>; // gradient slab

@compute @workgroup_size(WG)
fn denseBackwardWeight(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                       @builtin(local_invocation_index) lid: u32) {
  let t = groupIndex(wid, nwg) * WG + lid;
  let col_blocks = (p.k4 + CN - 1u) / CN;
  let row4 = (t / col_blocks) * RM; // first vec4 group of dW rows
  let col0 = (t % col_blocks) * CN;
  if (row4 >= p.n4) { return; }
  var acc: array<array<vec4f, CN>, RM * 4u>;
  var bias: array<vec4f, RM>;
  let rows = select(st.rows * p.row_mult, p.fixed_rows, p.fixed_rows > 0u);
  enterModel(wid.z);
  let yb = dy_base;
  let xb = x_base;
  let gb = g_base;
  // Four batch rows per iteration, so each accumulator update sums four outer-product terms (a mat4x4 · vec4):
  // a quarter of the accumulator read-modify-writes, which SwiftShader keeps in memory rather than registers.
  for (var m = 0u; m < rows; m += 4u) {
    var g: array<mat4x4f, RM>; // g[r][i]: dY row m + i at vec4 column row4 + r; zero past the last row
    for (var r = 0u; r < RM; r++) {
      for (var i = 0u; i < 4u; i++) {
        g[r][i] = select(vec4f(0.0), dyAt(yb + min(m + i, rows - 1u) * p.n4 + min(row4 + r, p.n4 - 1u)), m + i < rows);
      }
    }
    for (var c = 0u; c < CN; c++) {
      var xs: mat4x4f; // xs[i]: X row m + i at vec4 column col0 + c (rows past the end meet zero gradients)
      for (var i = 0u; i < 4u; i++) { xs[i] = xAt(xb + min(m + i, rows - 1u) * p.k4 + min(col0 + c, p.k4 - 1u)); }
      for (var r = 0u; r < RM; r++) {
        let gt = transpose(g[r]); // gt[j][i] = dY[m + i, 4(row4 + r) + j]
        for (var j = 0u; j < 4u; j++) { acc[4u * r + j][c] += xs * gt[j]; }
      }
    }
    if (col0 == 0u && p.write_bias == 1u) {
      for (var r = 0u; r < RM; r++) { bias[r] += g[r] * vec4f(1.0); }
    }
  }
  for (var r = 0u; r < RM; r++) {
    if (row4 + r >= p.n4) { break; }
    for (var j = 0u; j < 4u; j++) {
      let row = (row4 + r) * 4u + j;
      for (var c = 0u; c < CN; c++) {
        if (col0 + c < p.k4) { grads[gb + p.w_off + row * p.k4 + col0 + c] = acc[4u * r + j][c]; }
      }
    }
    if (col0 == 0u && p.write_bias == 1u) { grads[gb + p.b_off + row4 + r] = bias[r]; }
  }
}
