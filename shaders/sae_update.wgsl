// Sparse-autoencoder pieces around Adam (optimizer.wgsl): the decoder-row-parallel gradient removed before the step,
// rows renormalised after it, L1's row norms, the per-latent statistics (dead counters, firing
// counts), and the evaluation sums (L0, FVU).

@group(0) @binding(2) var<storage, read> r_params: array<f32>;
@group(0) @binding(3) var<storage, read_write> r_grads: array<f32>;

@group(0) @binding(2) var<storage, read_write> s_params: array<f32>;

var<workgroup> r_part: array<vec2f, SAE_WG>;

// Σ over the row's d_in entries of (a, b), reduced across the workgroup; every thread gets the total.
fn rowSum(v: vec2f, lid: u32) -> vec2f {
  r_part[lid] = v;
  workgroupBarrier();
  for (var s = SAE_WG / 2u; s > 0u; s /= 2u) {
    if (lid < s) { r_part[lid] += r_part[lid + s]; }
    workgroupBarrier();
  }
  let total = r_part[0];
  workgroupBarrier();
  return total;
}

// The row kernels below run one thread per decoder row with a serial sum over its d_in entries (in the reference's
// order): a workgroup per row spent its time in barriers on the CPU adapters.

// g_j ← g_j − (g_j·w_j / ‖w_j‖²) w_j
@compute @workgroup_size(SAE_WG)
fn saeProjectRows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = saeThread(wid, nwg, lid);
  if (j >= p.d_sae) { return; }
  let row = p.w_dec + j * p.d_in;
  var gw = 0.0;
  var ww = 0.0;
  for (var i = 0u; i < p.d_in; i++) {
    gw += r_grads[row + i] * r_params[row + i];
    ww += r_params[row + i] * r_params[row + i];
  }
  if (ww == 0.0) { return; }
  for (var i = 0u; i < p.d_in; i++) { r_grads[row + i] -= (gw / ww) * r_params[row + i]; }
}

// Also clamps JumpReLU's θ_j to ≥ THRESHOLD_MIN after Adam (θ must stay > 0: src/ref/sae-kinds.ts).
@compute @workgroup_size(SAE_WG)
fn saeNormaliseRows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = saeThread(wid, nwg, lid);
  if (j >= p.d_sae) { return; }
  if (p.kind == KIND_JUMPRELU) { s_params[p.threshold + j] = max(s_params[p.threshold + j], THRESHOLD_MIN); }
  let row = p.w_dec + j * p.d_in;
  var ss = 0.0;
  for (var i = 0u; i < p.d_in; i++) { ss += s_params[row + i] * s_params[row + i]; }
  if (ss == 0.0) { return; }
  let inv = 1.0 / sqrt(ss);
  for (var i = 0u; i < p.d_in; i++) { s_params[row + i] *= inv; }
}

@group(0) @binding(2) var<storage, read> n_params: array<f32>;
@group(0) @binding(3) var<storage, read_write> n_norms: array<f32>;  // (d_sae)

@compute @workgroup_size(SAE_WG)
fn saeRowNorms(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = saeThread(wid, nwg, lid);
  if (j >= p.d_sae) { return; }
  var ss = 0.0;
  for (var i = 0u; i < p.d_in; i++) { ss += n_params[p.w_dec + j * p.d_in + i] * n_params[p.w_dec + j * p.d_in + i]; }
  n_norms[j] = sqrt(ss);
}

@group(0) @binding(2) var<storage, read> k_z: array<f32>;               // (batch, d_sae)
@group(0) @binding(3) var<storage, read_write> k_counters: array<u32>;  // (d_sae)
@group(0) @binding(4) var<storage, read_write> k_latent: array<vec2f>;  // (d_sae) Σ_b z_bj, Σ_b [z_bj > 0] of the batch
@group(0) @binding(5) var<storage, read_write> k_fires: array<u32>;     // (d_sae) held-out samples where z_j > 0

// Training: the dead counters (reset where the latent fired, + rows elsewhere, saturating) and the batch's per-latent
// sums for the penalty. Evaluation: the firing counts of the held-out split (its density histogram).
@compute @workgroup_size(SAE_WG)
fn saeLatentStats(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = saeThread(wid, nwg, lid);
  if (j >= p.d_sae) { return; }
  var sum = vec2f(0.0);
  var fired = 0u;
  for (var b = 0u; b < st.rows; b++) {
    let z = k_z[b * p.d_sae + j];
    sum += vec2f(z, select(0.0, 1.0, z > 0.0));
    fired += select(0u, 1u, z > 0.0);
  }
  if (st.training == 0u) {
    k_fires[j] += fired;
    return;
  }
  k_latent[j] = sum;
  let c = k_counters[j];
  k_counters[j] = select(select(c + st.rows, 0xffffffffu, c > 0xffffffffu - st.rows), 0u, fired > 0u);
}

@group(0) @binding(2) var<storage, read> v_x: array<f32>;
@group(0) @binding(3) var<storage, read> v_xhat: array<f32>;
@group(0) @binding(4) var<storage, read_write> v_stats: array<f32>; // Σ(x̂ − x)², 0, samples, 0, then Σx (d_in), Σx² (d_in)

// Evaluation sums over the test split, one workgroup per batch: each thread owns whole input dimensions. (L0 comes
// from saeLatentStats's firing counts.)
@compute @workgroup_size(SAE_WG)
fn saeEvalStats(@builtin(local_invocation_index) lid: u32) {
  var acc = vec2f(0.0);
  for (var i = lid; i < p.d_in; i += SAE_WG) {
    var sx = 0.0;
    var sxx = 0.0;
    for (var b = 0u; b < st.rows; b++) {
      let x = v_x[b * p.d_in + i];
      let e = v_xhat[b * p.d_in + i] - x;
      sx += x;
      sxx += x * x;
      acc.x += e * e;
    }
    v_stats[4u + i] += sx;
    v_stats[4u + p.d_in + i] += sxx;
  }
  let t = rowSum(acc, lid);
  if (lid == 0u) { v_stats[0] += t.x; v_stats[2] += f32(st.rows); }
}
