// Reconstruction loss: per-row sums of squared error (reduced later by the metrics kernel) and the gradient at
// the output layer's pre-activation, 2(x̂ − x)/(M·D) · act'(x̂).

struct Loss {
  d: u32,       // logical pixels D
  d4: u32,      // ceil(D/4): vec4 columns
  act: u32,     // output activation (ACT_*)
  alpha: f32,   // its LeakyReLU slope
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Loss;
@group(0) @binding(2) var<storage, read> recon: array<vec4f>;        // (M, d4) x̂
@group(0) @binding(3) var<storage, read> clean: array<vec4f>;       // (M, d4) clean x
@group(0) @binding(4) var<storage, read_write> grad: array<vec4f>;   // (M, d4) dL/d(pre-activation)
@group(0) @binding(5) var<storage, read_write> row_loss: array<f32>; // (M) Σ_cols (x̂ − x)²

@compute @workgroup_size(WG)
fn mseLoss(@builtin(global_invocation_id) gid: vec3u) {
  let row = gid.x;
  if (row >= st.rows) { return; }
  let k = 2.0 / (f32(st.rows) * f32(p.d));
  var sum = 0.0;
  for (var c = 0u; c < p.d4; c++) {
    let at = row * p.d4 + c;
    let y = recon[at];
    let diff = y - clean[at];
    sum += dot(diff, diff);
    grad[at] = k * diff * activateGrad(p.act, p.alpha, y);
  }
  row_loss[row] = sum;
}
