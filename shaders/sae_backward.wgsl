// Sparse-autoencoder backward: the gradient at the pre-activations (through the active latents only, plus L1's
// penalty term), the decoder's, the encoder's with b_enc (both over each latent's active samples), and b_dec's
// (direct term minus the encoder path). Each output element is one thread, no atomics, the same summation order as
// src/ref/sae.ts.

@group(0) @binding(2) var<storage, read> c_params: array<f32>;
@group(0) @binding(3) var<storage, read> c_idx: array<u32>;        // (batch, list) active latents (sae_topk, sae_codes)
@group(0) @binding(4) var<storage, read> c_val: array<f32>;        // (batch, list) their codes
@group(0) @binding(5) var<storage, read> c_aux_idx: array<u32>;    // (batch, k_aux) AuxK latents
@group(0) @binding(6) var<storage, read> c_aux_val: array<f32>;    // (batch, k_aux)
@group(0) @binding(7) var<storage, read> c_gx: array<f32>;         // (batch, d_in)
@group(0) @binding(8) var<storage, read> c_ge: array<f32>;         // (batch, d_in)
@group(0) @binding(9) var<storage, read_write> c_gh: array<f32>;   // (batch, d_sae) d loss / d h at active latents

// d loss / d h at the active latents only, one thread per entry of a sample's code lists (main, then AuxK): every
// thread of a SIMD group does a full dot product, where one thread per (sample, latent) would leave most idle. The
// lists are disjoint where codes are positive (AuxK picks dead latents only, and a latent active now is not dead).
// gh stays stale elsewhere: its readers (saeEncoderGrad) visit active (sample, latent) pairs only. L1 adds
// d/dz of λ/rows·z_j·‖W_dec,j‖, the row norm summed in the same loop.
@compute @workgroup_size(SAE_WG)
fn saeCodeGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let per = p.list + p.k_aux;
  let n = saeThread(wid, nwg, lid);
  if (n >= st.rows * per) { return; }
  let b = n / per;
  let t = n % per;
  let main = t < p.list;
  var j: u32;
  var v: f32;
  if (main) {
    j = c_idx[b * p.list + t];
    if (j == NONE) { return; }
    v = c_val[b * p.list + t];
  } else {
    j = c_aux_idx[b * p.k_aux + t - p.list];
    v = c_aux_val[b * p.k_aux + t - p.list];
  }
  if (v <= 0.0) { return; }
  var s = 0.0;
  var norm = 0.0;
  for (var i = 0u; i < p.d_in; i++) {
    let w = c_params[p.w_dec + j * p.d_in + i];
    s += select(c_ge[b * p.d_in + i], c_gx[b * p.d_in + i], main) * w;
    norm += w * w;
  }
  if (p.kind == KIND_L1) { s += p.l1_weight / f32(st.rows) * sqrt(norm); }
  c_gh[b * p.d_sae + j] = s;
}

@group(0) @binding(2) var<storage, read> k_z: array<f32>;
@group(0) @binding(3) var<storage, read> k_zaux: array<f32>;
@group(0) @binding(4) var<storage, read_write> k_samples: array<u32>; // (d_sae, batch) samples where the latent is on
@group(0) @binding(5) var<storage, read_write> k_count: array<u32>;   // (d_sae) how many

// Per latent, the ascending list of samples where it is active (z or z_aux > 0): the weight gradients below loop over
// these few samples (about B·(k + k_aux)/d_sae) instead of the whole batch. Neighbouring threads read neighbouring z.
@compute @workgroup_size(SAE_WG)
fn saeColumns(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = saeThread(wid, nwg, lid);
  if (j >= p.d_sae) { return; }
  var c = 0u;
  for (var b = 0u; b < st.rows; b++) {
    if (k_z[b * p.d_sae + j] > 0.0 || k_zaux[b * p.d_sae + j] > 0.0) {
      k_samples[j * p.batch + c] = b;
      c++;
    }
  }
  k_count[j] = c;
}

@group(0) @binding(2) var<storage, read> w_z: array<f32>;
@group(0) @binding(3) var<storage, read> w_zaux: array<f32>;
@group(0) @binding(4) var<storage, read> w_gx: array<f32>;
@group(0) @binding(5) var<storage, read> w_ge: array<f32>;
@group(0) @binding(6) var<storage, read_write> w_grads: array<f32>; // gradient slab
@group(0) @binding(7) var<storage, read> w_samples: array<u32>;      // saeColumns
@group(0) @binding(8) var<storage, read> w_count: array<u32>;

