// BatchNorm over the batch for each feature: forward (batch statistics + running-stat update in training,
// running statistics in evaluation) and backward through the batch statistics. One invocation per 4 features
// loops over the rows, so the reductions need no workgroup memory and are deterministic.

struct Norm {
  f4: u32,        // ceil(F/4): vec4 columns
  g_off: u32,     // γ offset in the parameter / gradient slab, in vec4s
  b_off: u32,     // β offset, in vec4s
  rm_off: u32,    // running mean offset in the buffer slab, in vec4s
  rv_off: u32,    // running variance offset, in vec4s
  eps: f32,       // added to the variance
  momentum: f32,  // weight of the new batch statistic in the running average (PyTorch convention)
  in_act: u32,    // activation of the op that produced X (backward multiplies by its derivative)
  in_alpha: f32,  // its LeakyReLU slope
  // A dropout right after this BatchNorm, fused into it (drop_f > 0): the forward also writes the dropped output,
  // the backward takes the gradient at the dropout's output. The fields are dropout.wgsl's Dropout's.
  drop_f: u32,     // the dropout's logical features F (0: no fused dropout)
  drop_layer: u32, // its layer id
  drop_p: f32,     // its drop probability
  drop_scale: f32, // 1 / (1 - p)
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 16u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Norm;
// Model gid.z's slices: x, y (capacity, f4) at gid.z · capacity · f4; stats at gid.z · 2 · f4; the slabs at its stride.
@group(0) @binding(2) var<storage, read> x: array<vec4f>;              // (M, f4) input
@group(0) @binding(3) var<storage, read> params: array<vec4f>;         // parameter slab (γ, β)
@group(0) @binding(4) var<storage, read_write> stats: array<vec4f>;    // (2, f4): batch mean, 1/sqrt(var + eps)
@group(0) @binding(5) var<storage, read_write> y: array<vec4f>;        // forward: (M, f4) output
@group(0) @binding(6) var<storage, read_write> state: array<vec4f>;    // forward: buffer slab (running stats)
@group(0) @binding(7) var<storage, read_write> dropped: array<vec4f>;  // forward: (M, f4) the fused dropout's output

@compute @workgroup_size(WG)
fn batchNormForward(@builtin(global_invocation_id) gid: vec3u) {
  let f = gid.x;
  if (f >= p.f4) { return; }
  let rows = st.rows;
  let xb = gid.z * st.capacity * p.f4 + f; // this model's column f
  let pb = gid.z * st.param4;
  let sb = gid.z * st.state4;
  var mean: vec4f;
  var inv_std: vec4f;
  if (st.training == 1u) {
    var sum = vec4f(0.0);
    for (var r = 0u; r < rows; r++) { sum += x[xb + r * p.f4]; }
    mean = sum / f32(rows);
    var sq = vec4f(0.0);
    for (var r = 0u; r < rows; r++) { let d = x[xb + r * p.f4] - mean; sq += d * d; }
    let var_biased = sq / f32(rows);
    inv_std = inverseSqrt(var_biased + p.eps);
    // Running statistics use the unbiased variance, as PyTorch does.
    let unbiased = sq / f32(max(rows, 2u) - 1u);
    state[sb + p.rm_off + f] = mix(state[sb + p.rm_off + f], mean, p.momentum);
    state[sb + p.rv_off + f] = mix(state[sb + p.rv_off + f], unbiased, p.momentum);
  } else {
    mean = state[sb + p.rm_off + f];
    inv_std = inverseSqrt(state[sb + p.rv_off + f] + p.eps);
  }
  stats[gid.z * 2u * p.f4 + f] = mean;
  stats[gid.z * 2u * p.f4 + p.f4 + f] = inv_std;
  let scale = params[pb + p.g_off + f] * inv_std;
  let shift = params[pb + p.b_off + f] - mean * scale;
  let seed = st.models[gid.z].seed;
  for (var r = 0u; r < rows; r++) {
    let v = x[xb + r * p.f4] * scale + shift;
    y[xb + r * p.f4] = v;
    if (p.drop_f > 0u) {
      // The same product an unfused dropout forms from the stored output, so the bits agree; identity in evaluation.
      dropped[xb + r * p.f4] = select(v, v * dropoutKeepScale(seed, st.step, p.drop_layer, p.drop_f, p.drop_p, p.drop_scale, r, f), st.training == 1u);
    }
  }
}
