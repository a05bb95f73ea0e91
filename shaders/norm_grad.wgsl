// BatchNorm backward in training mode, through the batch statistics:
// dx = γ·inv_std·(dy − mean(dy) − x̂·mean(dy·x̂)), dγ = Σ dy·x̂, dβ = Σ dy; then times the producer's activation derivative.

struct Norm {
  f4: u32,        // ceil(F/4): vec4 columns
  g_off: u32,     // γ offset in the parameter / gradient slab, in vec4s
  b_off: u32,     // β offset, in vec4s
  rm_off: u32,    // running mean offset in the buffer slab (unused here)
  rv_off: u32,    // running variance offset (unused here)
  eps: f32,       // added to the variance (unused here: inv_std comes from the forward)
  momentum: f32,  // unused here
  in_act: u32,    // activation of the op that produced X
  in_alpha: f32,  // its LeakyReLU slope
  drop_f: u32,     // a fused dropout after this BatchNorm (norm.wgsl): dy is at its output (0: none)
  drop_layer: u32,
  drop_p: f32,
  drop_scale: f32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 16u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Norm;
@group(0) @binding(2) var<storage, read> x: array<vec4f>;              // (M, f4) forward input
@group(0) @binding(3) var<storage, read> params: array<vec4f>;         // parameter slab (γ)
@group(0) @binding(4) var<storage, read> stats: array<vec4f>;          // (2, f4) from the forward
@group(0) @binding(5) var<storage, read> dy: array<vec4f>;             // (M, f4) gradient at the output (or the fused
                                                                        // dropout's output: masked here)
@group(0) @binding(6) var<storage, read_write> dx: array<vec4f>;       // (M, f4) gradient at the producer's pre-activation
@group(0) @binding(7) var<storage, read_write> grads: array<vec4f>;    // gradient slab (dγ, dβ)

// The gradient at the BatchNorm's output: dy, or with a fused dropout dy at the dropout's output times its mask (the
// same product the unfused dropout backward stores, so the bits agree).
fn dyAt(at: u32, seed: u32, row: u32, col4: u32) -> vec4f {
  if (p.drop_f == 0u) { return dy[at]; }
  return dy[at] * dropoutKeepScale(seed, st.step, p.drop_layer, p.drop_f, p.drop_p, p.drop_scale, row, col4);
}

@compute @workgroup_size(WG)
fn batchNormBackward(@builtin(global_invocation_id) gid: vec3u) {
  let f = gid.x;
  if (f >= p.f4) { return; }
  let rows = st.rows;
  // Model gid.z's slices: batch-shaped buffers at gid.z · capacity · f4, stats at gid.z · 2 · f4, the slabs at its stride.
  let xb = gid.z * st.capacity * p.f4 + f;
  let pb = gid.z * st.param4;
  let mean = stats[gid.z * 2u * p.f4 + f];
  let inv_std = stats[gid.z * 2u * p.f4 + p.f4 + f];
  let seed = st.models[gid.z].seed;
  var sum_dy = vec4f(0.0);
  var sum_dy_xhat = vec4f(0.0);
  for (var r = 0u; r < rows; r++) {
    let g = dyAt(xb + r * p.f4, seed, r, f);
    sum_dy += g;
    sum_dy_xhat += g * (x[xb + r * p.f4] - mean) * inv_std;
  }
  grads[pb + p.g_off + f] = sum_dy_xhat;
  grads[pb + p.b_off + f] = sum_dy;
  let n = f32(rows);
  let k = params[pb + p.g_off + f] * inv_std;
  for (var r = 0u; r < rows; r++) {
    let at = xb + r * p.f4;
    let xin = x[at];
    let xhat = (xin - mean) * inv_std;
    let g = k * (dyAt(at, seed, r, f) - sum_dy / n - xhat * (sum_dy_xhat / n));
    dx[at] = g * activateGrad(p.in_act, p.in_alpha, xin);
  }
}