// dW_dec[j, i..i+3] = Σ_b z[b, j] gx[b, i..] + z_aux[b, j] ge[b, i..] over the samples where latent j is active (the
// others add exactly 0), ascending as in the reference: one thread per row j and 4 columns.
@compute @workgroup_size(SAE_WG)
fn saeDecoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = (p.d_in + 3u) / 4u;
  let n = saeThread(wid, nwg, lid);
  if (n >= p.d_sae * q) { return; }
  let j = n / q;
  let i0 = n % q * 4u;
  let live = min(p.d_in - i0, 4u);
  var s = vec4f(0.0);
  for (var t = 0u; t < w_count[j]; t++) {
    let b = w_samples[j * p.batch + t];
    let z = w_z[b * p.d_sae + j];
    let za = w_zaux[b * p.d_sae + j];
    for (var r = 0u; r < live; r++) { s[r] += z * w_gx[b * p.d_in + i0 + r] + za * w_ge[b * p.d_in + i0 + r]; }
  }
  for (var r = 0u; r < live; r++) { w_grads[p.w_dec + j * p.d_in + i0 + r] = s[r]; }
}

@group(0) @binding(2) var<storage, read> n_x: array<f32>;
@group(0) @binding(3) var<storage, read> n_params: array<f32>;
@group(0) @binding(4) var<storage, read> n_gh: array<f32>;
@group(0) @binding(5) var<storage, read_write> n_grads: array<f32>;
@group(0) @binding(6) var<storage, read> n_samples: array<u32>;      // saeColumns
@group(0) @binding(7) var<storage, read> n_count: array<u32>;

// dW_enc[i..i+3, j] = Σ_b (x[b, i..] − b_dec[i..]) gh[b, j] over the samples where latent j is active (gh is 0
// elsewhere): one thread per latent and 4 input rows; the extra block past d_in gives db_enc[j] = Σ_b gh[b, j].
@compute @workgroup_size(SAE_WG)
fn saeEncoderGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let q = (p.d_in + 3u) / 4u;
  let n = saeThread(wid, nwg, lid);
  if (n >= (q + 1u) * p.d_sae) { return; }
  let i0 = n / p.d_sae * 4u;
  let j = n % p.d_sae;
  if (i0 >= p.d_in) {
    var t = 0.0;
    for (var u = 0u; u < n_count[j]; u++) { t += n_gh[n_samples[j * p.batch + u] * p.d_sae + j]; }
    n_grads[p.b_enc + j] = t;
    return;
  }
  let live = min(p.d_in - i0, 4u);
  var c = vec4f(0.0);
  for (var r = 0u; r < live; r++) { c[r] = n_params[p.b_dec + i0 + r]; }
  var s = vec4f(0.0);
  for (var u = 0u; u < n_count[j]; u++) {
    let b = n_samples[j * p.batch + u];
    let g = n_gh[b * p.d_sae + j];
    if (g == 0.0) { continue; }
    for (var r = 0u; r < live; r++) { s[r] += (n_x[b * p.d_in + i0 + r] - c[r]) * g; }
  }
  for (var r = 0u; r < live; r++) { n_grads[p.w_enc + (i0 + r) * p.d_sae + j] = s[r]; }
}

@group(0) @binding(2) var<storage, read> a_params: array<f32>;
@group(0) @binding(3) var<storage, read> a_gx: array<f32>;
@group(0) @binding(4) var<storage, read_write> a_grads: array<f32>;

// db_dec[i] = Σ_b gx[b, i] − Σ_j W_enc[i, j] db_enc[j] (h depends on x − b_dec); after saeEncoderGrad.
@compute @workgroup_size(SAE_WG)
fn saeBiasGrad(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = saeThread(wid, nwg, lid);
  if (i >= p.d_in) { return; }
  var s = 0.0;
  for (var b = 0u; b < st.rows; b++) { s += a_gx[b * p.d_in + i]; }
  for (var j = 0u; j < p.d_sae; j++) { s -= a_params[p.w_enc + i * p.d_sae + j] * a_grads[p.b_enc + j]; }
  a_grads[p.b_dec + i] = s;
}
